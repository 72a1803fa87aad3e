package filters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// The tests' time limits. A test that is not about time gets one that
// cannot fire however loaded the machine (a Go guest's start-up runs
// under ten times it); a test of time-outs makes a guest that can do
// nothing but loop (the probe's "loop" op) meet a short one. Short, but
// ten times it still covers the probe's start-up, which took up to
// 0.85 s under -race with both cores held by busy loops.
const (
	patientTimeout = time.Minute
	loopTimeout    = 2 * time.Second
)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine(EngineConfig{CacheDir: compilationCache(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func loadProbe(t *testing.T, e *Engine, cfg Config) *Filter {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "probe"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = patientTimeout
	}
	cfg.Wasm = probeWasm(t)
	f, err := e.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

func TestCallAnswers(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{})
	ex := newTestExchange("respond", "418")
	a, err := f.Call(context.Background(), hostabi.PhaseRequest, ex)
	if err != nil {
		t.Fatal(err)
	}
	if a != hostabi.ActionRespond || ex.status != 418 || string(ex.body) != "answered by probe\n" {
		t.Fatalf("action %d status %d body %q", a, ex.status, ex.body)
	}
	if got := ex.header.Values("Set-Cookie"); len(got) != 2 {
		t.Fatalf("Set-Cookie = %q, want two values", got)
	}
	ex = newTestExchange("", "")
	if a, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil || a != hostabi.ActionContinue {
		t.Fatalf("continue: action %d, err %v", a, err)
	}
}

// TestFaults drives each fault through a filter and checks that it is
// reported as its kind, that the instance is not reused, and that the
// filter serves the next request.
func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op   string
		want error
	}{
		{"panic", ErrTrap},
		{"loop", ErrTimeout},
		{"grow", ErrMemoryLimit},
		{"bad-action", ErrBadAction},
		{"oob-header", ErrTrap},
		{"oob-buffer", ErrTrap},
		{"oob-body", ErrTrap},
		{"oob-var", ErrTrap},
	}
	core, logs := observer.New(zap.InfoLevel)
	e := newEngine(t)
	// Only the loop meets the time limit: every other fault is one the
	// guest commits before any loop, under a limit that cannot fire, so
	// that a slow trap (a Go panic printing its trace, the runtime growing
	// its heap collection by collection) is still a trap.
	cfg := Config{
		Timeout:     patientTimeout,
		MemoryLimit: 32 << 20,
		PoolMin:     1,
		PoolMax:     2,
		Logger:      zap.New(core),
	}
	patient := loadProbe(t, e, cfg)
	cfg.Timeout = loopTimeout
	hurried := loadProbe(t, e, cfg)
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			f := patient
			if tt.want == ErrTimeout {
				f = hurried
			}
			_, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange(tt.op, ""))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ce *CallError
			if !errors.As(err, &ce) || ce.Filter != "probe" {
				t.Fatalf("err = %#v, want a *CallError naming the filter", err)
			}
			if tt.op[:3] == "oob" && !errors.Is(err, host.ErrGuestPointer) {
				t.Fatalf("err = %v, want it to wrap ErrGuestPointer", err)
			}
			ex := newTestExchange("respond", "200")
			if a, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil || a != hostabi.ActionRespond {
				t.Fatalf("after %s: action %d, err %v", tt.op, a, err)
			}
			if s := f.Stats(); s.Live > 2 || s.Busy != 0 {
				t.Fatalf("after %s: stats %+v", tt.op, s)
			}
		})
	}
	if logs.FilterMessage("filter call failed").Len() != len(tests) {
		t.Errorf("logged %d failures, want %d", logs.FilterMessage("filter call failed").Len(), len(tests))
	}
	if logs.FilterMessage("guest output").FilterFieldKey("line").Len() == 0 {
		t.Error("the guest's panic message did not reach the log")
	}
}

