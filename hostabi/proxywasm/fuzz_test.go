package proxywasm_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/internal/wasmtest"
	"github.com/gojinn/gojinn/pipeline"
)

// fuzzMemory is the fuzzed guest's memory: one page, never grown.
const fuzzMemory = 65536

// allocAt is where the fuzzed guest's allocator puts whatever the host
// returns: far enough from 0 that a null pointer stays null, with room
// for the small request the fuzz sends.
const allocAt = 32768

// shapes are the implemented functions' parameters: v a value, w a
// 64-bit value, p a guest pointer and l the length that goes with it, o a
// pointer to 4 bytes the host writes, 8 a pointer to 8 bytes. The
// unimplemented functions read nothing.
var shapes = map[string]string{
	proxywasm.FuncDone:                  "",
	proxywasm.FuncSetEffectiveContext:   "v",
	proxywasm.FuncLog:                   "vpl",
	proxywasm.FuncGetLogLevel:           "o",
	proxywasm.FuncGetCurrentTimeNanos:   "8",
	proxywasm.FuncSetTickPeriod:         "v",
	proxywasm.FuncSetBufferBytes:        "vvvpl",
	proxywasm.FuncGetBufferBytes:        "vvvoo",
	proxywasm.FuncGetBufferStatus:       "voo",
	proxywasm.FuncGetHeaderMapSize:      "vo",
	proxywasm.FuncGetHeaderMapPairs:     "voo",
	proxywasm.FuncSetHeaderMapPairs:     "vpl",
	proxywasm.FuncGetHeaderMapValue:     "vploo",
	proxywasm.FuncAddHeaderMapValue:     "vplpl",
	proxywasm.FuncReplaceHeaderMapValue: "vplpl",
	proxywasm.FuncRemoveHeaderMapValue:  "vpl",
	proxywasm.FuncContinueStream:        "v",
	proxywasm.FuncCloseStream:           "v",
	proxywasm.FuncSendLocalResponse:     "vplplplv",
	proxywasm.FuncSetSharedData:         "plplv",
	proxywasm.FuncGetSharedData:         "plooo",
	proxywasm.FuncDefineMetric:          "vplo",
	proxywasm.FuncRecordMetric:          "vw",
	proxywasm.FuncIncrementMetric:       "vw",
	proxywasm.FuncGetMetric:             "v8",
	proxywasm.FuncGetProperty:           "ploo",
}

func shapeOf(f proxywasm.Func) string {
	if f.Unimplemented {
		return strings.Repeat("v", len(f.Params))
	}
	return shapes[f.Name]
}

func TestShapesCoverTheTable(t *testing.T) {
	n := 0
	for _, f := range proxywasm.Funcs() {
		if f.Unimplemented {
			continue
		}
		n++
		if s, ok := shapes[f.Name]; !ok || len(s) != len(f.Params) {
			t.Errorf("%s: shape %q for %d parameters", f.Name, s, len(f.Params))
		}
	}
	if n != len(shapes) {
		t.Fatalf("%d shapes for %d implemented functions", len(shapes), n)
	}
}

// Callbacks the fuzzed call is made in.
const (
	inConfigure = iota
	inRequestHeaders
	inResponseHeaders
	inLog
	numPhases
)

func fuzzCall(data []byte) (proxywasm.Func, int, []uint64) {
	var fn, phase byte
	if len(data) > 0 {
		fn = data[0]
	}
	if len(data) > 1 {
		phase = data[1]
	}
	funcs := proxywasm.Funcs()
	f := funcs[int(fn)%len(funcs)]
	args := make([]uint64, len(f.Params))
	rest := data[min(len(data), 2):]
	for i := range args {
		if len(rest) >= 4 {
			args[i] = uint64(binary.LittleEndian.Uint32(rest))
			rest = rest[4:]
		}
	}
	return f, int(phase) % numPhases, args
}

