package httpwasm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/internal/cpumeter"
)

// floorWat exports a function that calls an empty host function n times
// for n = 0, 1 and 2: what any filter making that many host calls pays
// to wazero alone, before a host does anything.
const floorWat = `(module
  (import "env" "nop" (func $nop (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "calls0") (result i32) i32.const 0)
  (func (export "calls1") (result i32) (call $nop (i32.const 0)))
  (func (export "calls2") (result i32) (drop (call $nop (i32.const 0))) (call $nop (i32.const 1))))`

// BenchmarkFloor is the cost no host of wazero can go under: an export
// call with a reused stack (as Gojinn makes them) that makes 0, 1 or 2
// calls to a host function doing nothing, and one read of the monotonic
// clock, which a host that bounds a call's time or reports its duration
// makes at least once a call. A read-and-set filter is an export call,
// two host calls and the host's own work; the comparison in
// docs/BENCHMARKS.md puts Gojinn's read + set against this floor.
func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	src := filepath.Join(b.TempDir(), "floor.wat")
	if err := os.WriteFile(src, []byte(floorWat), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := wat(src)(b)
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	_, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = 0 }),
			[]api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("nop").Instantiate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, bin)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"calls0", "calls1", "calls2"} {
		fn := mod.ExportedFunction(name)
		b.Run(name, func(b *testing.B) {
			stack := make([]uint64, 1)
			cpu := cpumeter.Start()
			for b.Loop() {
				if err := fn.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report(b)
		})
	}
	b.Run("clock", func(b *testing.B) {
		epoch := time.Now()
		var sum time.Duration
		cpu := cpumeter.Start()
		for b.Loop() {
			sum += time.Since(epoch)
		}
		cpu.Report(b)
		if sum < 0 {
			b.Fatal("the monotonic clock went back")
		}
	})
}
