package interrupt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/filters/internal/wasmbin"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// spin is a function that loops forever: loop; br 0; end; then a const
// the validator wants for the result.
var spin = []byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd, wasmtest.OpI32Const, 0x00}

func instantiate(t *testing.T, wasm []byte) (api.Module, func()) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	out, err := Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	return mod, func() { rt.Close(ctx) }
}

func TestInterruptStopsLoop(t *testing.T) {
	m := wasmtest.ABIGuest(nil, spin)
	mod, done := instantiate(t, m.Encode())
	defer done()
	flag := mod.ExportedGlobal(Global).(api.MutableGlobal)
	timer := time.AfterFunc(20*time.Millisecond, func() { flag.Set(1) })
	defer timer.Stop()
	_, err := mod.ExportedFunction("gojinn_on_request").Call(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v, want an unreachable trap", err)
	}
}

func TestLoopsRunWhenFlagIsClear(t *testing.T) {
	// A counted loop: i32.const 1000; loop (param i32)... kept simple with
	// a block that the loop leaves at once.
	body := []byte{
		0x02, 0x40, // block
		wasmtest.OpLoop, 0x40,
		wasmtest.OpBr, 0x01, // leave the block
		wasmtest.OpEnd,
		wasmtest.OpEnd,
		wasmtest.OpI32Const, 0x07,
	}
	mod, done := instantiate(t, wasmtest.ABIGuest(nil, body).Encode())
	defer done()
	res, err := mod.ExportedFunction("gojinn_on_request").Call(context.Background())
	if err != nil || res[0] != 7 {
		t.Fatalf("got %v, %v; want 7", res, err)
	}
}

func TestStartBecomesExport(t *testing.T) {
	m := wasmtest.ABIGuest(nil, wasmtest.Const(0))
	m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Body: []byte{wasmtest.OpUnreachable}})
	m.Start, m.HasStart = 2, true
	// Instantiating the original traps in its start function; the
	// instrumented one instantiates and leaves the start to the host.
	mod, done := instantiate(t, m.Encode())
	defer done()
	start := mod.ExportedFunction(Start)
	if start == nil {
		t.Fatal("start function not exported")
	}
	if _, err := start.Call(context.Background()); err == nil {
		t.Fatal("start function did not trap")
	}
}

func TestSectionsCreatedInOrder(t *testing.T) {
	// No memory, no globals and no exports but the functions': the
	// global section must land before the export section.
	m := &wasmtest.Module{Funcs: []wasmtest.Func{{Type: wasmtest.Action, Body: spin}}}
	mod, done := instantiate(t, m.Encode())
	defer done()
	if mod.ExportedGlobal(Global) == nil {
		t.Fatal("flag not exported")
	}
}

func TestScanImports(t *testing.T) {
	// Two imports: env.f (func, type 0) and env.g (global i32, mutable).
	payload := []byte{0x02,
		0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,
		0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7f, 0x01,
	}
	n, mem, err := scanImports(&wasmbin.Section{ID: wasmbin.SecImport, Payload: payload})
	if err != nil || n != 1 || mem {
		t.Fatalf("got %d, %v, %v; want 1 global and no memory", n, mem, err)
	}
	if _, _, err := scanImports(&wasmbin.Section{ID: wasmbin.SecImport, Payload: payload[:12]}); err == nil {
		t.Fatal("a truncated import section was accepted")
	}
}

func TestRefusals(t *testing.T) {
	reserved := wasmtest.ABIGuest(nil, wasmtest.Const(0))
	reserved.Funcs = append(reserved.Funcs, wasmtest.Func{Type: wasmtest.Void, Export: Start})
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"text", []byte("(module)"), "bad magic"},
		{"version", []byte("\x00asm\x02\x00\x00\x00"), "version"},
		{"truncated section", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"), "unexpected end"},
		{"reserved name", reserved.Encode(), "reserves"},
		{"unknown opcode", wasmtest.ABIGuest(nil, []byte{0xfb, 0x00}).Encode(), "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Instrument(tt.wasm)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzInstrument: no input panics, and what Instrument writes is a module
// it can read back whole (it then refuses it only for the names it
// reserved). Whether wazero accepts the output is checked on real
// modules, the Go and hand-made guests of the filters tests: fuzzing
// wazero's decoder with absurd section counts only measures its memory.
func FuzzInstrument(f *testing.F) {
	f.Add(wasmtest.ABIGuest(nil, spin).Encode())
	f.Add(wasmtest.ABIGuest(nil, wasmtest.Const(5)).Encode())
	withStart := wasmtest.ABIGuest(nil, wasmtest.Const(0))
	withStart.Funcs = append(withStart.Funcs, wasmtest.Func{Type: wasmtest.Void})
	withStart.Start, withStart.HasStart = 2, true
	f.Add(withStart.Encode())
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := Instrument(wasm)
		if err != nil {
			return
		}
		_, err = Instrument(out)
		if err == nil || !strings.Contains(err.Error(), "reserves") {
			t.Fatalf("instrumented output does not read back: %v", err)
		}
	})
}
