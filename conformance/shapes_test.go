package conformance

import (
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// Parameter roles of the host functions, for the hostile guests: a plain
// value, or a guest pointer followed by its length (input or output alike:
// the host bounds-checks both the same way).
const (
	roleVal = 'v'
	rolePtr = 'p'
	roleLen = 'n'
)

// shapes is every host function's parameters by role, in ABI order.
var shapes = map[string]string{
	hostabi.FuncMethodGet:      "pn",
	hostabi.FuncMethodSet:      "pn",
	hostabi.FuncURIGet:         "pn",
	hostabi.FuncURISet:         "pn",
	hostabi.FuncProtoGet:       "pn",
	hostabi.FuncClientAddrGet:  "pn",
	hostabi.FuncHeaderGet:      "vpnpn",
	hostabi.FuncHeaderNames:    "vpn",
	hostabi.FuncHeaderSet:      "vpnpn",
	hostabi.FuncHeaderAdd:      "vpnpn",
	hostabi.FuncHeaderRemove:   "vpn",
	hostabi.FuncBodyRead:       "vpn",
	hostabi.FuncBodyWrite:      "vpn",
	hostabi.FuncStatusGet:      "",
	hostabi.FuncStatusSet:      "v",
	hostabi.FuncVarGet:         "pnpn",
	hostabi.FuncVarSet:         "pnpn",
	hostabi.FuncConfigGet:      "pn",
	hostabi.FuncFeaturesSet:    "v",
	hostabi.FuncLog:            "vpn",
	hostabi.FuncLogEnabled:     "v",
	hostabi.FuncKeysetOpen:     "pn",
	hostabi.FuncSignatureCheck: "vpnpnpnpn",
}

func TestShapesMatchABI(t *testing.T) {
	if len(shapes) != len(host.Functions) {
		t.Errorf("%d shapes for %d functions", len(shapes), len(host.Functions))
	}
	for _, f := range host.Functions {
		s, ok := shapes[f.Name()]
		if !ok {
			t.Errorf("no shape for %s", f.Name())
			continue
		}
		if len(s) != len(f.ParamTypes()) {
			t.Errorf("%s: shape %q has %d parameters, the ABI %d", f.Name(), s, len(s), len(f.ParamTypes()))
		}
	}
}

// signature returns the ABI row of a function.
func signature(name string) host.Signature {
	for _, f := range host.Functions {
		if f.Name() == name {
			return f
		}
	}
	panic("no host function " + name)
}

// callGuest is a one-page guest whose gojinn_on_request (or, with
// inConfigure, gojinn_configure) calls fn with args and returns 0.
func callGuest(fn string, args []uint32, inConfigure bool) []byte {
	sig := signature(fn)
	imp := wasmtest.Import{Module: hostabi.ModuleName, Name: fn,
		Type: wasmtest.FuncType{Params: i32s(len(sig.ParamTypes())), Results: i32s(len(sig.ResultTypes()))}}
	var body []byte
	for _, a := range args {
		body = append(body, wasmtest.Const(int32(a))...)
	}
	body = append(body, wasmtest.Call(0)...)
	if len(sig.ResultTypes()) > 0 {
		body = append(body, wasmtest.OpDrop)
	}
	body = append(body, wasmtest.Const(0)...)
	m := wasmtest.ABIGuest([]wasmtest.Import{imp}, wasmtest.Const(0))
	if inConfigure {
		m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Action, Body: body, Export: hostabi.ExportConfigure})
	} else {
		m.Funcs[1].Body = body
	}
	return m.Encode()
}

func i32s(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = wasmtest.I32
	}
	return b
}
