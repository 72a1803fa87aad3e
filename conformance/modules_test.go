package conformance

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmtest"
	"github.com/gojinn/gojinn/pipeline"
)

// Instructions the hand-assembled guests need beyond wasmtest's.
var (
	spin     = []byte{wasmtest.OpLoop, 0x40, wasmtest.OpBr, 0x00, wasmtest.OpEnd}
	growMore = append(append(append(append([]byte{wasmtest.OpLoop, 0x40},
		wasmtest.Const(1)...), 0x40, 0x00), // memory.grow 1 page
		wasmtest.Const(-1)...), 0x47, 0x0d, 0x00, wasmtest.OpEnd, // until it returns -1
		wasmtest.OpUnreachable)
)

func guestWith(edit func(m *wasmtest.Module)) []byte {
	m := wasmtest.ABIGuest(nil, wasmtest.Const(0))
	edit(m)
	return m.Encode()
}

func withExport(name string, t wasmtest.FuncType, body []byte) func(m *wasmtest.Module) {
	return func(m *wasmtest.Module) { m.Funcs = append(m.Funcs, wasmtest.Func{Type: t, Body: body, Export: name}) }
}

func withStart(body []byte) func(m *wasmtest.Module) {
	return func(m *wasmtest.Module) {
		m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Void, Body: body})
		m.Start, m.HasStart = uint32(len(m.Imports)+len(m.Funcs)-1), true
	}
}

func importing(module, name string, params int, result bool) func(m *wasmtest.Module) {
	return func(m *wasmtest.Module) {
		ft := wasmtest.FuncType{Params: i32s(params)}
		if result {
			ft.Results = i32s(1)
		}
		m.Imports = append(m.Imports, wasmtest.Import{Module: module, Name: name, Type: ft})
	}
}

// spinTimeout is the time limit of the hand-assembled modules that spin:
// they have no runtime to start and no configure to run, so a spin is
// the only code that runs under it and the limit can be short. Every
// other module gets one that cannot fire.
const spinTimeout = 100 * time.Millisecond

// TestModulesThatMustNotLoad: each module is refused at load with a
// reason that names the problem.
func TestModulesThatMustNotLoad(t *testing.T) {
	for _, c := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("\x7fELF\x02\x01\x01"), "bad magic"},
		{"truncated", guestWith(func(*wasmtest.Module) {})[:20], "preparing the module"},
		{"no memory export", guestWith(func(m *wasmtest.Module) { m.NoMemoryExport = true }), `does not export "memory"`},
		{"no ABI marker", guestWith(func(m *wasmtest.Module) { m.Funcs[0].Export = "" }), hostabi.ExportABIVersion},
		{"no on_request", guestWith(func(m *wasmtest.Module) { m.Funcs[1].Export = "on_request" }), hostabi.ExportOnRequest},
		{"on_request takes a parameter", guestWith(func(m *wasmtest.Module) {
			m.Funcs[1] = wasmtest.Func{Type: wasmtest.FuncType{Params: i32s(1), Results: i32s(1)}, Body: wasmtest.Const(0), Export: hostabi.ExportOnRequest}
		}), "want () -> (i32)"},
		{"on_response returns nothing", guestWith(withExport(hostabi.ExportOnResponse, wasmtest.Void, nil)), "want () -> (i32)"},
		{"_initialize returns a value", guestWith(withExport(hostabi.ExportInitialize, wasmtest.Action, wasmtest.Const(0))), "want () -> ()"},
		{"unknown host function", guestWith(importing(hostabi.ModuleName, "http_fetch", 2, true)), "unknown host function"},
		{"host function, wrong signature", guestWith(importing(hostabi.ModuleName, hostabi.FuncHeaderGet, 3, true)), "signature"},
		{"host function, no result", guestWith(importing(hostabi.ModuleName, hostabi.FuncStatusGet, 0, false)), "signature"},
		{"unknown module", guestWith(importing("env", "abort", 0, false)), `from module "env"`},
		{"unknown WASI function", guestWith(importing(hostabi.WASIModuleName, "sock_open", 1, true)), "unknown WASI function"},
		{"start traps", guestWith(withStart([]byte{wasmtest.OpUnreachable})), "filter trapped"},
		{"start loops", guestWith(withStart(spin)), "filter timed out"},
		{"start grows to the limit", guestWith(withStart(growMore)), "memory limit"},
		{"_initialize traps", guestWith(withExport(hostabi.ExportInitialize, wasmtest.Void, []byte{wasmtest.OpUnreachable})), "filter trapped"},
		{"_initialize loops", guestWith(withExport(hostabi.ExportInitialize, wasmtest.Void, spin)), "filter timed out"},
		{"configure traps", guestWith(withExport(hostabi.ExportConfigure, wasmtest.Action, []byte{wasmtest.OpUnreachable})), "gojinn_configure: bad: filter trapped"},
		{"configure loops", guestWith(withExport(hostabi.ExportConfigure, wasmtest.Action, append(spin, wasmtest.Const(0)...))), "gojinn_configure: bad: filter timed out"},
		{"configure refuses", guestWith(withExport(hostabi.ExportConfigure, wasmtest.Action, wasmtest.Const(3))), "no reason logged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			timeout := filtertest.PatientTimeout
			if strings.HasSuffix(c.want, "timed out") {
				timeout = spinTimeout
			}
			fh := newFaultHost(t)
			_, release, err := fh.Load([]Filter{{Name: "bad", Wasm: c.wasm, Timeout: timeout, MemoryLimit: 4 << 20}}, http.NotFoundHandler())
			if err == nil {
				release()
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load error %q does not hold %q", err, c.want)
			}
		})
	}
}

