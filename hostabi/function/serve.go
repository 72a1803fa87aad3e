//go:build wasip1

package function

import (
	"io"
	"os"
	"slices"
)

// Handler serves one request: it gets the request's JSON, as a command
// reads it on stdin, and returns the response's JSON, which is written to
// stdout. The request's bytes are valid until it returns (the next
// request reuses them): copy what is kept. A handler that wrote its
// response to os.Stdout itself returns nil.
type Handler func(request []byte) []byte

var (
	handler Handler
	// request is kept between calls, so that reading one allocates
	// nothing once the buffer has grown to the requests' size.
	request []byte
)

// Handle registers the function's handler. Call it from init: a
// reactor's main never runs.
func Handle(h Handler) {
	if h == nil {
		panic("function.Handle: nil handler")
	}
	handler = h
}

//go:wasmexport gojinn_function
func serve() {
	if handler == nil {
		// Exiting fails this request with a reason in the host's log;
		// no later one could do better.
		_, _ = os.Stderr.WriteString("gojinn function: no handler registered: call function.Handle in init\n")
		os.Exit(1)
	}
	request = readRequest(request[:0])
	if response := handler(request); response != nil {
		// A short write is the host's limit on the output: the host
		// knows, and answers for it.
		_, _ = os.Stdout.Write(response)
	}
}

// readRequest reads stdin to its end into buf.
func readRequest(buf []byte) []byte {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(4096, cap(buf)))
		}
		n, err := os.Stdin.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || (n == 0 && err == nil) {
			return buf
		}
		if err != nil {
			// Stdin is the host's buffer: it does not fail.
			panic("function: reading the request: " + err.Error())
		}
	}
}