func TestBadKindIsInvalid(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{})
	ex := newTestExchange("bad-kind", "")
	if _, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil {
		t.Fatal(err)
	}
	if string(ex.body) != "-2" {
		t.Fatalf("header_get with kind 9 = %s, want -2 (ErrInvalid)", ex.body)
	}
}

// TestPoolBusy: with the one instance held (its guest blocked in a host
// call the test controls), a request waits pool_wait and fails as busy;
// once the guest is let go, its call completes and the instance serves.
func TestPoolBusy(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{
		PoolMin:  1,
		PoolMax:  1,
		PoolWait: 20 * time.Millisecond,
	})
	held := newBlockingExchange()
	heldErr := make(chan error, 1)
	go func() {
		_, err := f.Call(context.Background(), hostabi.PhaseRequest, held)
		heldErr <- err
	}()
	select {
	case <-held.entered:
	case err := <-heldErr:
		t.Fatalf("the held call ended before reading the body: %v", err)
	case <-time.After(hang):
		t.Fatalf("the held call did not reach the body within %v", hang)
	}
	_, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""))
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	if f.Stats().Waits == 0 {
		t.Error("the wait was not counted")
	}
	close(held.release)
	if err := <-heldErr; err != nil {
		t.Fatalf("held call: %v", err)
	}
	if string(held.body) != "len=0 sum=811c9dc5" {
		t.Fatalf("held call answered %q", held.body)
	}
	if _, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", "")); err != nil {
		t.Fatalf("after the held call: %v", err)
	}
}

