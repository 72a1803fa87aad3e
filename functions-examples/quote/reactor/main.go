//go:build wasip1

// Command reactor is the quote function as a reactor: the same Serve,
// registered with the Go SDK for functions, started once and called once
// per request:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o quote-reactor.wasm ./functions-examples/quote/reactor
package main

import (
	"github.com/gojinn/gojinn/functions-examples/quote/quote"
	"github.com/gojinn/gojinn/hostabi/function"
)

func init() { function.Handle(quote.Serve) }

func main() {}
