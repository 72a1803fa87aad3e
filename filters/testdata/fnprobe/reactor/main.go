//go:build wasip1

// Command reactor is fnprobe as a function reactor.
package main

import (
	"github.com/gojinn/gojinn/filters/testdata/fnprobe"
	"github.com/gojinn/gojinn/hostabi/function"
)

func init() { function.Handle(fnprobe.Serve) }

func main() {}
