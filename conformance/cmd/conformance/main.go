// Command conformance runs the Gojinn ABI conformance suite against this
// repository's host and prints, per host function, how many cases passed
// and failed in each guest language (Go, C, Rust and C++).
//
//	go run ./conformance/cmd/conformance
//
// It builds the case runners from source, so it needs the Go toolchain,
// clang and libc++ for wasm32-wasi, and Debian's rustc and cargo with the
// wasm32-wasi standard library (`make deps`). It exits 1 when a case fails.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gojinn/gojinn/conformance"
	"github.com/gojinn/gojinn/filters"
)

func main() {
	os.Exit(run())
}

func run() int {
	guests, err := conformance.BuildGuests()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 2
	}
	engine, err := filters.NewEngine(filters.EngineConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer engine.Close(context.Background())
	if conformance.Table(os.Stdout, &conformance.Gojinn{Engine: engine}, guests) > 0 {
		return 1
	}
	return 0
}
