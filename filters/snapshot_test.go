package filters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// call runs the probe's op on f and returns the body it answered with.
func call(t *testing.T, f *Filter, op, arg string) string {
	t.Helper()
	ex := newTestExchange(op, arg)
	a, err := f.Call(context.Background(), hostabi.PhaseRequest, ex)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if a != hostabi.ActionRespond {
		t.Fatalf("%s: action %d", op, a)
	}
	return string(ex.body)
}

// holdInstances takes n instances of f out of its pool at once and puts
// them back, so that the pool has made n.
func holdInstances(t *testing.T, f *Filter, n int) []*instance {
	t.Helper()
	var held []*instance
	for range n {
		in, err := f.pool.get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, in)
	}
	return held
}

// TestRestoredInstancesStartFromTheSnapshot: every instance is restored
// from the snapshot taken after configure (no second configure, no
// runtime start-up), holds the state configure left, and goes its own
// way from there.
func TestRestoredInstancesStartFromTheSnapshot(t *testing.T) {
	f := loadProbe(t, newEngine(t), Config{GuestConfig: []byte(`{"count": 40}`), PoolMax: 3})
	if s := f.Stats(); s.Fresh != 1 || s.Restored != 0 || s.Live != 0 || s.SnapshotBytes == 0 {
		t.Fatalf("after load: %+v; want one fresh instance (the snapshot's), closed, and a snapshot", s)
	}
	held := holdInstances(t, f, 3)
	for _, in := range held {
		f.pool.put(in)
	}
	if s := f.Stats(); s.Fresh != 1 || s.Restored != 3 {
		t.Fatalf("after three instances: %+v; want them restored", s)
	}
	// The pool is LIFO: the same instance serves these two; each
	// instance counts from the snapshot's 40.
	if got := call(t, f, "count", "") + call(t, f, "count", ""); got != "4142" {
		t.Fatalf("one instance counted %q, want 41 then 42", got)
	}
	held = holdInstances(t, f, 3)
	var counts []string
	for _, in := range held {
		in.binding.Exchange = newTestExchange("count", "")
		in.binding.Phase = hostabi.PhaseRequest
		if _, err := in.call(in.onRequest, time.Minute); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, string(in.binding.Exchange.(*exchange).body))
		in.binding.Exchange = nil
		f.pool.put(in)
	}
	if strings.Join(counts, ",") != "43,41,41" {
		t.Fatalf("three instances counted %q, want 43 (the one used) and 41, 41 (from the snapshot)", counts)
	}
}

// TestRestoredInstancesDrawDistinctRandomness: restored instances share
// the runtime's seeds (math/rand/v2's sequence), but what they draw from
// crypto/rand, which asks the host each time, differs. docs/ABI.md tells
// guest authors so.
func TestRestoredInstancesDrawDistinctRandomness(t *testing.T) {
	f := loadProbe(t, newEngine(t), Config{PoolMax: 4})
	held := holdInstances(t, f, 4)
	crypto, math := map[string]bool{}, map[string]bool{}
	for _, in := range held {
		in.binding.Exchange = newTestExchange("rand", "")
		in.binding.Phase = hostabi.PhaseRequest
		if _, err := in.call(in.onRequest, time.Minute); err != nil {
			t.Fatal(err)
		}
		c, m, _ := strings.Cut(string(in.binding.Exchange.(*exchange).body), "|")
		crypto[c], math[m] = true, true
		in.binding.Exchange = nil
		f.pool.put(in)
	}
	if len(crypto) != 4 {
		t.Errorf("crypto/rand drew %d distinct values in 4 restored instances", len(crypto))
	}
	if len(math) != 1 {
		t.Errorf("math/rand/v2 drew %d distinct values in 4 restored instances; the docs say they share a sequence", len(math))
	}
}

