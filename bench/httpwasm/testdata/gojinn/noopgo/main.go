// Command noopgo is the no-op filter in Go on Gojinn's raw imports (no
// SDK): it continues at once.
package main

//go:wasmexport gojinn_abi_v1
func abiV1() {}

//go:wasmexport gojinn_on_request
func onRequest() int32 { return 0 } // continue

func main() {}
