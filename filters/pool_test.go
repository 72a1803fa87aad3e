package filters

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

func TestSlotStack(t *testing.T) {
	s := newSlotStack(4)
	if s.pop() != -1 {
		t.Fatal("a new stack is not empty")
	}
	for n, i := range []int{2, 0, 3} {
		s.push(i)
		if s.len() != n+1 {
			t.Fatalf("len = %d after %d pushes", s.len(), n+1)
		}
	}
	for n, want := range []int{3, 0, 2, -1} {
		if got := s.pop(); got != want {
			t.Fatalf("pop = %d, want %d", got, want)
		}
		if want := max(2-n, 0); s.len() != want {
			t.Fatalf("len = %d after pop %d, want %d", s.len(), n+1, want)
		}
	}
}

// TestSlotStackFull: a stack of the most slots its head can number holds
// and counts all of them; the length and the top do not spill into each
// other or into the version.
func TestSlotStackFull(t *testing.T) {
	s := newSlotStack(maxSlots)
	for i := range maxSlots {
		s.push(i)
	}
	if s.len() != maxSlots {
		t.Fatalf("len = %d, want %d", s.len(), maxSlots)
	}
	for want := maxSlots - 1; want >= 0; want-- {
		if got := s.pop(); got != want {
			t.Fatalf("pop = %d, want %d", got, want)
		}
	}
	if s.pop() != -1 || s.len() != 0 {
		t.Fatalf("drained stack: len %d", s.len())
	}
}

// TestSlotStackConcurrent: slots pushed and popped by many goroutines are
// each held by one goroutine at a time, and none is lost.
func TestSlotStackConcurrent(t *testing.T) {
	const n = 8
	s := newSlotStack(n)
	for i := range n {
		s.push(i)
	}
	var held [n]atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 5000 {
				i := s.pop()
				if i < 0 {
					continue
				}
				if held[i].Add(1) != 1 {
					t.Errorf("slot %d held twice", i)
				}
				held[i].Add(-1)
				s.push(i)
			}
		})
	}
	wg.Wait()
	if s.len() != n {
		t.Fatalf("len = %d after the churn, want %d", s.len(), n)
	}
	seen := map[int]bool{}
	for i := s.pop(); i >= 0; i = s.pop() {
		if seen[i] {
			t.Fatalf("slot %d on the stack twice", i)
		}
		seen[i] = true
	}
	if len(seen) != n {
		t.Fatalf("%d slots left, want %d", len(seen), n)
	}
}

// tinyGuest answers with an action it reads from the status the host
// has: 0 continues; an unknown one (7) makes the host discard the
// instance. Instances are cheap, so the pool can be driven hard.
func tinyGuest() []byte {
	statusGet := wasmtest.Import{Module: hostabi.ModuleName, Name: hostabi.FuncStatusGet,
		Type: wasmtest.FuncType{Results: []byte{wasmtest.I32}}}
	return wasmtest.ABIGuest([]wasmtest.Import{statusGet}, wasmtest.Call(0)).Encode()
}

// TestPoolUnderContention: many callers on a small pool, some of whose
// calls fault: every call either runs or finds the pool busy, the pool
// never holds more than its maximum, and it ends with nothing busy.
func TestPoolUnderContention(t *testing.T) {
	f, err := newEngine(t).Load(context.Background(), Config{Name: "tiny", Wasm: tinyGuest(), PoolMax: 3, PoolWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	var wg sync.WaitGroup
	var overMax atomic.Bool
	for g := range 24 {
		wg.Go(func() {
			for i := range 300 {
				ex := newTestExchange("", "")
				if (g+i)%17 == 0 {
					ex.status = 7 // a bad action: the instance is discarded
				}
				_, err := f.Call(context.Background(), hostabi.PhaseRequest, ex)
				if ex.status == 7 && !errors.Is(err, ErrBadAction) || ex.status != 7 && err != nil {
					t.Errorf("call: %v", err)
					return
				}
				if f.Stats().Live > 3 {
					overMax.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if overMax.Load() {
		t.Error("the pool held more instances than its maximum")
	}
	if s := f.Stats(); s.Busy != 0 || s.Live > 3 {
		t.Fatalf("after the calls: %+v", s)
	}
}

// TestPoolWaitsAndTimesOut: with every instance busy, a call waits for
// one to come back, and fails with ErrBusy when none does in time.
func TestPoolWaitsAndTimesOut(t *testing.T) {
	f, err := newEngine(t).Load(context.Background(), Config{Name: "tiny", Wasm: tinyGuest(), PoolMax: 1, PoolWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	held, err := f.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		in, err := f.pool.get(context.Background())
		if err == nil {
			f.pool.put(in)
		}
		got <- err
	}()
	for f.pool.waiters.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.pool.put(held)
	if err := <-got; err != nil {
		t.Fatalf("the waiting call: %v, want the instance put back", err)
	}
	held, _ = f.pool.get(context.Background())
	defer f.pool.put(held)
	f.pool.wait = time.Millisecond
	if _, err := f.pool.get(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("no instance free: %v, want ErrBusy", err)
	}
}
