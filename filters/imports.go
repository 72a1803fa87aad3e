package filters

import (
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// hostModule is the host module a dialect's filters import their host
// functions from, as the dialect's load check and Engine.Provides look
// them up: one table per dialect, so that the three checks and the
// inspector cannot disagree on what the host provides.
type hostModule struct {
	// name is the import module's name.
	name string
	// lookup is the signature of the module's function of that name;
	// false when it has none.
	lookup func(name string) (params, results []api.ValueType, ok bool)
	// abi is how an error names the ABI: "ABI v1", "the http-wasm ABI".
	abi string
	// unknown is what an error adds to an unknown function's name.
	unknown func() string
	// filter is how an error names the dialect's filters.
	filter string
}

var (
	gojinnHost = hostModule{
		name: hostabi.ModuleName,
		lookup: func(name string) ([]api.ValueType, []api.ValueType, bool) {
			fn, ok := hostabi.LookupHostFunc(name)
			if !ok {
				return nil, nil, false
			}
			return host.ParamTypes(fn), host.ResultTypes(fn), true
		},
		abi:     fmt.Sprintf("ABI v%d", hostabi.Version),
		unknown: func() string { return fmt.Sprintf(" (ABI v%d has: %s)", hostabi.Version, hostNames()) },
		filter:  "a Gojinn filter",
	}
	httpWasmHost = hostModule{
		name: httpwasm.ModuleName,
		lookup: func(name string) ([]api.ValueType, []api.ValueType, bool) {
			fn, ok := httpwasm.Lookup(name)
			return fn.Params, fn.Results, ok
		},
		abi:     "the http-wasm ABI",
		unknown: func() string { return "" },
		filter:  "an http-wasm filter",
	}
	proxyWasmHost = hostModule{
		name: proxywasm.ModuleName,
		lookup: func(name string) ([]api.ValueType, []api.ValueType, bool) {
			fn, ok := proxywasm.Lookup(name)
			return fn.Params, fn.Results, ok
		},
		abi:     "the Proxy-Wasm ABI",
		unknown: func() string { return " (not in Proxy-Wasm ABI v0.2.1)" },
		filter:  "a Proxy-Wasm filter",
	}
)

// provides reports whether the module has the function f imports from
// it, with f's signature.
func (h *hostModule) provides(f api.FunctionDefinition) bool {
	_, name, _ := f.Import()
	params, results, ok := h.lookup(name)
	return ok && equalTypes(f.ParamTypes(), params) && equalTypes(f.ResultTypes(), results)
}

// checkImports holds each function mod imports to h or, from WASI, to
// the functions the engine provides: a filter imports from those two
// modules only.
func checkImports(mod wazero.CompiledModule, h *hostModule, wasiFuncs map[string]bool) error {
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		switch module {
		case h.name:
			params, results, ok := h.lookup(name)
			if !ok {
				return fmt.Errorf("imports unknown host function %s.%s%s", module, name, h.unknown())
			}
			if !equalTypes(f.ParamTypes(), params) || !equalTypes(f.ResultTypes(), results) {
				return fmt.Errorf("imports %s.%s with signature %s, %s has %s", module, name,
					signatureOf(f.ParamTypes(), f.ResultTypes()), h.abi, signatureOf(params, results))
			}
		case hostabi.WASIModuleName:
			if !wasiFuncs[name] {
				return fmt.Errorf("imports unknown WASI function %s.%s", module, name)
			}
		default:
			return fmt.Errorf("imports %s.%s from module %q: %s may import from %q and %q only",
				module, name, module, h.filter, h.name, hostabi.WASIModuleName)
		}
	}
	return nil
}

// export is a function a dialect calls in its guests.
type export struct {
	name            string
	required        bool
	params, results []api.ValueType
}

// checkExports holds a module's exports to a dialect's: each required
// one present (notA says what a module without it is not), and each
// present with its signature.
func checkExports(exports map[string]api.FunctionDefinition, want []export, notA string) error {
	for _, e := range want {
		f, ok := exports[e.name]
		if !ok {
			if e.required {
				return fmt.Errorf("does not export %q: not %s", e.name, notA)
			}
			continue
		}
		if !equalTypes(f.ParamTypes(), e.params) || !equalTypes(f.ResultTypes(), e.results) {
			return fmt.Errorf("exports %q with signature %s, want %s", e.name,
				signatureOf(f.ParamTypes(), f.ResultTypes()), signatureOf(e.params, e.results))
		}
	}
	return nil
}
