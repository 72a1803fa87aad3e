package filters

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// The tick guest's imports, by function index, and its memory: the name
// of its tick counter metric, the metric's id (written by
// proxy_define_metric during start-up, so in the snapshot) and the
// instance's own count of its ticks.
const (
	fnSetTickPeriod = iota
	fnDefineMetric
	fnIncrementMetric
	fnGetHeaderMapSize

	tickNameAt  = 64
	tickIDAt    = 256
	tickCountAt = 260
	tickSizeAt  = 264
)

// Opcodes the tick guest needs beyond wasmtest's.
const (
	opIf       = 0x04
	opI32Load  = 0x28
	opI32Store = 0x36
	opI64Const = 0x42
	opI32Eq    = 0x46
	opI32Ne    = 0x47
	opI32Add   = 0x6a
	opMemGrow  = 0x40
)

// ifThen is the code for "if (the i32 on the stack) then body".
func ifThen(body ...byte) []byte { return append(append([]byte{opIf, 0x40}, body...), wasmtest.OpEnd) }

func tickCount() []byte { return append(wasmtest.Const(tickCountAt), opI32Load, 0x02, 0x00) }

// tickGuest is pwGuest with a timer: proxy_on_configure asks for a tick
// period of periodMS and defines the counter metric; each tick
// increments the metric, checks that the request's headers read as an
// empty map (a tick has no HTTP context), counts itself in the
// instance's memory, then runs onTick, which sees that count on the
// stack. The request headers callback asks for a tick period too, and
// traps unless that answers BAD_ARGUMENT.
func tickGuest(metric string, periodMS int32, onTick func(count []byte) []byte) *wasmtest.Module {
	i32, i64 := wasmtest.I32, wasmtest.I64
	configure := append(wasmtest.Const(periodMS), wasmtest.Call(fnSetTickPeriod)...)
	configure = append(configure, wasmtest.OpDrop)
	configure = append(configure, wasmtest.Const(int32(proxywasm.MetricCounter))...)
	configure = append(configure, wasmtest.Const(tickNameAt)...)
	configure = append(configure, wasmtest.Const(int32(len(metric)))...)
	configure = append(configure, wasmtest.Const(tickIDAt)...)
	configure = append(configure, wasmtest.Call(fnDefineMetric)...)
	configure = append(configure, wasmtest.OpDrop)
	configure = append(configure, wasmtest.Const(1)...)

	requestHeaders := append(wasmtest.Const(50), wasmtest.Call(fnSetTickPeriod)...)
	requestHeaders = append(requestHeaders, wasmtest.Const(int32(proxywasm.StatusBadArgument))...)
	requestHeaders = append(requestHeaders, opI32Ne)
	requestHeaders = append(requestHeaders, ifThen(wasmtest.OpUnreachable)...)
	requestHeaders = append(requestHeaders, wasmtest.Const(0)...)

	tick := append(wasmtest.Const(tickIDAt), opI32Load, 0x02, 0x00, opI64Const, 0x01)
	tick = append(tick, wasmtest.Call(fnIncrementMetric)...)
	tick = append(tick, wasmtest.OpDrop)
	tick = append(tick, wasmtest.Const(tickSizeAt)...)
	tick = append(tick, wasmtest.Const(-1)...)
	tick = append(tick, opI32Store, 0x02, 0x00)
	tick = append(tick, wasmtest.Const(int32(proxywasm.MapHTTPRequestHeaders))...)
	tick = append(tick, wasmtest.Const(tickSizeAt)...)
	tick = append(tick, wasmtest.Call(fnGetHeaderMapSize)...)
	tick = append(tick, ifThen(wasmtest.OpUnreachable)...) // not OK
	tick = append(tick, wasmtest.Const(tickSizeAt)...)
	tick = append(tick, opI32Load, 0x02, 0x00)
	tick = append(tick, ifThen(wasmtest.OpUnreachable)...) // not empty
	tick = append(tick, wasmtest.Const(tickCountAt)...)
	tick = append(tick, tickCount()...)
	tick = append(tick, wasmtest.Const(1)...)
	tick = append(tick, opI32Add, opI32Store, 0x02, 0x00)
	if onTick != nil {
		tick = append(tick, onTick(tickCount())...)
	}

	m := pwGuest(map[string][]byte{"proxy_on_configure": configure, "proxy_on_request_headers": requestHeaders})
	m.Imports = []wasmtest.Import{
		{Module: "env", Name: proxywasm.FuncSetTickPeriod, Type: wasmtest.FuncType{Params: []byte{i32}, Results: []byte{i32}}},
		{Module: "env", Name: proxywasm.FuncDefineMetric, Type: wasmtest.FuncType{Params: []byte{i32, i32, i32, i32}, Results: []byte{i32}}},
		{Module: "env", Name: proxywasm.FuncIncrementMetric, Type: wasmtest.FuncType{Params: []byte{i32, i64}, Results: []byte{i32}}},
		{Module: "env", Name: proxywasm.FuncGetHeaderMapSize, Type: wasmtest.FuncType{Params: []byte{i32, i32}, Results: []byte{i32}}},
	}
	m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.FuncType{Params: []byte{i32}}, Body: tick, Export: proxywasm.ExportOnTick})
	m.Data = []wasmtest.Segment{{Offset: tickNameAt, Bytes: []byte(metric)}}
	return m
}

