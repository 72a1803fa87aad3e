package conformance

import (
	"github.com/gojinn/gojinn/hostabi"
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

// shapeOf is a host function's parameters by role, one letter each, as
// the ABI table gives them.
func shapeOf(f hostabi.HostFunc) string {
	b := make([]byte, len(f.Params))
	for i, p := range f.Params {
		switch p.Role {
		case hostabi.RolePointer:
			b[i] = rolePtr
		case hostabi.RoleLength:
			b[i] = roleLen
		default:
			b[i] = roleVal
		}
	}
	return string(b)
}

// results is how many results a host function returns.
func results(f hostabi.HostFunc) int {
	if f.Result {
		return 1
	}
	return 0
}

// signature returns the ABI row of a function.
func signature(name string) hostabi.HostFunc {
	f, ok := hostabi.LookupHostFunc(name)
	if !ok {
		panic("no host function " + name)
	}
	return f
}

// callGuest is a one-page guest whose gojinn_on_request (or, with
// inConfigure, gojinn_configure) calls fn with args and returns 0.
func callGuest(fn string, args []uint32, inConfigure bool) []byte {
	sig := signature(fn)
	imp := wasmtest.Import{Module: hostabi.ModuleName, Name: fn,
		Type: wasmtest.FuncType{Params: i32s(len(sig.Params)), Results: i32s(results(sig))}}
	var body []byte
	for _, a := range args {
		body = append(body, wasmtest.Const(int32(a))...)
	}
	body = append(body, wasmtest.Call(0)...)
	if sig.Result {
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
