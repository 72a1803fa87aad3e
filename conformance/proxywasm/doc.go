// Package proxywasm checks Gojinn's Proxy-Wasm dialect against the real Go
// SDK (github.com/proxy-wasm/proxy-wasm-go-sdk): the filters of package
// plugins run natively in the SDK's host emulator (proxytest) and, built
// for wasip1, through a Gojinn chain, and every case must come out the
// same in both. It is a module of its own so that the SDK, a test-only
// peer, stays out of the main module's graph.
package proxywasm
