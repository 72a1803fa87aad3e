package httpwasm_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmtest"
	"github.com/gojinn/gojinn/pipeline"
)

// fuzzMemory is the fuzzed guest's memory: one page, never grown.
const fuzzMemory = 65536

// shapes are the functions' parameters: v a value, p a guest pointer, l
// the length or limit that goes with it.
var shapes = map[string]string{
	httpwasm.FuncEnableFeatures:     "v",
	httpwasm.FuncGetConfig:          "pl",
	httpwasm.FuncLog:                "vpl",
	httpwasm.FuncLogEnabled:         "v",
	httpwasm.FuncGetMethod:          "pl",
	httpwasm.FuncSetMethod:          "pl",
	httpwasm.FuncGetURI:             "pl",
	httpwasm.FuncSetURI:             "pl",
	httpwasm.FuncGetProtocolVersion: "pl",
	httpwasm.FuncGetSourceAddr:      "pl",
	httpwasm.FuncGetHeaderNames:     "vpl",
	httpwasm.FuncGetHeaderValues:    "vplpl",
	httpwasm.FuncSetHeaderValue:     "vplpl",
	httpwasm.FuncAddHeaderValue:     "vplpl",
	httpwasm.FuncRemoveHeader:       "vpl",
	httpwasm.FuncReadBody:           "vpl",
	httpwasm.FuncWriteBody:          "vpl",
	httpwasm.FuncGetStatusCode:      "",
	httpwasm.FuncSetStatusCode:      "v",
}

func TestShapesCoverTheTable(t *testing.T) {
	funcs := httpwasm.Funcs()
	if len(shapes) != len(funcs) {
		t.Fatalf("%d shapes for %d functions", len(shapes), len(funcs))
	}
	for _, f := range funcs {
		if s, ok := shapes[f.Name]; !ok || len(s) != len(f.Params) {
			t.Errorf("%s: shape %q for %d parameters", f.Name, s, len(f.Params))
		}
	}
}

// phases the fuzzed call is made in: start-up, handle_request,
// handle_response.
const (
	inStartup = iota
	inRequest
	inResponse
	numPhases
)

func fuzzCall(data []byte) (httpwasm.Func, int, []uint32) {
	var fn, phase byte
	if len(data) > 0 {
		fn = data[0]
	}
	if len(data) > 1 {
		phase = data[1]
	}
	funcs := httpwasm.Funcs()
	f := funcs[int(fn)%len(funcs)]
	args := make([]uint32, len(f.Params))
	rest := data[min(len(data), 2):]
	for i := range args {
		if len(rest) >= 4 {
			args[i] = binary.LittleEndian.Uint32(rest)
			rest = rest[4:]
		}
	}
	return f, int(phase) % numPhases, args
}

// fuzzGuest is an http-wasm guest that makes one call of f with args in
// the given phase and drops its result; it enables buffer_response at
// start-up, so that the response body can be read too.
func fuzzGuest(f httpwasm.Func, phase int, args []uint32) []byte {
	types := func(n int) []byte { return []byte(strings.Repeat(string(wasmtest.I32), n)) }
	// wazero's value types are the binary format's bytes.
	results := make([]byte, len(f.Results))
	for i, r := range f.Results {
		results[i] = r
	}
	imports := []wasmtest.Import{
		{Module: httpwasm.ModuleName, Name: f.Name, Type: wasmtest.FuncType{Params: types(len(args)), Results: results}},
		{Module: httpwasm.ModuleName, Name: httpwasm.FuncEnableFeatures, Type: wasmtest.FuncType{Params: types(1), Results: types(1)}},
	}
	var call []byte
	for _, a := range args {
		call = append(call, wasmtest.Const(int32(a))...)
	}
	call = append(call, wasmtest.Call(0)...)
	if len(f.Results) > 0 {
		call = append(call, wasmtest.OpDrop)
	}
	enable := append(wasmtest.Const(int32(httpwasm.FeatureBufferResponse)), wasmtest.Call(1)...)
	enable = append(enable, wasmtest.OpDrop)
	next := []byte{0x42, 0x01} // i64.const 1
	startup, request, response := enable, next, []byte(nil)
	switch phase {
	case inStartup:
		startup = append(startup, call...)
	case inRequest:
		request = append(call, next...)
	case inResponse:
		response = call
	}
	m := &wasmtest.Module{
		Imports:     imports,
		MemoryPages: 1,
		Funcs: []wasmtest.Func{
			{Type: wasmtest.Void, Body: startup, Export: "_initialize"},
			{Type: wasmtest.FuncType{Results: []byte{wasmtest.I64}}, Body: request, Export: httpwasm.ExportHandleRequest},
			{Type: wasmtest.FuncType{Params: types(2)}, Body: response, Export: httpwasm.ExportHandleResponse},
		},
	}
	return m.Encode()
}

