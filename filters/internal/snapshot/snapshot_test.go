package snapshot

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/gojinn/gojinn/filters/internal/memory"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// Instructions the test modules use.
var (
	globalGet0 = []byte{0x23, 0x00}
	globalSet0 = []byte{0x24, 0x00}
	i32Add     = []byte{0x6a}
	i32Shl     = []byte{0x74}
	load8At100 = append(wasmtest.Const(100), 0x2d, 0x00, 0x00) // i32.load8_u
)

// counterModule keeps state in a mutable global and in its data: bump
// adds one to both and returns the global; peek returns data<<8|global
// (the data byte at 100, which starts as 'h').
func counterModule() *wasmtest.Module {
	bump := append(append([]byte{}, globalGet0...), wasmtest.Const(1)...)
	bump = append(bump, i32Add...)
	bump = append(bump, globalSet0...)
	bump = append(bump, wasmtest.Const(100)...)
	bump = append(bump, load8At100...)
	bump = append(bump, wasmtest.Const(1)...)
	bump = append(bump, i32Add...)
	bump = append(bump, 0x3a, 0x00, 0x00) // i32.store8
	bump = append(bump, globalGet0...)
	peek := append(append([]byte{}, load8At100...), wasmtest.Const(8)...)
	peek = append(peek, i32Shl...)
	peek = append(peek, globalGet0...)
	peek = append(peek, i32Add...)
	return &wasmtest.Module{
		MemoryPages: 1,
		Globals: []wasmtest.Global{
			{Type: wasmtest.I32, Mutable: true, Init: wasmtest.Const(7)},
			{Type: wasmtest.I32, Init: wasmtest.Const(9)}, // immutable: not carried
		},
		Funcs: []wasmtest.Func{
			{Type: wasmtest.Action, Body: bump, Export: "bump"},
			{Type: wasmtest.Action, Body: peek, Export: "peek"},
		},
		Data: []wasmtest.Segment{{Offset: 100, Bytes: []byte("hello")}, {Offset: 5000, Bytes: []byte("world")}},
	}
}

type runtime struct {
	t   *testing.T
	rt  wazero.Runtime
	mod wazero.CompiledModule
}

func compile(t *testing.T, wasm []byte) (*runtime, Plan) {
	t.Helper()
	prepared, plan, err := Prepare(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { _ = rt.Close(ctx) })
	mod, err := rt.CompileModule(ctx, prepared)
	if err != nil {
		t.Fatalf("the prepared module does not compile: %v", err)
	}
	return &runtime{t, rt, mod}, plan
}

// instance instantiates with alloc; a fresh one (snap nil) gets its data.
func (r *runtime) instance(snap *Snapshot) api.Module {
	r.t.Helper()
	alloc := memory.NewAllocator(16*memory.PageSize, nil)
	if snap != nil {
		alloc = snap.Allocator(16 * memory.PageSize)
	}
	ctx := experimental.WithMemoryAllocator(context.Background(), alloc)
	mod, err := r.rt.InstantiateModule(ctx, r.mod, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = mod.Close(context.Background()) })
	if snap != nil {
		if err := snap.Restore(mod); err != nil {
			r.t.Fatal(err)
		}
	} else if _, err := mod.ExportedFunction(DataInit).Call(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return mod
}