func TestLoadChecks(t *testing.T) {
	t.Parallel()
	imp := func(module, name string, params int, result bool) wasmtest.Import {
		ft := wasmtest.FuncType{Params: make([]byte, params)}
		for i := range ft.Params {
			ft.Params[i] = wasmtest.I32
		}
		if result {
			ft.Results = []byte{wasmtest.I32}
		}
		return wasmtest.Import{Module: module, Name: name, Type: ft}
	}
	valid := func() *wasmtest.Module { return wasmtest.ABIGuest(nil, wasmtest.Const(0)) }
	tests := []struct {
		name string
		mod  func() *wasmtest.Module
		want string
	}{
		{"valid", valid, ""},
		{"no memory", func() *wasmtest.Module { m := valid(); m.MemoryPages = 0; return m }, `does not export "memory"`},
		{"memory not exported", func() *wasmtest.Module { m := valid(); m.NoMemoryExport = true; return m }, `does not export "memory"`},
		{"no abi marker", func() *wasmtest.Module { m := valid(); m.Funcs[0].Export = ""; return m }, `does not export "gojinn_abi_v1"`},
		{"no on_request", func() *wasmtest.Module { m := valid(); m.Funcs[1].Export = "other"; return m }, `does not export "gojinn_on_request"`},
		{"on_request wrong signature", func() *wasmtest.Module {
			m := valid()
			m.Funcs[1] = wasmtest.Func{Type: wasmtest.Void, Export: "gojinn_on_request"}
			return m
		}, `exports "gojinn_on_request" with signature () -> (), want () -> (i32)`},
		{"configure wrong signature", func() *wasmtest.Module {
			m := valid()
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Export: "gojinn_configure"})
			return m
		}, `exports "gojinn_configure" with signature`},
		{"unknown import module", func() *wasmtest.Module {
			m := valid()
			m.Imports = []wasmtest.Import{imp("env", "abort", 0, false)}
			return m
		}, `imports env.abort from module "env": a Gojinn filter may import from "gojinn" and "wasi_snapshot_preview1" only`},
		{"unknown host function", func() *wasmtest.Module {
			m := valid()
			m.Imports = []wasmtest.Import{imp("gojinn", "http_call", 2, true)}
			return m
		}, "imports unknown host function gojinn.http_call"},
		{"wrong host signature", func() *wasmtest.Module {
			m := valid()
			m.Imports = []wasmtest.Import{imp("gojinn", "header_get", 2, true)}
			return m
		}, "imports gojinn.header_get with signature (i32, i32) -> (i32), ABI v1 has (i32, i32, i32, i32, i32) -> (i32)"},
		{"unknown wasi function", func() *wasmtest.Module {
			m := valid()
			m.Imports = []wasmtest.Import{imp("wasi_snapshot_preview1", "sock_teleport", 0, true)}
			return m
		}, "imports unknown WASI function wasi_snapshot_preview1.sock_teleport"},
		{"start traps", func() *wasmtest.Module {
			m := valid()
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Body: []byte{wasmtest.OpUnreachable}})
			m.Start, m.HasStart = 2, true
			return m
		}, "instantiating: "},
		{"initialize loops", func() *wasmtest.Module {
			m := valid()
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Export: "_initialize",
				Body: []byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd}})
			return m
		}, "timed out"},
		{"configure refuses", func() *wasmtest.Module {
			m := valid()
			m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Action, Body: wasmtest.Const(3), Export: "gojinn_configure"})
			return m
		}, "gojinn_configure refused the config (result 3): no reason logged"},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.wasm")
			if err := os.WriteFile(path, tt.mod().Encode(), 0o644); err != nil {
				t.Fatal(err)
			}
			// The spin is the only code of these modules that can meet
			// a limit, and nothing else runs under it: no runtime to
			// start, no configure.
			timeout := patientTimeout
			if tt.want == "timed out" {
				timeout = 50 * time.Millisecond
			}
			f, err := e.Load(context.Background(), Config{Name: "m", Path: path, Timeout: timeout})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				f.Close(context.Background())
				return
			}
			if err == nil {
				f.Close(context.Background())
				t.Fatalf("loaded; want an error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %q, want it to name %s and say %q", err, path, tt.want)
			}
		})
	}
	if n := e.Modules(); n != 0 {
		t.Errorf("engine holds %d compiled modules after every load failed or closed, want 0", n)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	probe := probeWasm(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing file", Config{Name: "x", Path: "/nonexistent/x.wasm"}, "no such file"},
		{"not wasm", Config{Name: "x", Wasm: []byte("hello")}, "not a wasm module"},
		{"no name", Config{Wasm: probe}, "needs a name"},
		{"pool min over max", Config{Name: "x", Wasm: probe, PoolMin: 3, PoolMax: 2}, "pool min 3 is over pool max 2"},
		{"pool over the most", Config{Name: "x", Wasm: probe, PoolMax: 1 << 16}, "a pool of over 65535 instances"},
		{"refused", Config{Name: "x", Wasm: probe, GuestConfig: []byte(`{"refuse":"the key is missing"}`)}, "configure: the key is missing"},
		{"bad json", Config{Name: "x", Wasm: probe, GuestConfig: []byte(`{`)}, "configure: unexpected end of JSON input"},
		{"configure panics", Config{Name: "x", Wasm: probe, GuestConfig: []byte(`{"panic_configure":true}`)}, "gojinn_configure: x: filter trapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Timeout = patientTimeout
			f, err := e.Load(context.Background(), tt.cfg)
			if err == nil {
				f.Close(context.Background())
				t.Fatalf("loaded; want an error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want %q", err, tt.want)
			}
		})
	}
}

