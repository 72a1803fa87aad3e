//go:build wasip1

// Command reactor is the probe in the reactor form: the same Serve,
// registered with the Go SDK and built with -buildmode=c-shared.
package main

import (
	"github.com/gojinn/gojinn/functions/testdata/probe"
	"github.com/gojinn/gojinn/hostabi/function"
)

func init() { function.Handle(probe.Serve) }

func main() {}
