package filters

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// pwGuest is the smallest Proxy-Wasm HTTP filter: every callback of an
// HTTP filter, each continuing (or, for proxy_on_vm_start,
// proxy_on_configure and proxy_on_done, answering true), and an allocator
// that hands out one fixed buffer. bodies replaces the body of the named
// exports.
func pwGuest(bodies map[string][]byte) *wasmtest.Module {
	i32 := wasmtest.I32
	one, two, three := []byte{i32}, []byte{i32, i32}, []byte{i32, i32, i32}
	m := &wasmtest.Module{MemoryPages: 1}
	for _, e := range []struct {
		name   string
		params []byte
		result bool
		body   []byte
	}{
		{"proxy_abi_version_0_2_1", nil, false, nil},
		{"proxy_on_memory_allocate", one, true, wasmtest.Const(1024)},
		{"proxy_on_vm_start", two, true, wasmtest.Const(1)},
		{"proxy_on_configure", two, true, wasmtest.Const(1)},
		{"proxy_on_context_create", two, false, nil},
		{"proxy_on_request_headers", three, true, wasmtest.Const(0)},
		{"proxy_on_request_body", three, true, wasmtest.Const(0)},
		{"proxy_on_response_headers", three, true, wasmtest.Const(0)},
		{"proxy_on_response_body", three, true, wasmtest.Const(0)},
		{"proxy_on_done", one, true, wasmtest.Const(1)},
		{"proxy_on_log", one, false, nil},
		{"proxy_on_delete", one, false, nil},
	} {
		ft := wasmtest.FuncType{Params: e.params}
		if e.result {
			ft.Results = one
		}
		body := e.body
		if b, ok := bodies[e.name]; ok {
			body = b
		}
		m.Funcs = append(m.Funcs, wasmtest.Func{Type: ft, Body: body, Export: e.name})
	}
	return m
}

// holdingExchange is an exchange that holds a filter's instance from the
// request phase to the response phase, as pipeline's does.
type holdingExchange struct {
	*exchange
	held map[any]any
	rel  map[any]func(any)
}

func newHoldingExchange() *holdingExchange {
	return &holdingExchange{exchange: newTestExchange("", ""), held: map[any]any{}, rel: map[any]func(any){}}
}

func (e *holdingExchange) Hold(key, v any, release func(any)) { e.held[key], e.rel[key] = v, release }

func (e *holdingExchange) Take(key any) (any, bool) {
	v, ok := e.held[key]
	delete(e.held, key)
	delete(e.rel, key)
	return v, ok
}

// end releases what is still held, as an exchange does when it ends.
func (e *holdingExchange) end() {
	for k, v := range e.held {
		e.rel[k](v)
		delete(e.held, k)
	}
}