// onNthTick is an onTick that runs body on the instance's nth tick.
func onNthTick(n int32, body ...byte) func([]byte) []byte {
	return func(count []byte) []byte {
		code := append(append([]byte(nil), count...), wasmtest.Const(n)...)
		return append(append(code, opI32Eq), ifThen(body...)...)
	}
}

// ticks is the value of the tick guest's counter metric.
func ticks(t *testing.T, e *Engine, metric string) uint64 {
	t.Helper()
	id, s := e.proxyWasm.metrics.Define(proxywasm.MetricCounter, []byte(metric))
	if s != proxywasm.StatusOK {
		t.Fatalf("metric %s: status %d", metric, s)
	}
	v, _ := e.proxyWasm.metrics.Get(id)
	return v
}

// waitFor polls cond for up to half a minute: ticks come when they come
// on a loaded machine, and no test asserts how soon.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitClosed waits, up to half a minute, for ch to be closed.
func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("waited 30 s for %s", what)
	}
}

// TestProxyWasmTicks: a period set in proxy_on_configure ticks the plugin
// context on an instance of its own, requests still run beside it (and
// their HTTP contexts are refused a period), and a tick that sets the
// period to 0 ends the ticker, which gives its instance back.
func TestProxyWasmTicks(t *testing.T) {
	t.Parallel()
	t.Run("ticks", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t)
		core, logs := observer.New(zap.InfoLevel)
		f, err := e.Load(context.Background(), Config{Name: "m", Timeout: patientTimeout, PoolMax: 2, Logger: zap.New(core),
			Wasm: tickGuest("ticks", 1, nil).Encode()})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close(context.Background())
		if f.tickPeriod != proxywasm.MinTickPeriod {
			t.Fatalf("tick period %s, want 1 ms raised to %s", f.tickPeriod, proxywasm.MinTickPeriod)
		}
		waitFor(t, "3 ticks", func() bool { return ticks(t, e, "ticks") >= 3 })
		if failed := logs.FilterMessage(tickFailed).All(); len(failed) > 0 {
			t.Fatalf("a tick failed: %v", failed[0].ContextMap())
		}
		for i := range 3 {
			ex := newHoldingExchange()
			if _, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil {
				t.Fatalf("request %d: %v (a tick period from an HTTP context must answer BAD_ARGUMENT)", i, err)
			}
			if _, err := f.Call(context.Background(), hostabi.PhaseResponse, ex); err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
		}
		// The tick instance and the request's, which went back to the
		// pool: one is busy, for good.
		if s := f.Stats(); s.Live != 2 || s.Busy != 1 {
			t.Fatalf("stats %+v, want 2 live, 1 busy (the tick instance)", s)
		}
	})
	t.Run("period 0 stops", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t)
		stop := append(wasmtest.Const(0), wasmtest.Call(fnSetTickPeriod)...)
		f, err := e.Load(context.Background(), Config{Name: "m", Timeout: patientTimeout, PoolMax: 2,
			Wasm: tickGuest("stops", 10, onNthTick(3, append(stop, wasmtest.OpDrop)...)).Encode()})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close(context.Background())
		waitClosed(t, "the ticker to end", f.ticker.done)
		if n := ticks(t, e, "stops"); n != 3 {
			t.Fatalf("%d ticks, want 3: the third set the period to 0", n)
		}
		if s := f.Stats(); s.Live != 0 {
			t.Fatalf("stats %+v: the tick instance outlived its ticker", s)
		}
		// Its slot is the pool's again: two requests at once get one
		// instance each.
		a, b := newHoldingExchange(), newHoldingExchange()
		for _, ex := range []*holdingExchange{a, b} {
			if _, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil {
				t.Fatal(err)
			}
		}
		a.end()
		b.end()
		if s := f.Stats(); s.Live != 2 {
			t.Fatalf("stats %+v, want the 2 instances of the pool", s)
		}
	})
}

