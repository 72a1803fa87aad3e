package filters

import (
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// What the loader tells of a module before it checks it, for tools that
// describe modules (cmd/gojinn) and must say what Load says: one copy of
// the rules, here, beside the loader's.

// Dialect names the ABI a filter's module was built for, as Load tells
// it: by the host module it imports from, and for a module that imports
// from neither, by its exports. The error is the loader's for a module
// that imports from two dialects' host modules.
func Dialect(mod wazero.CompiledModule) (string, error) {
	d, err := detectDialect(mod)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// IsFunction reports whether mod is a function's module (LoadFunction's)
// rather than a filter's (Load's): it imports from WASI alone, as a
// function may (a filter of any dialect imports its host functions from
// another module), exports a function's entry point (a command's _start
// or a reactor's gojinn_function), and neither the Gojinn ABI's version
// export nor an http-wasm handler.
func IsFunction(mod wazero.CompiledModule) bool {
	for _, f := range mod.ImportedFunctions() {
		if module, _, _ := f.Import(); module != hostabi.WASIModuleName {
			return false
		}
	}
	exports := mod.ExportedFunctions()
	if exports[hostabi.ExportABIVersion] != nil || exports[httpwasm.ExportHandleRequest] != nil {
		return false
	}
	return exports[hostabi.ExportStart] != nil || exports[hostabi.ExportFunction] != nil
}

// Provides reports whether the engine has the function f imports, under
// its module and name and with its signature: a host function of the
// Gojinn ABI, of the http-wasm ABI or of the Proxy-Wasm ABI, or a WASI
// function.
func (e *Engine) Provides(f api.FunctionDefinition) bool {
	module, name, _ := f.Import()
	switch module {
	case hostabi.ModuleName:
		return gojinnHost.provides(f)
	case httpwasm.ModuleName:
		return httpWasmHost.provides(f)
	case proxywasm.ModuleName:
		return proxyWasmHost.provides(f)
	case hostabi.WASIModuleName:
		return e.wasiFuncs[name]
	}
	return false
}
