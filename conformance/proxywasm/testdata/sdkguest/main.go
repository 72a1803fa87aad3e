// Command sdkguest is package plugins built as a Proxy-Wasm module
// (GOOS=wasip1, -buildmode=c-shared), as Envoy would load it.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
)

func main() {}

func init() { proxywasm.SetVMContext(&plugins.VM{}) }
