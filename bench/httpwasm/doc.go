// Package httpwasm compares Gojinn's per-filter cost with
// http-wasm-host-go's, the reference host of the http-wasm ABI, on guests
// of the same logic written for each ABI. Its benchmarks are its only
// content; it is a module of its own so that http-wasm-host-go never
// enters the main module's dependencies.
package httpwasm