func sleb64(v int64) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// fuzzGuest is a Proxy-Wasm guest that makes one call of f with args in
// the given callback and drops its result.
func fuzzGuest(f proxywasm.Func, phase int, args []uint64) []byte {
	i32 := wasmtest.I32
	var params []byte
	for _, p := range f.Params {
		params = append(params, p) // wazero's value types are the binary format's bytes
	}
	var call []byte
	for i, a := range args {
		if f.Params[i] == wasmtest.I64 {
			call = append(append(call, 0x42), sleb64(int64(a))...)
		} else {
			call = append(call, wasmtest.Const(int32(uint32(a)))...)
		}
	}
	call = append(append(call, wasmtest.Call(0)...), wasmtest.OpDrop)
	bodies := make([][]byte, numPhases)
	bodies[phase] = call
	one, two, three := []byte{i32}, []byte{i32, i32}, []byte{i32, i32, i32}
	m := &wasmtest.Module{
		Imports:     []wasmtest.Import{{Module: proxywasm.ModuleName, Name: f.Name, Type: wasmtest.FuncType{Params: params, Results: one}}},
		MemoryPages: 1,
		Funcs: []wasmtest.Func{
			{Type: wasmtest.Void, Export: proxywasm.ExportABIVersion021},
			{Type: wasmtest.FuncType{Params: one, Results: one}, Body: wasmtest.Const(allocAt), Export: proxywasm.ExportMemoryAllocate},
			{Type: wasmtest.FuncType{Params: two}, Export: proxywasm.ExportOnContextCreate},
			{Type: wasmtest.FuncType{Params: two, Results: one}, Body: append(bodies[inConfigure], wasmtest.Const(1)...),
				Export: proxywasm.ExportOnConfigure},
			{Type: wasmtest.FuncType{Params: three, Results: one}, Body: append(bodies[inRequestHeaders], wasmtest.Const(0)...),
				Export: proxywasm.ExportOnRequestHeaders},
			{Type: wasmtest.FuncType{Params: three, Results: one}, Body: append(bodies[inResponseHeaders], wasmtest.Const(0)...),
				Export: proxywasm.ExportOnResponseHeaders},
			{Type: wasmtest.FuncType{Params: one}, Body: bodies[inLog], Export: proxywasm.ExportOnLog},
		},
	}
	return m.Encode()
}

// inBounds reports whether every guest pointer of the call lies in the
// guest's memory.
func inBounds(shape string, args []uint64) bool {
	for i := range len(shape) {
		var n uint64
		switch shape[i] {
		case 'p':
			n = args[i+1]
		case 'o':
			n = 4
		case '8':
			n = 8
		default:
			continue
		}
		if args[i]+n > fuzzMemory {
			return false
		}
	}
	return true
}

// FuzzHostCall calls one host function with arguments from the fuzzer, in
// proxy_on_configure, proxy_on_request_headers, proxy_on_response_headers
// or proxy_on_log. A call with a pointer out of bounds must trap with the
// host's bounds error; a call whose pointers are in bounds must not trap
// at all (the ABI answers with a status; proxy_close_stream fails the
// request), and never crash the host.
func FuzzHostCall(f *testing.F) {
	seed := func(fn int, phase byte, args ...uint32) []byte {
		b := []byte{byte(fn), phase}
		for _, a := range args {
			b = binary.LittleEndian.AppendUint32(b, a)
		}
		return b
	}
	for i, fn := range proxywasm.Funcs() {
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
	// Shared data on a memory store, so that its functions run.
	mem, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		f.Fatal(err)
	}
	stores := host.KVStores{filters.DefaultSharedDataStore: {Name: filters.DefaultSharedDataStore, Store: mem}}
	f.Fuzz(func(t *testing.T, data []byte) {
		fn, phase, args := fuzzCall(data)
		ok := inBounds(shapeOf(fn), args)
		filter, err := filtertest.Engine(t).Load(context.Background(), filters.Config{Name: "fuzz",
			Wasm: fuzzGuest(fn, phase, args), MemoryLimit: fuzzMemory, Timeout: filtertest.PatientTimeout,
			KVStores: stores})
		if err != nil {
			if phase != inConfigure || ok || !errors.Is(err, host.ErrGuestPointer) {
				t.Fatalf("%s%v in callback %d (pointers in bounds: %v): load error %v", fn.Name, args, phase, ok, err)
			}
			return
		}
		defer filter.Close(context.Background())
		if !ok && phase == inConfigure {
			t.Fatalf("%s%v: a pointer out of bounds at start-up loaded", fn.Name, args)
		}
		chain := pipeline.New([]pipeline.Stage{{Filter: filter}}, pipeline.Options{})
		req := httptest.NewRequest(http.MethodPost, "/fuzz?q=1", strings.NewReader("a request body"))
		req.Header.Set("X-Fuzz", "1")
		rec := httptest.NewRecorder()
		err = chain.Serve(rec, req, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("X-Route", "r")
			_, _ = w.Write([]byte("route body"))
			return nil
		}, nil)
		switch {
		case err == nil && !ok && phase != inConfigure:
			t.Fatalf("%s%v: a pointer out of bounds did not trap", fn.Name, args)
		case err != nil && !ok && !errors.Is(err, host.ErrGuestPointer):
			t.Fatalf("%s%v: a pointer out of bounds failed with %v, want the bounds error", fn.Name, args, err)
		case err != nil && ok && fn.Name == proxywasm.FuncCloseStream && errors.Is(err, filters.ErrBadAction):
			// Closing the stream (an HTTP reset in Envoy) fails the
			// request.
		case err != nil && ok:
			t.Fatalf("%s%v in callback %d (pointers in bounds): %v", fn.Name, args, phase, err)
		}
		if s := filter.Stats(); s.Busy != 0 {
			t.Fatalf("%s%v: stats %+v after the request", fn.Name, args, s)
		}
	})
}