func TestProxyWasmChecks(t *testing.T) {
	t.Parallel()
	without := func(name string) func() *wasmtest.Module {
		return func() *wasmtest.Module {
			m := pwGuest(nil)
			for i, f := range m.Funcs {
				if f.Export == name {
					m.Funcs = append(m.Funcs[:i], m.Funcs[i+1:]...)
					break
				}
			}
			return m
		}
	}
	renamed := func(from, to string) func() *wasmtest.Module {
		return func() *wasmtest.Module {
			m := pwGuest(nil)
			for i := range m.Funcs {
				if m.Funcs[i].Export == from {
					m.Funcs[i].Export = to
				}
			}
			return m
		}
	}
	importing := func(imp wasmtest.Import) func() *wasmtest.Module {
		return func() *wasmtest.Module { m := pwGuest(nil); m.Imports = []wasmtest.Import{imp}; return m }
	}
	i32 := wasmtest.I32
	logType := wasmtest.FuncType{Params: []byte{i32, i32, i32}, Results: []byte{i32}}
	tests := []struct {
		name string
		mod  func() *wasmtest.Module
		want string
	}{
		{"valid", func() *wasmtest.Module { return pwGuest(nil) }, ""},
		{"v0.2.0", renamed("proxy_abi_version_0_2_1", "proxy_abi_version_0_2_0"), ""},
		{"imports proxy_log", importing(wasmtest.Import{Module: "env", Name: "proxy_log", Type: logType}), ""},
		{"v0.1.0", renamed("proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0"), "is built for Proxy-Wasm ABI 0.1.0: Gojinn runs 0.2.0 and 0.2.1"},
		{"no version", func() *wasmtest.Module {
			m := without("proxy_abi_version_0_2_1")()
			m.Imports = []wasmtest.Import{{Module: "env", Name: "proxy_log", Type: logType}}
			return m
		}, "exports no proxy_abi_version_* function"},
		{"no context_create", without("proxy_on_context_create"), `does not export "proxy_on_context_create"`},
		{"no allocator", without("proxy_on_memory_allocate"), `exports neither "proxy_on_memory_allocate" nor "malloc"`},
		{"malloc instead", renamed("proxy_on_memory_allocate", "malloc"), ""},
		{"unknown import", importing(wasmtest.Import{Module: "env", Name: "proxy_frobnicate", Type: logType}),
			"imports unknown host function env.proxy_frobnicate"},
		{"wrong import signature", importing(wasmtest.Import{Module: "env", Name: "proxy_log", Type: wasmtest.FuncType{Params: []byte{i32}}}),
			"imports env.proxy_log with signature (i32) -> (), the Proxy-Wasm ABI has (i32, i32, i32) -> (i32)"},
		{"other module", func() *wasmtest.Module {
			m := importing(wasmtest.Import{Module: "env", Name: "proxy_log", Type: logType})()
			m.Imports = append(m.Imports, wasmtest.Import{Module: "other", Name: "f"})
			return m
		}, `imports other.f from module "other": a Proxy-Wasm filter may import from "env" and "wasi_snapshot_preview1" only`},
		{"wrong callback signature", func() *wasmtest.Module {
			m := pwGuest(nil)
			for i := range m.Funcs {
				if m.Funcs[i].Export == "proxy_on_request_headers" {
					m.Funcs[i] = wasmtest.Func{Type: wasmtest.Action, Body: wasmtest.Const(0), Export: "proxy_on_request_headers"}
				}
			}
			return m
		}, `exports "proxy_on_request_headers" with signature () -> (i32), want (i32, i32, i32) -> (i32)`},
		{"refuses the VM", func() *wasmtest.Module { return pwGuest(map[string][]byte{"proxy_on_vm_start": wasmtest.Const(0)}) },
			"proxy_on_vm_start refused the VM: no reason logged"},
		{"refuses its configuration", func() *wasmtest.Module {
			return pwGuest(map[string][]byte{"proxy_on_configure": wasmtest.Const(0)})
		}, "proxy_on_configure refused the plugin configuration: no reason logged"},
		{"traps in configure", func() *wasmtest.Module {
			return pwGuest(map[string][]byte{"proxy_on_configure": {wasmtest.OpUnreachable}})
		}, "proxy_on_configure: m: filter trapped"},
		{"no memory", func() *wasmtest.Module { m := pwGuest(nil); m.MemoryPages = 0; return m }, `does not export "memory"`},
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
			if f.dialect != dialectProxyWasm || f.dialect.String() != "proxy-wasm" {
				t.Fatalf("dialect %s, want proxy-wasm", f.dialect)
			}
			want := hostabi.FeatureRequestBody | hostabi.FeatureResponse | hostabi.FeatureResponseBody
			if f.Features() != want {
				t.Fatalf("features %b, want %b", f.Features(), want)
			}
			ex := newHoldingExchange()
			if a, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil || a != hostabi.ActionContinue {
				t.Fatalf("request: action %d, err %v", a, err)
			}
			if a, err := f.Call(context.Background(), hostabi.PhaseResponse, ex); err != nil || a != hostabi.ActionContinue {
				t.Fatalf("response: action %d, err %v", a, err)
			}
		})
	}
}

