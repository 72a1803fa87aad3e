// Command noopgo is the no-op handler in Go on the http-wasm ABI: it
// passes the request on.
package main

//go:wasmexport handle_request
func handleRequest() uint64 { return 1 } // next

//go:wasmexport handle_response
func handleResponse(reqCtx, isError uint32) {}

func main() {}
