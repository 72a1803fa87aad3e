package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
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
	// dialect is the ABI a filter's module was built for, as the loader
	// tells it (filters.Dialect); function: the module is a function's,
	// not a filter's (filters.IsFunction).
	dialect  string
	function bool
}

// function is one imported or exported function. For an import,
// provided tells whether the host has a function of that module, name
// and signature (filters.Engine.Provides).
type function struct {
	module, name string
	signature    string
	provided     bool
}

const wasmPage = 64 << 10

// readModule decodes and validates wasm, and tells which of its imports
// engine provides.
func readModule(ctx context.Context, engine *filters.Engine, wasm []byte) (*moduleInfo, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("not a valid wasm module: %w", err)
	}
	info := &moduleInfo{function: filters.IsFunction(mod)}
	if info.dialect, err = filters.Dialect(mod); err != nil {
		info.dialect = "none: " + err.Error()
	}
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		info.imports = append(info.imports, function{
			module:    module,
			name:      name,
			signature: signatureOf(f.ParamTypes(), f.ResultTypes()),
			provided:  engine.Provides(f),
		})
	}
	for name, f := range mod.ExportedFunctions() {
		info.exports = append(info.exports, function{name: name, signature: signatureOf(f.ParamTypes(), f.ResultTypes())})
	}
	slices.SortFunc(info.exports, func(a, b function) int { return strings.Compare(a.name, b.name) })
	// Both dialects and functions name their memory "memory".
	if m, ok := mod.ExportedMemories()[hostabi.ExportMemory]; ok {
		info.memoryMin, info.hasMemory = uint64(m.Min())*wasmPage, true
	}
	return info, nil
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