// TestProxyWasmTraps traps in each callback of a request: the call fails
// as a trap, and the instance is never reused (the next request runs on a
// new one).
func TestProxyWasmTraps(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	for _, cb := range []string{"proxy_on_context_create", "proxy_on_request_headers", "proxy_on_request_body",
		"proxy_on_response_headers", "proxy_on_response_body", "proxy_on_done", "proxy_on_log", "proxy_on_delete"} {
		t.Run(cb, func(t *testing.T) {
			bodies := map[string][]byte{cb: {wasmtest.OpUnreachable}}
			if cb == "proxy_on_context_create" {
				// Only for an HTTP context (a parent id): the plugin
				// context is made at load.
				bodies[cb] = []byte{0x20, 0x01, 0x04, 0x40, wasmtest.OpUnreachable, wasmtest.OpEnd} // local.get 1; if; unreachable; end
			}
			f, err := e.Load(context.Background(), Config{Name: "m", Wasm: pwGuest(bodies).Encode(), Timeout: patientTimeout,
				PoolMin: 1, PoolMax: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			before := f.Stats()
			for i := range 2 {
				ex := &bodyExchange{holdingExchange: newHoldingExchange(), reqBody: []byte("request body")}
				ex.body = []byte("response body")
				_, reqErr := f.Call(context.Background(), hostabi.PhaseRequest, ex)
				var respErr error
				if reqErr == nil {
					_, respErr = f.Call(context.Background(), hostabi.PhaseResponse, ex)
				}
				err := errors.Join(reqErr, respErr)
				if !errors.Is(err, ErrTrap) {
					t.Fatalf("request %d: error %v, want a trap", i, err)
				}
				if len(ex.held) != 0 {
					t.Fatalf("request %d: an instance still held after a trap", i)
				}
			}
			// Each request ran on an instance of its own: the first on
			// the one the load made, the second on one made for it.
			s := f.Stats()
			if made := s.Fresh + s.Restored - before.Fresh - before.Restored; made != 1 || s.Live != 0 {
				t.Fatalf("%d instances made after the load, %d live; want 1 and 0: a trapped instance was reused", made, s.Live)
			}
		})
	}
}

// bodyExchange is a holding exchange with a request body.
type bodyExchange struct {
	*holdingExchange
	reqBody []byte
}

func (e *bodyExchange) Body(k hostabi.Kind) ([]byte, error) {
	if k == hostabi.KindRequest {
		return e.reqBody, nil
	}
	return e.holdingExchange.Body(k)
}

func (e *bodyExchange) BodySize(k hostabi.Kind) (int64, error) {
	b, err := e.Body(k)
	return int64(len(b)), err
}

// TestProxyWasmPauseWithNothingToResume: PAUSE at the end of a request
// (no body to wait for, no local response, no proxy_continue_stream)
// fails the call rather than hang or let the request through.
func TestProxyWasmPauseWithNothingToResume(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	f, err := e.Load(context.Background(), Config{Name: "m", Timeout: patientTimeout,
		Wasm: pwGuest(map[string][]byte{"proxy_on_request_headers": wasmtest.Const(1)}).Encode()})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	ex := newHoldingExchange()
	_, err = f.Call(context.Background(), hostabi.PhaseRequest, ex)
	if !errors.Is(err, ErrBadAction) || !strings.Contains(err.Error(), "returned PAUSE at the end of the stream") {
		t.Fatalf("error %v, want the pause refused", err)
	}
	if len(ex.held) != 0 {
		t.Fatal("an instance held after a failed call")
	}
	// With a body, PAUSE on the headers waits for it: the body callback
	// continues.
	bx := &bodyExchange{holdingExchange: newHoldingExchange(), reqBody: []byte("x")}
	if a, err := f.Call(context.Background(), hostabi.PhaseRequest, bx); err != nil || a != hostabi.ActionContinue {
		t.Fatalf("with a body: action %d, err %v", a, err)
	}
	bx.end()
}

// TestProxyWasmTimeLimit: a callback that never returns is stopped by the
// filter's time limit, the call fails as a time-out, and the instance is
// discarded.
func TestProxyWasmTimeLimit(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	forever := append([]byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd}, wasmtest.Const(0)...)
	f, err := e.Load(context.Background(), Config{Name: "m", Timeout: loopTimeout, PoolMin: 1, PoolMax: 1,
		Wasm: pwGuest(map[string][]byte{"proxy_on_response_headers": forever}).Encode()})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	ex := newHoldingExchange()
	if _, err := f.Call(context.Background(), hostabi.PhaseRequest, ex); err != nil {
		t.Fatal(err)
	}
	_, err = f.Call(context.Background(), hostabi.PhaseResponse, ex)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want a time-out", err)
	}
	if s := f.Stats(); s.Live != 0 || s.Busy != 0 {
		t.Fatalf("stats %+v: the stopped instance was kept", s)
	}
}
