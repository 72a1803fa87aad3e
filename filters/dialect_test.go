package filters

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

func TestDialectChecks(t *testing.T) {
	t.Parallel()
	i64 := []byte{wasmtest.I64}
	i32x2 := []byte{wasmtest.I32, wasmtest.I32}
	// valid is the smallest http-wasm guest: handle_request returns 1
	// (next) and nothing is imported.
	valid := func() *wasmtest.Module {
		return &wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{
			{Type: wasmtest.FuncType{Results: i64}, Body: []byte{0x42, 0x01}, Export: "handle_request"},
		}}
	}
	withImport := func(module, name string, ft wasmtest.FuncType) func() *wasmtest.Module {
		return func() *wasmtest.Module {
			m := valid()
			m.Imports = []wasmtest.Import{{Module: module, Name: name, Type: ft}}
			return m
		}
	}
	tests := []struct {
		name    string
		mod     func() *wasmtest.Module
		dialect dialect
		want    string
	}{
		{"by exports", valid, dialectHTTPWasm, ""},
		{"by imports", withImport("http_handler", "get_status_code", wasmtest.FuncType{Results: []byte{wasmtest.I32}}),
			dialectHTTPWasm, ""},
		{"gojinn", func() *wasmtest.Module { return wasmtest.ABIGuest(nil, wasmtest.Const(0)) }, dialectGojinn, ""},
		{"both", func() *wasmtest.Module {
			m := wasmtest.ABIGuest([]wasmtest.Import{
				{Module: "gojinn", Name: "status_get", Type: wasmtest.FuncType{Results: []byte{wasmtest.I32}}},
				{Module: "http_handler", Name: "get_status_code", Type: wasmtest.FuncType{Results: []byte{wasmtest.I32}}},
			}, wasmtest.Const(0))
			return m
		}, 0, `imports from both "gojinn" (Gojinn's ABI) and "http_handler" (the http-wasm ABI)`},
		{"unknown function", withImport("http_handler", "get_trailer_names", wasmtest.FuncType{}), 0,
			"imports unknown host function http_handler.get_trailer_names"},
		{"wrong signature", withImport("http_handler", "read_body", wasmtest.FuncType{Params: i32x2}), 0,
			"imports http_handler.read_body with signature (i32, i32) -> (), the http-wasm ABI has (i32, i32, i32) -> (i64)"},
		{"other module", func() *wasmtest.Module {
			m := withImport("http_handler", "get_status_code", wasmtest.FuncType{Results: []byte{wasmtest.I32}})()
			m.Imports = append(m.Imports, wasmtest.Import{Module: "env", Name: "abort"})
			return m
		}, 0, `imports env.abort from module "env": an http-wasm filter may import from "http_handler" and "wasi_snapshot_preview1" only`},
		{"no handle_request", func() *wasmtest.Module {
			m := withImport("http_handler", "get_status_code", wasmtest.FuncType{Results: []byte{wasmtest.I32}})()
			m.Funcs[0].Export = "other"
			return m
		}, 0, `does not export "handle_request": not an http-wasm handler`},
		{"handle_request wrong signature", func() *wasmtest.Module {
			m := valid()
			m.Funcs[0] = wasmtest.Func{Type: wasmtest.Action, Body: wasmtest.Const(1), Export: "handle_request"}
			return m
		}, 0, `exports "handle_request" with signature () -> (i32), want () -> (i64)`},
		{"handle_response wrong signature", func() *wasmtest.Module {
			m := valid()
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Export: "handle_response"})
			return m
		}, 0, `exports "handle_response" with signature () -> (), want (i32, i32) -> ()`},
		{"no memory", func() *wasmtest.Module { m := valid(); m.MemoryPages = 0; return m }, 0, `does not export "memory"`},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "m", Wasm: tt.mod().Encode(), Timeout: patientTimeout})
			if tt.want != "" {
				if err == nil {
					f.Close(context.Background())
					t.Fatalf("loaded; want an error with %q", tt.want)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %q, want it to contain %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			if f.dialect != tt.dialect {
				t.Fatalf("dialect %s, want %s", f.dialect, tt.dialect)
			}
			if tt.dialect == dialectHTTPWasm {
				// next=1 is the chain's continue; without handle_response
				// there is no response phase.
				a, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""))
				if err != nil || a != hostabi.ActionContinue || f.HasResponse() {
					t.Fatalf("call: action %d, err %v, response phase %v", a, err, f.HasResponse())
				}
			}
		})
	}
}

func TestEmptyHandleResponse(t *testing.T) {
	t.Parallel()
	i64 := []byte{wasmtest.I64}
	i32x2 := []byte{wasmtest.I32, wasmtest.I32}
	guest := func(response []byte, imports int) []byte {
		m := &wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{
			{Type: wasmtest.FuncType{Results: i64}, Body: []byte{0x42, 0x01}, Export: "handle_request"},
			{Type: wasmtest.FuncType{Params: i32x2}, Body: response, Export: "handle_response"},
		}}
		for range imports {
			m.Imports = append(m.Imports, wasmtest.Import{Module: "http_handler", Name: "get_status_code",
				Type: wasmtest.FuncType{Results: []byte{wasmtest.I32}}})
		}
		return m.Encode()
	}
	tests := []struct {
		name     string
		wasm     []byte
		response bool // the filter runs in the response phase
	}{
		{"empty", guest(nil, 0), false},
		{"empty after imports", guest(nil, 2), false},
		{"does something", guest([]byte{wasmtest.OpUnreachable}, 0), true},
		{"calls the host", guest(append(wasmtest.Call(0), wasmtest.OpDrop), 1), true},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "m", Wasm: tt.wasm, Timeout: patientTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			if f.HasResponse() != tt.response {
				t.Fatalf("response phase %v, want %v", f.HasResponse(), tt.response)
			}
		})
	}
}

// TestHTTPWasmLimits: an http-wasm filter meets the time and memory limits
// as a Gojinn filter does, and the instance that met one is closed; a
// guest of either dialect that is refused memory and returns anyway
// fails as memory_limit.
func TestHTTPWasmLimits(t *testing.T) {
	t.Parallel()
	i64 := []byte{wasmtest.I64}
	guest := func(body []byte) []byte {
		return (&wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{
			{Type: wasmtest.FuncType{Results: i64}, Body: body, Export: "handle_request"},
		}}).Encode()
	}
	spin := []byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd, 0x42, 0x01}
	grow := append(wasmtest.Const(16), 0x40, 0x00, wasmtest.OpDrop, 0x42, 0x01) // memory.grow 16 pages
	tests := []struct {
		name    string
		wasm    []byte
		timeout time.Duration
		want    error
	}{
		// The spin is the only code that can meet the limit.
		{"time", guest(spin), 50 * time.Millisecond, ErrTimeout},
		{"memory", guest(grow), patientTimeout, ErrMemoryLimit},
		// Gojinn's dialect: the guest drops grow's -1 and continues.
		{"memory, gojinn dialect", wasmtest.ABIGuest(nil, append(wasmtest.Const(16), 0x40, 0x00, wasmtest.OpDrop, 0x41, 0x00)).Encode(), patientTimeout, ErrMemoryLimit},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "m", Wasm: tt.wasm, Timeout: tt.timeout,
				MemoryLimit: wasmPage, PoolMax: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			for range 2 {
				_, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""))
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if s := f.Stats(); s.Live != 0 || s.Busy != 0 {
					t.Fatalf("stats %+v: want the instance closed", s)
				}
			}
		})
	}
}