// TestSnapshotSharedByLoads: loads of the same module and config (a
// reload, another site) share the snapshot: they configure nothing.
// Another config gets a snapshot of its own; closing the last filter
// that uses one drops it.
func TestSnapshotSharedByLoads(t *testing.T) {
	e := newEngine(t)
	a := loadProbe(t, e, Config{GuestConfig: []byte(`{"tag":"a"}`)})
	b := loadProbe(t, e, Config{GuestConfig: []byte(`{"tag":"a"}`)})
	if s := b.Stats(); s.Fresh != 0 {
		t.Fatalf("the second load made %d instances from scratch, want 0", s.Fresh)
	}
	if n := e.Snapshots(); n != 1 {
		t.Fatalf("%d snapshots for one module and config", n)
	}
	c := loadProbe(t, e, Config{GuestConfig: []byte(`{"tag":"c"}`)})
	if n := e.Snapshots(); n != 2 || c.Stats().Fresh != 1 {
		t.Fatalf("%d snapshots, %d fresh instances for a new config", n, c.Stats().Fresh)
	}
	if got := call(t, b, "config", ""); got != `{"tag":"a"}` {
		t.Fatalf("b's instance reads config %q", got)
	}
	a.Close(context.Background())
	b.Close(context.Background())
	if n := e.Snapshots(); n != 1 {
		t.Fatalf("%d snapshots after the filters of one were closed, want 1", n)
	}
}

// TestScaleToZeroBurst: a filter at zero instances answers a burst of 64
// concurrent calls in full, within its pool's bound.
func TestScaleToZeroBurst(t *testing.T) {
	f := loadProbe(t, newEngine(t), Config{PoolMax: 8, PoolWait: time.Minute})
	if n := f.Stats().Live; n != 0 {
		t.Fatalf("%d instances before the first request, want 0", n)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			ex := newTestExchange("respond", "200")
			if _, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := f.Stats(); s.Live > 8 || s.Live == 0 || s.Restored != s.Live {
		t.Fatalf("after the burst: %+v", s)
	}
}

// TestIdleInstancesAreReaped: instances idle past the timeout are closed,
// down to the pool's minimum, and the reaper then stops.
func TestIdleInstancesAreReaped(t *testing.T) {
	f := loadProbe(t, newEngine(t), Config{PoolMin: 1, PoolMax: 4, IdleTimeout: 20 * time.Millisecond})
	for _, in := range holdInstances(t, f, 4) {
		f.pool.put(in)
	}
	// A guard against a hang, not a timing assertion.
	for give := time.Now().Add(30 * time.Second); f.Stats().Live > 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(give) {
			t.Fatalf("not reaped: %+v", f.Stats())
		}
	}
	armed := f.pool.armed.Load()
	if s := f.Stats(); s.Live != 1 || s.Reaped != 3 || armed {
		t.Fatalf("after reaping: %+v, reaper armed %v; want the minimum left and no timer", s, armed)
	}
	// The instance left serves, and one made again does too.
	if got := call(t, f, "respond", "201"); got != "answered by probe\n" {
		t.Fatalf("after reaping: %q", got)
	}
}

// TestMemoryLimitIsExact: a single allocation past the limit, far from
// it in use, is a memory-limit failure, not a trap.
func TestMemoryLimitIsExact(t *testing.T) {
	f := loadProbe(t, newEngine(t), Config{MemoryLimit: 32 << 20, Timeout: time.Minute})
	_, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("alloc", "200"))
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("a 200 MiB allocation under a 32 MiB limit: %v, want %v", err, ErrMemoryLimit)
	}
	if got := call(t, f, "alloc", "1"); got != "allocated" {
		t.Fatalf("the next call: %q", got)
	}
}