// TestModulesThatFailEachCall: each module loads, then every call fails
// with its status and kind; the second call meets a fresh instance and
// fails the same way.
func TestModulesThatFailEachCall(t *testing.T) {
	onRequest := func(body []byte) []byte {
		return guestWith(func(m *wasmtest.Module) { m.Funcs[1].Body = body })
	}
	for _, c := range []struct {
		name    string
		wasm    []byte
		status  int
		outcome pipeline.Outcome
	}{
		{"unreachable", onRequest([]byte{wasmtest.OpUnreachable}), 500, pipeline.OutcomeTrap},
		{"loop", onRequest(append(spin, wasmtest.Const(0)...)), 504, pipeline.OutcomeTimeout},
		// The time limit does not stop a recursion (only loops check it):
		// the stack overflows on its own, after about 150 ms in wazero
		// 1.12 and seconds under the race detector. The limit that cannot
		// fire keeps the kind a trap.
		{"recursion", onRequest(wasmtest.Call(1)), 500, pipeline.OutcomeTrap},
		{"memory to the limit", onRequest(growMore), 500, pipeline.OutcomeMemory},
		{"action 2", onRequest(wasmtest.Const(2)), 500, pipeline.OutcomeAction},
		{"action -1", onRequest(wasmtest.Const(-1)), 500, pipeline.OutcomeAction},
		{"integer divide by zero", onRequest(append(append(wasmtest.Const(1), wasmtest.Const(0)...), 0x6d)), 500, pipeline.OutcomeTrap},
		{"load past memory", onRequest(append(wasmtest.Const(-4), 0x28, 0x02, 0x00)), 500, pipeline.OutcomeTrap},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			timeout := filtertest.PatientTimeout
			if c.outcome == pipeline.OutcomeTimeout {
				timeout = spinTimeout
			}
			fh := newFaultHost(t)
			h, release, err := fh.Load([]Filter{{Name: "bad", Wasm: c.wasm, Timeout: timeout, MemoryLimit: 4 << 20, PoolMax: 1}}, http.NotFoundHandler())
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			for i := range 2 {
				if resp := serve(h, ""); resp.StatusCode != c.status {
					t.Fatalf("call %d: status %d, want %d", i, resp.StatusCode, c.status)
				}
				if o := fh.outcomes.Last(); o != c.outcome {
					t.Fatalf("call %d: outcome %s, want %s", i, o, c.outcome)
				}
			}
		})
	}
}