// inBounds reports whether every (pointer, length) pair of the call lies
// in the guest's memory.
func inBounds(shape string, args []uint32) bool {
	for i := 0; i+1 < len(shape); i++ {
		if shape[i] == 'p' && uint64(args[i])+uint64(args[i+1]) > fuzzMemory {
			return false
		}
	}
	return true
}

// documented are the traps the dialect may raise for a call whose
// pointers are in bounds.
var documented = []error{httpwasm.ErrOutsideRequest, httpwasm.ErrAfterNext, httpwasm.ErrNotBuffered,
	httpwasm.ErrTooLarge, httpwasm.ErrTrailers, httpwasm.ErrInvalid}

func isDocumented(err error) bool {
	for _, d := range documented {
		if errors.Is(err, d) {
			return true
		}
	}
	return false
}

// FuzzHostCall calls one host function with arguments from the fuzzer, at
// start-up, in handle_request or in handle_response. A call with a pointer
// out of bounds must trap with the host's bounds error, in every phase; a
// call whose pointers are in bounds must succeed or trap with one of the
// dialect's documented errors, never the bounds error, and never crash
// the host.
func FuzzHostCall(f *testing.F) {
	seed := func(fn int, phase byte, args ...uint32) []byte {
		b := []byte{byte(fn), phase}
		for _, a := range args {
			b = binary.LittleEndian.AppendUint32(b, a)
		}
		return b
	}
	for i, fn := range httpwasm.Funcs() {
		n := len(fn.Params)
		valid, hostile := make([]uint32, n), make([]uint32, n)
		for j := range valid {
			valid[j], hostile[j] = 64, 0xFFFFFFF0
		}
		for phase := range byte(numPhases) {
			f.Add(seed(i, phase, valid...))
			f.Add(seed(i, phase, hostile...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fn, phase, args := fuzzCall(data)
		ok := inBounds(shapes[fn.Name], args)
		filter, err := filtertest.Engine(t).Load(context.Background(), filters.Config{Name: "fuzz",
			Wasm: fuzzGuest(fn, phase, args), MemoryLimit: fuzzMemory, Timeout: filtertest.PatientTimeout})
		if err != nil {
			if phase != inStartup || ok && !isDocumented(err) || !ok && !errors.Is(err, host.ErrGuestPointer) {
				t.Fatalf("%s%v at start-up (pointers in bounds: %v): load error %v", fn.Name, args, ok, err)
			}
			return
		}
		defer filter.Close(context.Background())
		chain := pipeline.New([]pipeline.Stage{{Filter: filter}}, pipeline.Options{})
		req := probeRequest(http.MethodPost, "/", "fuzz", "a request body")
		_, err = serve(chain, &route{}, req)
		switch {
		case err == nil:
			if !ok && phase != inStartup {
				t.Fatalf("%s%v: a pointer out of bounds did not trap", fn.Name, args)
			}
			if !ok && phase == inStartup {
				t.Fatalf("%s%v: a pointer out of bounds at start-up loaded", fn.Name, args)
			}
		case !ok:
			if !errors.Is(err, host.ErrGuestPointer) {
				t.Fatalf("%s%v: a pointer out of bounds failed with %v, want the bounds error", fn.Name, args, err)
			}
		case !isDocumented(err):
			t.Fatalf("%s%v (pointers in bounds): %v is not a documented trap", fn.Name, args, err)
		}
		if s := filter.Stats(); s.Busy != 0 {
			t.Fatalf("%s%v: stats %+v after the request", fn.Name, args, s)
		}
	})
}
