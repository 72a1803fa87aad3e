// Package httpwasm runs the http-wasm TCK (the technology compatibility
// kit of github.com/http-wasm/http-wasm-host-go/tck) through a Gojinn
// chain served by a real net/http server, over HTTP/1.1 and over HTTP/2.
// It is a module of its own so that the reference host, which the TCK
// ships in, stays out of Gojinn's module graph.
package httpwasm