// TestDyingGuestIsATrap: a guest that says it is failing (as a Go
// runtime does before it prints its whole stack) and is then stopped by
// the time limit failed by its own fault: a trap, not a time-out. The
// guest here writes the words and then can only loop, so the limit is
// sure to be what stops it.
func TestDyingGuestIsATrap(t *testing.T) {
	msg := []byte("panic: out of luck\n")
	iov := []byte{16, 0, 0, 0, byte(len(msg)), 0, 0, 0} // {buf 16, len}
	fdWrite := wasmtest.Import{Module: hostabi.WASIModuleName, Name: "fd_write",
		Type: wasmtest.FuncType{Params: []byte{wasmtest.I32, wasmtest.I32, wasmtest.I32, wasmtest.I32}, Results: []byte{wasmtest.I32}}}
	body := append(wasmtest.Const(2), wasmtest.Const(0)...) // fd 2, iovs at 0
	body = append(body, wasmtest.Const(1)...)               // one iovec
	body = append(body, wasmtest.Const(64)...)              // nwritten at 64
	body = append(body, wasmtest.Call(0)...)
	body = append(body, wasmtest.OpDrop, wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd, wasmtest.OpI32Const, 0x00)
	m := wasmtest.ABIGuest([]wasmtest.Import{fdWrite}, body)
	m.Data = []wasmtest.Segment{{Offset: 0, Bytes: iov}, {Offset: 16, Bytes: msg}}
	f, err := newEngine(t).Load(context.Background(), Config{Name: "dying", Wasm: m.Encode(), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	_, err = f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""))
	if !errors.Is(err, ErrTrap) {
		t.Fatalf("a guest that said it panicked, then ran out of time: %v, want %v", err, ErrTrap)
	}
}

// TestLoadSeesReplacedFile: a module file replaced under the same name
// is read again, not taken for the version seen before.
func TestLoadSeesReplacedFile(t *testing.T) {
	e := newEngine(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "f.wasm")
	if err := os.WriteFile(path, probeWasm(t), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := e.Load(context.Background(), Config{Name: "a", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	// The new version: a module that answers 418 to everything.
	answer := append(wasmtest.Const(418), wasmtest.Call(0)...)
	answer = append(answer, wasmtest.OpDrop)
	answer = append(answer, wasmtest.Const(int32(hostabi.ActionRespond))...)
	statusSet := wasmtest.Import{Module: hostabi.ModuleName, Name: hostabi.FuncStatusSet,
		Type: wasmtest.FuncType{Params: []byte{wasmtest.I32}, Results: []byte{wasmtest.I32}}}
	tmp := filepath.Join(dir, "f.wasm.new")
	if err := os.WriteFile(tmp, wasmtest.ABIGuest([]wasmtest.Import{statusSet}, answer).Encode(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	b, err := e.Load(context.Background(), Config{Name: "b", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	ex := newTestExchange("", "")
	if _, err := b.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil || ex.status != 418 {
		t.Fatalf("the replaced file: status %d, %v; want the new module's 418", ex.status, err)
	}
	if n := e.Modules(); n != 2 {
		t.Fatalf("%d modules, want the old and the new", n)
	}
}

// TestStatsPeakMemory: Stats reports the largest memory an instance grew
// to, which a refused growth does not raise.
func TestStatsPeakMemory(t *testing.T) {
	const memoryGrow = 0x40 // memory.grow 0: pages on the stack, the old size back
	grow := func(pages byte) []byte {
		body := append(wasmtest.Const(int32(pages)), memoryGrow, 0x00, wasmtest.OpDrop)
		return append(body, wasmtest.Const(0)...)
	}
	for _, tt := range []struct {
		name  string
		pages byte
		want  uint64
	}{
		{"grows by 3 pages", 3, 4 * 65536},
		{"growth refused", 100, 1 * 65536}, // 101 pages over a 1 MiB limit: refused, the call fails
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newEngine(t).Load(context.Background(), Config{Name: "grow", Wasm: wasmtest.ABIGuest(nil, grow(tt.pages)).Encode(),
				MemoryLimit: 1 << 20, Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close(context.Background()) })
			if got := f.Stats().PeakMemory; got != 65536 {
				t.Fatalf("PeakMemory after the load = %d, want one page", got)
			}
			_, err = f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""))
			if refused := tt.want == 65536; refused != errors.Is(err, ErrMemoryLimit) {
				t.Fatalf("call: %v", err)
			}
			if got := f.Stats().PeakMemory; got != tt.want {
				t.Errorf("PeakMemory = %d, want %d", got, tt.want)
			}
		})
	}
}
