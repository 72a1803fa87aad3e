package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
)

// moduleInfo is what a module's binary declares: its imports, exports
// and memory. It is read with wazero's interpreter, which validates the
// module without compiling it to machine code; whether the module is fit
// to run is the engine's to say (filters.Engine.Load).
type moduleInfo struct {
	imports []function
	exports []function
	// memoryMin is the exported memory's minimum size in bytes; hasMemory
	// is false when the module exports none.
	memoryMin uint64
	hasMemory bool
}

// function is one imported or exported function. For an import,
// provided tells whether the host has a function of that module, name
// and signature.
type function struct {
	module, name string
	signature    string
	provided     bool
}

const wasmPage = 64 << 10

// readModule decodes and validates wasm.
func readModule(ctx context.Context, wasm []byte) (*moduleInfo, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("not a valid wasm module: %w", err)
	}
	wasi, err := wasiFuncs(ctx, rt)
	if err != nil {
		return nil, err
	}
	info := &moduleInfo{}
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		info.imports = append(info.imports, function{
			module:    module,
			name:      name,
			signature: signatureOf(f.ParamTypes(), f.ResultTypes()),
			provided:  provided(module, name, f, wasi),
		})
	}
	for name, f := range mod.ExportedFunctions() {
		info.exports = append(info.exports, function{name: name, signature: signatureOf(f.ParamTypes(), f.ResultTypes())})
	}
	slices.SortFunc(info.exports, func(a, b function) int { return strings.Compare(a.name, b.name) })
	// Both dialects name their memory "memory".
	if m, ok := mod.ExportedMemories()[hostabi.ExportMemory]; ok {
		info.memoryMin, info.hasMemory = uint64(m.Min())*wasmPage, true
	}
	return info, nil
}

// wasiFuncs is the names of the WASI functions wazero provides, which the
// engine provides too.
func wasiFuncs(ctx context.Context, rt wazero.Runtime) (map[string]bool, error) {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("instantiating WASI: %w", err)
	}
	names := make(map[string]bool)
	for name := range rt.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions() {
		names[name] = true
	}
	return names, nil
}

// provided tells whether the host has the function a module imports,
// with the signature it imports it with.
func provided(module, name string, f api.FunctionDefinition, wasi map[string]bool) bool {
	switch module {
	case hostabi.ModuleName:
		fn, ok := hostabi.LookupHostFunc(name)
		return ok && slices.Equal(f.ParamTypes(), host.ParamTypes(fn)) && slices.Equal(f.ResultTypes(), host.ResultTypes(fn))
	case httpwasm.ModuleName:
		fn, ok := httpwasm.Lookup(name)
		return ok && slices.Equal(f.ParamTypes(), fn.Params) && slices.Equal(f.ResultTypes(), fn.Results)
	case hostabi.WASIModuleName:
		return wasi[name]
	}
	return false
}

// dialect names the ABI the module was built for, told as the loader
// tells it (filters/dialect.go): by the host module it imports from, and
// for a module that imports from neither, by its exports. A module that
// imports from both is refused by the loader, whose message says so.
func (m *moduleInfo) dialect() string {
	var gojinn, hw bool
	for _, f := range m.imports {
		gojinn = gojinn || f.module == hostabi.ModuleName
		hw = hw || f.module == httpwasm.ModuleName
	}
	switch {
	case gojinn && hw:
		return "none (imports from both " + hostabi.ModuleName + " and " + httpwasm.ModuleName + ")"
	case hw:
		return "http-wasm"
	case gojinn:
		return "gojinn"
	}
	if slices.ContainsFunc(m.exports, func(f function) bool { return f.name == httpwasm.ExportHandleRequest }) {
		return "http-wasm"
	}
	return "gojinn"
}

func signatureOf(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}
