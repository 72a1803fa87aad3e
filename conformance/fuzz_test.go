package conformance

import (
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmtest"
)

// fuzzMemory is the fuzzed guest's memory: one page, never grown.
const fuzzMemory = 65536

// fuzzCall decodes a fuzz input: which host function, in which phase, and
// its arguments.
func fuzzCall(data []byte) (hostabi.HostFunc, hostabi.Phase, []uint32) {
	var fn byte
	var flags byte
	if len(data) > 0 {
		fn = data[0]
	}
	if len(data) > 1 {
		flags = data[1]
	}
	funcs := hostabi.HostFuncs()
	sig := funcs[int(fn)%len(funcs)]
	args := make([]uint32, len(sig.Params))
	rest := data[min(len(data), 2):]
	for i := range args {
		if len(rest) >= 4 {
			args[i] = binary.LittleEndian.Uint32(rest)
			rest = rest[4:]
		}
	}
	phase := []hostabi.Phase{hostabi.PhaseRequest, hostabi.PhaseConfigure, hostabi.PhaseResponse}[int(flags)%3]
	return sig, phase, args
}

// fuzzGuest calls sig with args in phase and keeps the result at address
// 0, then answers with those 4 bytes as the body, under status 200
// whatever the fuzzed call set, so that the test sees the result: at once
// in the request and response phases, on request after a configure call.
func fuzzGuest(sig hostabi.HostFunc, phase hostabi.Phase, args []uint32) []byte {
	fnType := func(params, results int) wasmtest.FuncType {
		return wasmtest.FuncType{Params: i32s(params), Results: i32s(results)}
	}
	imports := []wasmtest.Import{
		{Module: hostabi.ModuleName, Name: sig.Name, Type: fnType(len(sig.Params), results(sig))},
		{Module: hostabi.ModuleName, Name: hostabi.FuncBodyWrite, Type: fnType(3, 1)},
		{Module: hostabi.ModuleName, Name: hostabi.FuncStatusSet, Type: fnType(1, 1)},
		{Module: hostabi.ModuleName, Name: hostabi.FuncFeaturesSet, Type: fnType(1, 1)},
	}
	call := wasmtest.Const(0) // the address i32.store writes to
	for _, a := range args {
		call = append(call, wasmtest.Const(int32(a))...)
	}
	call = append(call, wasmtest.Call(0)...)
	if !sig.Result {
		call = append(call, wasmtest.Const(0)...)
	}
	call = append(call, 0x36, 0x02, 0x00) // i32.store
	answer := append(wasmtest.Const(200), wasmtest.Call(2)...)
	answer = append(answer, wasmtest.OpDrop)
	answer = append(answer, wasmtest.Const(int32(hostabi.KindResponse))...)
	answer = append(answer, wasmtest.Const(0)...)
	answer = append(answer, wasmtest.Const(4)...)
	answer = append(answer, wasmtest.Call(1)...)
	answer = append(answer, wasmtest.OpDrop)
	answer = append(answer, wasmtest.Const(int32(hostabi.ActionRespond))...)

	m := wasmtest.ABIGuest(imports, nil)
	switch phase {
	case hostabi.PhaseConfigure:
		m.Funcs = append(m.Funcs, wasmtest.Func{Type: wasmtest.Action, Body: append(call, wasmtest.Const(0)...),
			Export: hostabi.ExportConfigure})
		m.Funcs[1].Body = answer
	case hostabi.PhaseResponse:
		// Declare the response phase and its body, continue on request.
		declare := wasmtest.Const(int32(hostabi.FeatureResponse | hostabi.FeatureResponseBody))
		declare = append(declare, wasmtest.Call(3)...)
		m.Funcs = append(m.Funcs,
			wasmtest.Func{Type: wasmtest.Action, Body: declare, Export: hostabi.ExportConfigure},
			wasmtest.Func{Type: wasmtest.Action, Body: append(call, answer...), Export: hostabi.ExportOnResponse})
		m.Funcs[1].Body = wasmtest.Const(int32(hostabi.ActionContinue))
	default:
		m.Funcs[1].Body = append(call, answer...)
	}
	return m.Encode()
}

// inBounds reports whether every (pointer, length) pair of a call of the
// given shape lies in the fuzzed guest's memory.
func inBounds(shape string, args []uint32) bool {
	for i := 0; i+1 < len(shape); i++ {
		if shape[i] == rolePtr && uint64(args[i])+uint64(args[i+1]) > fuzzMemory {
			return false
		}
	}
	return true
}

// documented reports whether r is a result the ABI defines: a length or
// ResultOK, or one of the error codes.
func documented(r int32) bool {
	switch r {
	case hostabi.ErrNotFound, hostabi.ErrInvalid, hostabi.ErrTooLarge, hostabi.ErrPhase,
		hostabi.ErrSignature, hostabi.ErrUnavailable:
		return true
	}
	return r >= 0
}

// FuzzHostCall calls one host function with arguments from the fuzzer, in
// the request phase or in configure. The host must not panic; the call
// must return a documented result, or trap with the host's bounds error,
// and only when a pointer was out of bounds.
func FuzzHostCall(f *testing.F) {
	seed := func(fn int, phase byte, args ...uint32) []byte {
		b := []byte{byte(fn), phase}
		for _, a := range args {
			b = binary.LittleEndian.AppendUint32(b, a)
		}
		return b
	}
	for i, sig := range hostabi.HostFuncs() {
		n := len(sig.Params)
		valid := make([]uint32, n)
		for j := range valid {
			valid[j] = 64
		}
		for phase := range byte(3) {
			f.Add(seed(i, phase, valid...))
		}
		hostile := make([]uint32, n)
		for j := range hostile {
			hostile[j] = 0xFFFFFFF0
		}
		f.Add(seed(i, 0, hostile...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sig, phase, args := fuzzCall(data)
		inConfigure := phase == hostabi.PhaseConfigure
		fh := newFaultHost(t)
		h, release, err := fh.Load([]Filter{{Name: "fuzz", Wasm: fuzzGuest(sig, phase, args), MemoryLimit: fuzzMemory,
			Timeout: filtertest.PatientTimeout}},
			http.HandlerFunc(echo))
		ok := inBounds(shapeOf(sig), args)
		if err != nil {
			if !inConfigure || ok || !strings.Contains(err.Error(), host.ErrGuestPointer.Error()) {
				t.Fatalf("%s%v in configure: load error %v", sig.Name, args, err)
			}
			return
		}
		defer release()
		resp := serve(h, "")
		b := body(resp)
		if resp.StatusCode == http.StatusInternalServerError && b == "filter error\n" {
			errs := fh.callErrors()
			if ok || inConfigure || len(errs) != 1 || !strings.Contains(errs[0], host.ErrGuestPointer.Error()) {
				t.Fatalf("%s%v trapped (pointers in bounds: %v): %q", sig.Name, args, ok, errs)
			}
			return
		}
		if resp.StatusCode != http.StatusOK || len(b) != 4 {
			t.Fatalf("%s%v: status %d, body %q", sig.Name, args, resp.StatusCode, b)
		}
		if _, known := knownDeviations[sig.Name+"/configure"]; !ok && !(inConfigure && known) {
			t.Fatalf("%s%v: a pointer out of bounds did not trap", sig.Name, args)
		}
		if r := int32(binary.LittleEndian.Uint32([]byte(b))); !documented(r) {
			t.Fatalf("%s%v: result %d is not a documented one", sig.Name, args, r)
		}
	})
}
