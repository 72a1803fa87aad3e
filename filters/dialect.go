package filters

import (
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/filters/internal/interrupt"
	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// A dialect is the ABI a filter's module was built for. Both run on the
// same engine, pool, limits and snapshots and over the same Exchange; the
// dialect decides what is checked at load, which host module the guest
// finds its binding through, what its start-up runs, and which exports
// serve each phase (httpwasm.go for the http-wasm ABI).
type dialect uint8

const (
	// dialectGojinn is Gojinn's own ABI (docs/ABI.md).
	dialectGojinn dialect = iota
	// dialectHTTPWasm is the http-wasm handler ABI of Traefik's and
	// Dapr's wasm middleware (http-wasm.io).
	dialectHTTPWasm
	// dialectProxyWasm is the Proxy-Wasm ABI of Envoy's, Istio's and
	// Kong's wasm filters (github.com/proxy-wasm/spec), proxywasm.go.
	dialectProxyWasm
)

func (d dialect) String() string {
	switch d {
	case dialectHTTPWasm:
		return "http-wasm"
	case dialectProxyWasm:
		return "proxy-wasm"
	}
	return "gojinn"
}

// detectDialect tells a module's dialect from the host module it imports
// from; a module that imports from neither Gojinn's nor http-wasm's is
// told by its exports, then by a Proxy-Wasm import: "env" is every C
// toolchain's module for undefined symbols, so importing from it does not
// make a module Proxy-Wasm's, but importing a proxy_* function from it
// does.
func detectDialect(mod wazero.CompiledModule) (dialect, error) {
	var gojinn, hw, pw bool
	for _, f := range mod.ImportedFunctions() {
		switch module, name, _ := f.Import(); module {
		case hostabi.ModuleName:
			gojinn = true
		case httpwasm.ModuleName:
			hw = true
		case proxywasm.ModuleName:
			pw = pw || strings.HasPrefix(name, proxywasm.FuncPrefix)
		}
	}
	switch {
	case gojinn && hw:
		return 0, fmt.Errorf("imports from both %q (Gojinn's ABI) and %q (the http-wasm ABI): a filter is "+
			"built for one of them", hostabi.ModuleName, httpwasm.ModuleName)
	case hw:
		return dialectHTTPWasm, nil
	case gojinn:
		return dialectGojinn, nil
	}
	exports := mod.ExportedFunctions()
	if _, ok := exports[httpwasm.ExportHandleRequest]; ok {
		return dialectHTTPWasm, nil
	}
	for name := range exports {
		if strings.HasPrefix(name, proxywasm.ABIVersionPrefix) {
			return dialectProxyWasm, nil
		}
	}
	if pw {
		return dialectProxyWasm, nil
	}
	return dialectGojinn, nil
}

// checkModule detects the module's dialect and checks the module against
// it.
func checkModule(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) (dialect, error) {
	d, err := detectDialect(mod)
	if err != nil {
		return 0, err
	}
	switch d {
	case dialectHTTPWasm:
		return d, checkHTTPWasm(mod, wasiFuncs, memoryLimit)
	case dialectProxyWasm:
		return d, checkProxyWasm(mod, wasiFuncs, memoryLimit)
	}
	return d, check(mod, wasiFuncs, memoryLimit)
}

// startExports are the exports a fresh instance runs at start-up, in
// order, those the module has: the host's own (the data and the interrupt
// flag's set-up), then the guest's initialiser; an http-wasm guest built
// as a command (TinyGo) starts with _start, where it enables its features
// and reads its config. A Proxy-Wasm guest's start-up goes on in
// startProxyWasm.
func (d dialect) startExports() []string {
	if d == dialectHTTPWasm {
		return []string{snapshot.DataInit, interrupt.Start, hostabi.ExportInitialize, httpwasm.ExportStart}
	}
	return []string{snapshot.DataInit, interrupt.Start, hostabi.ExportInitialize}
}

// checkHTTPWasm verifies a compiled module against the http-wasm ABI, as
// check does against Gojinn's.
func checkHTTPWasm(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) error {
	if err := checkImports(mod, &httpWasmHost, wasiFuncs); err != nil {
		return err
	}
	if err := checkMemory(mod, httpwasm.ExportMemory, memoryLimit); err != nil {
		return err
	}
	return checkExports(mod.ExportedFunctions(), []export{
		{httpwasm.ExportHandleRequest, true, nil, []api.ValueType{api.ValueTypeI64}},
		{httpwasm.ExportHandleResponse, false, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil},
		{httpwasm.ExportStart, false, nil, nil},
		{hostabi.ExportInitialize, false, nil, nil},
	}, "an http-wasm handler")
}