// TestReloadSharesCompiledModule is what makes a Caddy reload cheap: the
// same bytes loaded again reuse the compiled module.
func TestReloadSharesCompiledModule(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	ctx := context.Background()
	a, err := e.Load(ctx, Config{Name: "a", Wasm: probeWasm(t), Timeout: patientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Load(ctx, Config{Name: "b", Wasm: probeWasm(t), GuestConfig: []byte(`{"tag":"b"}`), Timeout: patientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Modules(); n != 1 {
		t.Fatalf("two loads of one module: %d compiled, want 1", n)
	}
	a.Close(ctx)
	if _, err := b.Call(ctx, hostabi.PhaseRequest, newTestExchange("", "")); err != nil {
		t.Fatalf("b after a closed: %v", err)
	}
	if _, err := a.Call(ctx, hostabi.PhaseRequest, newTestExchange("", "")); !errors.Is(err, ErrClosed) {
		t.Fatalf("a after close: err = %v, want ErrClosed", err)
	}
	b.Close(ctx)
	if n := e.Modules(); n != 0 {
		t.Fatalf("after both closed: %d compiled, want 0", n)
	}
}

// TestConcurrentCalls: more callers than instances, some of them
// faulting, so that instances are discarded and replaced while others
// wait for one. A caller waits as long as it takes: how long a
// replacement takes to start depends on the machine, and no wait may
// depend on that.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{PoolMin: 2, PoolMax: 4, PoolWait: patientTimeout})
	const callers, calls = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, callers*calls) // room for every call's, so no sender blocks
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range calls {
				op := "respond"
				if j%7 == 3 {
					op = "panic"
				}
				ex := newTestExchange(op, "201")
				_, err := f.Call(context.Background(), hostabi.PhaseRequest, ex)
				switch {
				case op == "panic" && !errors.Is(err, ErrTrap):
					errs <- fmt.Errorf("panic: err = %v, want ErrTrap", err)
				case op == "respond" && (err != nil || ex.status != 201):
					errs <- fmt.Errorf("respond: status %d, err %v", ex.status, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := f.Stats(); s.Live > 4 || s.Busy != 0 {
		t.Fatalf("stats after the storm: %+v", s)
	}
}

// TestTimeoutUnderGC: a looping guest must not hold up a stop-the-world,
// or the timer that should stop it could never run. The Go runtime stops
// the world for every collection, so collections run back to back here
// while the guest loops. The instances are made at load, before the
// collections start, so that each call is a loop and nothing else.
//
// It does not run in parallel: back-to-back collections would slow every
// other test of the package down.
func TestTimeoutUnderGC(t *testing.T) {
	const calls = 3
	f := loadProbe(t, newEngine(t), Config{Timeout: loopTimeout, PoolMin: calls, PoolMax: calls})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	for range calls {
		_, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("loop", ""))
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("err = %v, want ErrTimeout", err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestCallInfoColdStart: a call reports a cold start when it made the
// instance it ran on, and only then; instances made at load are warm,
// and so is an instance's second call.
func TestCallInfoColdStart(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	for _, tc := range []struct {
		name    string
		poolMin int
		want    []bool // by call, in order
	}{
		{"scale from zero", 0, []bool{true, false, false}},
		{"warm pool", 1, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := loadProbe(t, e, Config{PoolMin: tc.poolMin, PoolMax: 1})
			for i, want := range tc.want {
				info := CallInfo{ColdStart: !want}
				if _, _, err := f.CallAt(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""), Now(), &info); err != nil {
					t.Fatal(err)
				}
				if info.ColdStart != want {
					t.Errorf("call %d: cold start %v, want %v", i, info.ColdStart, want)
				}
			}
		})
	}
}

// TestCallInfoAfterTrap: the instance that replaces a trapped one is made
// by the next call, which is a cold start again.
func TestCallInfoAfterTrap(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{PoolMin: 1, PoolMax: 1})
	if _, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("panic", "")); !errors.Is(err, ErrTrap) {
		t.Fatalf("panic op: %v, want a trap", err)
	}
	var info CallInfo
	if _, _, err := f.CallAt(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""), Now(), &info); err != nil {
		t.Fatal(err)
	}
	if !info.ColdStart {
		t.Error("the call after a trap was not a cold start")
	}
}

func TestModuleHash(t *testing.T) {
	t.Parallel()
	f := loadProbe(t, newEngine(t), Config{})
	sum := sha256.Sum256(probeWasm(t))
	if want := hex.EncodeToString(sum[:8]); f.ModuleHash() != want {
		t.Fatalf("ModuleHash() = %q, want %q", f.ModuleHash(), want)
	}
}
