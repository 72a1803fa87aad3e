package filters

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// BenchmarkFunctionCall is one small call of the test function in each
// form: a command's is an instance restored from the snapshot taken
// before _start, then the Go runtime's start-up and the program; a
// reactor's is a call on a pooled instance.
func BenchmarkFunctionCall(b *testing.B) {
	for _, form := range functionForms {
		b.Run(form.kind.String(), func(b *testing.B) {
			e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			f, err := e.LoadFunction(context.Background(), FunctionConfig{Name: "fnprobe", Wasm: form.wasm(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close(context.Background())
			input, out := []byte("echo hello"), make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				if out, err = f.Call(context.Background(), input, out); err != nil || string(out) != "hello" {
					b.Fatalf("%q %v", out, err)
				}
			}
		})
	}
}

// BenchmarkCommandAsInstantiated is the original Gojinn's model, for
// comparison: the module compiled once, and every request a new
// instantiation, whose start function (_start) runs the program, with the
// module's data copied in by the instantiation.
func BenchmarkCommandAsInstantiated(b *testing.B) {
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(compilationCache(b))
	if err != nil {
		b.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.CompileModule(ctx, fnCommandWasm(b))
	if err != nil {
		b.Fatal(err)
	}
	input := []byte("echo hello")
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		inst, err := rt.InstantiateModule(ctx, mod, wazero.NewModuleConfig().WithName("").
			WithStdin(bytes.NewReader(input)).WithStdout(&out))
		if err != nil || out.String() != "hello" {
			b.Fatalf("%q %v", out.String(), err)
		}
		_ = inst.Close(ctx)
	}
}

// BenchmarkCommandInstance is what a command's call costs before its
// _start runs: an instance, restored from the snapshot taken before
// _start, or (without a snapshot) instantiated with its data copied in,
// and closed.
func BenchmarkCommandInstance(b *testing.B) {
	for _, snapshot := range []bool{true, false} {
		name := "restored"
		if !snapshot {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			f, err := e.LoadFunction(context.Background(), FunctionConfig{Name: "fnprobe", Wasm: fnCommandWasm(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close(context.Background())
			snap := f.snap
			if !snapshot {
				f.snap = nil // newInstance makes them from scratch; f.shared still holds the snapshot
			}
			b.ReportAllocs()
			for b.Loop() {
				in, err := f.newInstance(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				in.close()
			}
			f.snap = snap
		})
	}
}