func call(t *testing.T, mod api.Module, fn string) uint32 {
	t.Helper()
	res, err := mod.ExportedFunction(fn).Call(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return uint32(res[0])
}

// TestFreshInstanceIsTheOriginal: a fresh instance of the prepared module,
// after DataInit, has the memory and globals the original has after
// instantiation.
func TestFreshInstanceIsTheOriginal(t *testing.T) {
	wasm := counterModule().Encode()
	ctx := context.Background()
	plain := wazero.NewRuntime(ctx)
	defer plain.Close(ctx)
	orig, err := plain.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	r, plan := compile(t, wasm)
	if !plan.Restorable() || len(plan.Globals) != 1 {
		t.Fatalf("plan %+v, want restorable with one mutable global", plan)
	}
	fresh := r.instance(nil)
	want, _ := orig.Memory().Read(0, orig.Memory().Size())
	got, _ := fresh.Memory().Read(0, fresh.Memory().Size())
	if !bytes.Equal(got, want) {
		t.Fatal("the fresh instance's memory differs from the original's")
	}
	if a, b := call(t, orig, "peek"), call(t, fresh, "peek"); a != b {
		t.Fatalf("peek: original %#x, fresh %#x", a, b)
	}
}

// TestRestoreCarriesState: an instance restored from a snapshot has the
// snapshot's memory and globals, and what it does later is its own.
func TestRestoreCarriesState(t *testing.T) {
	r, plan := compile(t, counterModule().Encode())
	a := r.instance(nil)
	call(t, a, "bump")
	call(t, a, "bump") // global 9, data 'j'
	snap, err := Take(a, plan)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snap.Close() })
	want := uint32('j')<<8 + 9
	b := r.instance(snap)
	if got := call(t, b, "peek"); got != want {
		t.Fatalf("restored: peek %#x, want %#x", got, want)
	}
	if got := call(t, b, "bump"); got != 10 {
		t.Fatalf("restored: bump %d, want 10", got)
	}
	if got := call(t, a, "peek"); got != want {
		t.Fatalf("the snapshotted instance changed with the restored one: %#x", got)
	}
	c := r.instance(snap)
	if got := call(t, c, "peek"); got != want {
		t.Fatalf("a second restore: peek %#x, want the snapshot's %#x", got, want)
	}
}

// TestNotRestorable: what a snapshot cannot carry makes the plan say so.
func TestNotRestorable(t *testing.T) {
	tableSet := append(wasmtest.Const(0), 0xd0, 0x70, 0x26, 0x00) // table.set 0 (ref.null func)
	memInit := append(append(wasmtest.Const(0), wasmtest.Const(0)...), wasmtest.Const(1)...)
	memInit = append(memInit, 0xfc, 0x08, 0x00, 0x00) // memory.init 0 0
	tests := []struct {
		name string
		m    *wasmtest.Module
		want string
	}{
		{"table.set", &wasmtest.Module{MemoryPages: 1, TableSize: 1, Funcs: []wasmtest.Func{
			{Type: wasmtest.Void, Body: tableSet}}}, "table"},
		{"memory.init", &wasmtest.Module{MemoryPages: 1, Data: []wasmtest.Segment{{Passive: true, Bytes: []byte("x")}},
			Funcs: []wasmtest.Func{{Type: wasmtest.Void, Body: memInit}}}, "passive data"},
		{"passive segment", &wasmtest.Module{MemoryPages: 1, Data: []wasmtest.Segment{{Passive: true, Bytes: []byte("x")}}}, "passive data"},
		{"funcref global", &wasmtest.Module{MemoryPages: 1, Globals: []wasmtest.Global{
			{Type: 0x70, Mutable: true, Init: []byte{0xd0, 0x70}}}}, "reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, plan := compile(t, tt.m.Encode())
			if plan.Restorable() || !strings.Contains(plan.NotRestorable, tt.want) {
				t.Fatalf("plan %+v, want not restorable because of %q", plan, tt.want)
			}
		})
	}
}

func TestReservedNames(t *testing.T) {
	m := &wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{{Type: wasmtest.Void, Export: DataInit}}}
	if _, _, err := Prepare(m.Encode()); err == nil || !strings.Contains(err.Error(), "reserves") {
		t.Fatalf("err = %v, want a refusal of the reserved name", err)
	}
}

// FuzzPrepare: no input panics, and what Prepare writes reads back whole
// (and is then refused for the names it reserved). That wazero accepts
// the output is checked on real modules: the tests above and every Go
// and C guest of the filters, pipeline and conformance tests.
func FuzzPrepare(f *testing.F) {
	f.Add(counterModule().Encode())
	f.Add(wasmtest.ABIGuest(nil, wasmtest.Const(5)).Encode())
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, _, err := Prepare(wasm)
		if err != nil {
			return
		}
		if _, _, err := Prepare(out); err == nil || !strings.Contains(err.Error(), "reserves") {
			t.Fatalf("prepared output does not read back: %v", err)
		}
	})
}