// TestProxyWasmTickFaults: a tick that traps, meets the time limit or the
// memory limit is logged and its instance replaced by one restored from
// the snapshot, which keeps the period of start-up: ticking goes on.
// Each instance fails on its second tick.
func TestProxyWasmTickFaults(t *testing.T) {
	t.Parallel()
	forever := []byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd}
	grow := append(wasmtest.Const(16), opMemGrow, 0x00, wasmtest.OpDrop)
	for _, tt := range []struct {
		name    string
		fail    []byte
		timeout time.Duration
		kind    error
	}{
		{"trap", []byte{wasmtest.OpUnreachable}, patientTimeout, ErrTrap},
		{"time-out", forever, loopTimeout, ErrTimeout},
		{"memory", grow, patientTimeout, ErrMemoryLimit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t)
			metric := "faults_" + strings.ReplaceAll(tt.name, "-", "_")
			core, logs := observer.New(zap.InfoLevel)
			f, err := e.Load(context.Background(), Config{Name: "m", Timeout: tt.timeout, PoolMax: 2, MemoryLimit: 2 * wasmPage,
				Logger: zap.New(core), Wasm: tickGuest(metric, 10, onNthTick(2, tt.fail...)).Encode()})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			before := f.Stats()
			// Three instances failed, each after a good tick, and a
			// fourth ticks.
			waitFor(t, "ticks on a fourth instance", func() bool {
				s := f.Stats()
				return s.Restored+s.Fresh-before.Restored-before.Fresh >= 3 && ticks(t, e, metric) >= 7
			})
			if s := f.Stats(); s.Live > 1 {
				t.Fatalf("stats %+v: a failed tick instance was kept", s)
			}
			failed := logs.FilterMessage(tickFailed).All()
			if len(failed) < 3 {
				t.Fatalf("%d tick failures logged, want 3 or more", len(failed))
			}
			for _, l := range failed {
				var err error
				for _, field := range l.Context {
					if field.Key == "error" {
						err, _ = field.Interface.(error)
					}
				}
				if !errors.Is(err, tt.kind) {
					t.Fatalf("tick failure logged as %v, want %v", err, tt.kind)
				}
			}
		})
	}
}

// TestProxyWasmTickClose: closing the filter, or the engine, ends its
// ticker's goroutine and closes the tick instance.
func TestProxyWasmTickClose(t *testing.T) {
	t.Parallel()
	for _, closeEngine := range []bool{false, true} {
		name := "filter"
		if closeEngine {
			name = "engine"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t)
			f, err := e.Load(context.Background(), Config{Name: "m", Timeout: patientTimeout, PoolMax: 2,
				Wasm: tickGuest("close", 10, nil).Encode()})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a tick", func() bool { return ticks(t, e, "close") >= 1 })
			done := f.ticker.done
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				if closeEngine {
					_ = e.Close(context.Background())
				} else {
					f.Close(context.Background())
				}
			}()
			waitClosed(t, "Close to return", closed)
			waitClosed(t, "the ticker's goroutine to end", done)
			if s := f.Stats(); s.Live != 0 {
				t.Fatalf("stats %+v: the tick instance outlived Close", s)
			}
			if closeEngine {
				f.Close(context.Background())
			}
		})
	}
}

// TestProxyWasmTickPoolBound: the tick instance is one of pool_max, so a
// filter that ticks needs two; one that does not tick loads with one.
func TestProxyWasmTickPoolBound(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	for _, tt := range []struct {
		name     string
		periodMS int32
		poolMax  int
		want     string
	}{
		{"ticks, pool of 1", 10, 1, "needs pool_max 2 or more"},
		{"ticks, pool of 2", 10, 2, ""},
		{"no ticks, pool of 1", 0, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "m", Timeout: patientTimeout, PoolMax: tt.poolMax,
				Wasm: tickGuest("bound", tt.periodMS, nil).Encode()})
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
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestTickBackoff: failures in a row wait longer and longer, from the
// period up to a minute, never less than the period.
func TestTickBackoff(t *testing.T) {
	for _, tt := range []struct {
		period   time.Duration
		failures int
		want     time.Duration
	}{
		{10 * time.Millisecond, 1, 10 * time.Millisecond},
		{10 * time.Millisecond, 2, 20 * time.Millisecond},
		{10 * time.Millisecond, 4, 80 * time.Millisecond},
		{10 * time.Millisecond, 1000, maxTickBackoff},
		{time.Hour, 5, time.Hour},
		{0, 1, proxywasm.MinTickPeriod},
	} {
		if got := tickBackoff(tt.period, tt.failures); got != tt.want {
			t.Errorf("tickBackoff(%s, %d) = %s, want %s", tt.period, tt.failures, got, tt.want)
		}
	}
}
