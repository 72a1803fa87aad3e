package filters

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/gojinn/gojinn/internal/wasmtest"
)

func TestInspect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, err := NewEngine(EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)

	i32 := []byte{wasmtest.I32}
	nullary := wasmtest.FuncType{}
	httpWasm := func(imports ...wasmtest.Import) *wasmtest.Module {
		return &wasmtest.Module{MemoryPages: 1, Imports: imports, Funcs: []wasmtest.Func{
			{Type: wasmtest.FuncType{Results: []byte{wasmtest.I64}}, Body: []byte{0x42, 0x01}, Export: "handle_request"},
		}}
	}
	entry := func(export string, imports ...wasmtest.Import) *wasmtest.Module {
		return &wasmtest.Module{MemoryPages: 1, Imports: imports, Funcs: []wasmtest.Func{{Type: nullary, Export: export}}}
	}
	fdWrite := wasmtest.Import{Module: "wasi_snapshot_preview1", Name: "fd_write",
		Type: wasmtest.FuncType{Params: []byte{wasmtest.I32, wasmtest.I32, wasmtest.I32, wasmtest.I32}, Results: i32}}
	for _, tc := range []struct {
		name     string
		mod      *wasmtest.Module
		dialect  string // "" with wantErr
		wantErr  bool
		function bool
		// provided is, per import in order, whether the engine has it.
		provided []bool
	}{
		{"gojinn", wasmtest.ABIGuest([]wasmtest.Import{
			{Module: "gojinn", Name: "status_get", Type: wasmtest.FuncType{Results: i32}},
			{Module: "gojinn", Name: "status_get", Type: nullary}, // wrong signature
			{Module: "gojinn", Name: "no_such_function", Type: nullary},
		}, wasmtest.Const(0)), "gojinn", false, false, []bool{true, false, false}},
		{"http-wasm by imports", httpWasm(
			wasmtest.Import{Module: "http_handler", Name: "get_status_code", Type: wasmtest.FuncType{Results: i32}},
			wasmtest.Import{Module: "env", Name: "abort", Type: nullary},
		), "http-wasm", false, false, []bool{true, false}},
		{"http-wasm by exports, a command", func() *wasmtest.Module {
			m := httpWasm(fdWrite)
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: nullary, Export: "_start"})
			return m
		}(), "http-wasm", false, false, []bool{true}},
		{"both dialects", wasmtest.ABIGuest([]wasmtest.Import{
			{Module: "gojinn", Name: "status_get", Type: wasmtest.FuncType{Results: i32}},
			{Module: "http_handler", Name: "get_status_code", Type: wasmtest.FuncType{Results: i32}},
		}, wasmtest.Const(0)), "", true, false, []bool{true, true}},
		{"a command function", entry("_start", fdWrite,
			wasmtest.Import{Module: "wasi_snapshot_preview1", Name: "no_such_call", Type: nullary}), "gojinn", false, true, []bool{true, false}},
		{"a reactor function", entry("gojinn_function"), "gojinn", false, true, nil},
		{"a command importing the ABI is no function", entry("_start",
			wasmtest.Import{Module: "gojinn", Name: "status_get", Type: wasmtest.FuncType{Results: i32}}), "gojinn", false, false, []bool{true}},
		{"neither entry", entry("other"), "gojinn", false, false, nil},
		// Proxy-Wasm guests import from "env" and may export _start.
		{"a command importing from another module is no function", entry("_start",
			wasmtest.Import{Module: "env", Name: "proxy_log", Type: nullary}), "proxy-wasm", false, false, []bool{false}},
		{"proxy-wasm", entry("proxy_abi_version_0_2_1",
			wasmtest.Import{Module: "env", Name: "proxy_log", Type: wasmtest.FuncType{Params: []byte{wasmtest.I32, wasmtest.I32, wasmtest.I32}, Results: i32}},
			wasmtest.Import{Module: "env", Name: "proxy_no_such_call", Type: nullary}), "proxy-wasm", false, false, []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, err := rt.CompileModule(ctx, tc.mod.Encode())
			if err != nil {
				t.Fatal(err)
			}
			d, err := Dialect(mod)
			if d != tc.dialect || (err != nil) != tc.wantErr {
				t.Errorf("Dialect = %q, %v; want %q, error %t", d, err, tc.dialect, tc.wantErr)
			}
			if got := IsFunction(mod); got != tc.function {
				t.Errorf("IsFunction = %t, want %t", got, tc.function)
			}
			imports := mod.ImportedFunctions()
			if len(imports) != len(tc.provided) {
				t.Fatalf("%d imports, want %d", len(imports), len(tc.provided))
			}
			for i, f := range imports {
				if got := e.Provides(f); got != tc.provided[i] {
					module, name, _ := f.Import()
					t.Errorf("Provides(%s.%s) = %t, want %t", module, name, got, tc.provided[i])
				}
			}
		})
	}
}
