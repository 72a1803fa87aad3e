package host

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/jsonwalk"
	"github.com/tetratelabs/wazero/api"
)

// flatMemory is a guest memory for calling handlers directly: Read is
// all that they use of it.
type flatMemory struct {
	api.Memory
	b []byte
}

func (m *flatMemory) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(m.b)) {
		return nil, false
	}
	return m.b[off : off+n : off+n], true
}

// bodyExchange serves bodies and nothing else.
type bodyExchange struct {
	Exchange
	body map[hostabi.Kind][]byte
	err  error
}

func (e *bodyExchange) Body(k hostabi.Kind) ([]byte, error) { return e.body[k], e.err }

// The guest memory of these tests: the input at inAt, the output at outAt.
const (
	inAt  = 0
	outAt = 1 << 13
)

func callJSONGet(b *Binding, mem *flatMemory, kind uint64, path string, limit uint64) int32 {
	copy(mem.b[inAt:], path)
	stack := []uint64{kind, inAt, uint64(len(path)), outAt, limit}
	jsonGet(b, mem, stack)
	return int32(uint32(stack[0]))
}

func TestJSONGet(t *testing.T) {
	doc := `{"user":{"name":"Ann \u0041","age":41,"ok":true,"no":false,"nil":null,"tags":["a","b"],"o":{"k":1}},"a.b":2}`
	tests := []struct {
		name  string
		body  string
		kind  uint64
		phase hostabi.Phase
		path  string
		limit uint64
		want  int32
		value string // the bytes written, when they fit
	}{
		{"string, decoded", doc, 0, hostabi.PhaseRequest, "user.name", 64, 6, "\x05Ann A"},
		{"number", doc, 0, hostabi.PhaseRequest, "user.age", 64, 3, "\x0441"},
		{"true", doc, 0, hostabi.PhaseRequest, "user.ok", 64, 5, "\x03true"},
		{"false", doc, 0, hostabi.PhaseRequest, "user.no", 64, 6, "\x02false"},
		{"null", doc, 0, hostabi.PhaseRequest, "user.nil", 64, 5, "\x01null"},
		{"array", doc, 0, hostabi.PhaseRequest, "user.tags", 64, 10, "\x06[\"a\",\"b\"]"},
		{"object", doc, 0, hostabi.PhaseRequest, "user.o", 64, 8, "\x07{\"k\":1}"},
		{"array element", doc, 0, hostabi.PhaseRequest, "user.tags.1", 64, 2, "\x05b"},
		{"count", doc, 0, hostabi.PhaseRequest, "user.tags.#", 64, 2, "\x042"},
		{"escaped dot", doc, 0, hostabi.PhaseRequest, `a\.b`, 64, 2, "\x042"},
		{"response body", doc, 1, hostabi.PhaseResponse, "user.age", 64, 3, "\x0441"},
		{"too small: the length, nothing written", doc, 0, hostabi.PhaseRequest, "user.name", 5, 6, ""},
		{"zero limit", doc, 0, hostabi.PhaseRequest, "user.age", 0, 3, ""},
		{"missing", doc, 0, hostabi.PhaseRequest, "user.nope", 64, hostabi.ErrNotFound, ""},
		{"through a string", doc, 0, hostabi.PhaseRequest, "user.name.x", 64, hostabi.ErrNotFound, ""},
		{"modifier", doc, 0, hostabi.PhaseRequest, "user.tags|@reverse", 64, hostabi.ErrInvalid, ""},
		{"escaped @ is a name", `{"@x":1}`, 0, hostabi.PhaseRequest, `\@x`, 64, 2, "\x041"},
		{"empty path", doc, 0, hostabi.PhaseRequest, "", 64, hostabi.ErrInvalid, ""},
		{"path over the limit", doc, 0, hostabi.PhaseRequest, strings.Repeat("a", hostabi.MaxJSONPathLen+1), 64, hostabi.ErrInvalid, ""},
		{"path at the limit", doc, 0, hostabi.PhaseRequest, strings.Repeat("a", hostabi.MaxJSONPathLen), 64, hostabi.ErrNotFound, ""},
		{"not JSON", `{"a":1,}`, 0, hostabi.PhaseRequest, "a", 64, hostabi.ErrInvalid, ""},
		{"valid prefix, trailing bytes", `{"a":1} x`, 0, hostabi.PhaseRequest, "a", 64, hostabi.ErrInvalid, ""},
		{"empty body", ``, 0, hostabi.PhaseRequest, "a", 64, hostabi.ErrInvalid, ""},
		{"too deep", strings.Repeat("[", hostabi.MaxJSONDepth+1) + strings.Repeat("]", hostabi.MaxJSONDepth+1),
			0, hostabi.PhaseRequest, "0", 64, hostabi.ErrTooLarge, ""},
		{"unknown kind", doc, 2, hostabi.PhaseRequest, "user.age", 64, hostabi.ErrInvalid, ""},
		{"configure", doc, 0, hostabi.PhaseConfigure, "user.age", 64, hostabi.ErrPhase, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.Kind(tt.kind): []byte(tt.body)}}
			b := &Binding{Exchange: ex, Phase: tt.phase}
			mem := &flatMemory{b: bytes.Repeat([]byte{0xAA}, 2*outAt)}
			got := callJSONGet(b, mem, tt.kind, tt.path, tt.limit)
			if got != tt.want {
				t.Fatalf("json_get = %d, want %d", got, tt.want)
			}
			written := mem.b[outAt : outAt+len(tt.value)]
			if string(written) != tt.value {
				t.Errorf("wrote %q, want %q", written, tt.value)
			}
			if c := mem.b[outAt+len(tt.value)]; c != 0xAA {
				t.Errorf("wrote past the value: %#x", c)
			}
		})
	}
}

func TestJSONGetBodyError(t *testing.T) {
	b := &Binding{Exchange: &bodyExchange{err: ErrBodyTooLarge}, Phase: hostabi.PhaseRequest}
	mem := &flatMemory{b: make([]byte, 2*outAt)}
	if got := callJSONGet(b, mem, 0, "a", 16); got != hostabi.ErrTooLarge {
		t.Fatalf("json_get on a body over the limit = %d", got)
	}
}

// leafRecord is one json_leaves record, decoded.
type leafRecord struct {
	typ         hostabi.JSONType
	off, n      uint32
	path, value string
}

func (r leafRecord) String() string {
	return fmt.Sprintf("%d %s=%s @%d+%d", r.typ, r.path, r.value, r.off, r.n)
}

// parseRecords decodes json_leaves output; it fails on a partial record.
func parseRecords(t *testing.T, b []byte) []leafRecord {
	t.Helper()
	var out []leafRecord
	for len(b) > 0 {
		if len(b) < hostabi.JSONLeafHeaderLen {
			t.Fatalf("a partial record header: %q", b)
		}
		u := func(i int) uint32 { return binary.LittleEndian.Uint32(b[1+4*i:]) }
		r := leafRecord{typ: hostabi.JSONType(b[0]), off: u(0), n: u(1)}
		pl, vl := int(u(2)), int(u(3))
		rest := b[hostabi.JSONLeafHeaderLen:]
		if len(rest) < pl+vl {
			t.Fatalf("a partial record: %q", b)
		}
		r.path, r.value = string(rest[:pl]), string(rest[pl:pl+vl])
		out = append(out, r)
		b = rest[pl+vl:]
	}
	return out
}

// walkLeaves walks kind's body with json_leaves in pieces of limit bytes,
// growing the buffer as the host asks, and returns the records.
func walkLeaves(t *testing.T, b *Binding, mem *flatMemory, kind uint64, limit uint64) ([]leafRecord, int32) {
	t.Helper()
	var all []leafRecord
	cursor := uint32(0)
	for range 10000 {
		stack := []uint64{kind, uint64(cursor), outAt, limit}
		jsonLeaves(b, mem, stack)
		n := int32(uint32(stack[0]))
		switch {
		case n < 0:
			return all, n
		case n == 0:
			return all, 0
		case uint64(n) > limit:
			limit = uint64(n) // one record larger than the buffer
			continue
		}
		recs := parseRecords(t, mem.b[outAt:outAt+int(n)])
		all = append(all, recs...)
		cursor += uint32(len(recs))
	}
	t.Fatal("the walk did not end")
	return nil, 0
}

func TestJSONLeaves(t *testing.T) {
	doc := `{"a":[1,"two",{"b\"c":null}],"d":true,"e":"` + strings.Repeat("x", 100) + `"}`
	want := []string{
		"8 a=a @1+3", "4 a.0=1 @6+1", "5 a.1=two @8+5", `8 a.2.b\"c=b"c @15+6`, `1 a.2.b\"c=null @22+4`,
		"8 d=d @29+3", "3 d=true @33+4", "8 e=e @38+3", "5 e=" + strings.Repeat("x", 100) + " @42+102",
	}
	for _, limit := range []uint64{0, 1, 17, 30, 64, 200, 4096} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			ex := &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.KindResponse: []byte(doc)}}
			b := &Binding{Exchange: ex, Phase: hostabi.PhaseResponse}
			mem := &flatMemory{b: make([]byte, 2*outAt)}
			recs, r := walkLeaves(t, b, mem, 1, limit)
			if r != 0 {
				t.Fatalf("the walk ended with %d", r)
			}
			var got []string
			for _, rec := range recs {
				got = append(got, rec.String())
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("\n got  %q\n want %q", got, want)
			}
		})
	}
}

// TestJSONLeavesCursor: a cursor that is not where the last call stopped
// walks from the start, and a body changed in place is walked afresh, so
// the records depend on the cursor and the bytes alone.
func TestJSONLeavesCursor(t *testing.T) {
	body := []byte(`[10,20,30,40]`)
	ex := &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.KindRequest: body}}
	b := &Binding{Exchange: ex, Phase: hostabi.PhaseRequest}
	mem := &flatMemory{b: make([]byte, 2*outAt)}
	at := func(cursor uint32) string {
		stack := []uint64{0, uint64(cursor), outAt, hostabi.JSONLeafHeaderLen + 7} // room for one record
		jsonLeaves(b, mem, stack)
		n := int32(uint32(stack[0]))
		if n <= 0 {
			return fmt.Sprint(n)
		}
		return parseRecords(t, mem.b[outAt:outAt+int(n)])[0].value
	}
	steps := []struct {
		cursor uint32
		want   string
	}{{0, "10"}, {1, "20"}, {3, "40"}, {2, "30"}, {3, "40"}, {4, "0"}, {4, "0"}, {9, "0"}, {1, "20"}}
	for _, s := range steps {
		if got := at(s.cursor); got != s.want {
			t.Errorf("cursor %d: %s, want %s", s.cursor, got, s.want)
		}
	}
	at(0)
	copy(body, `[1,222,3,4,5]`) // the same buffer and length, other bytes
	if got := at(1); got != "222" {
		t.Errorf("after the body changed in place, cursor 1 gives %s", got)
	}
}

func TestJSONLeavesErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		kind  uint64
		phase hostabi.Phase
		err   error
		want  int32
	}{
		{"not JSON", `{"a":}`, 0, hostabi.PhaseRequest, nil, hostabi.ErrInvalid},
		{"NDJSON is several documents", "{}\n{}", 0, hostabi.PhaseRequest, nil, hostabi.ErrInvalid},
		{"too deep", strings.Repeat("[", 1<<20), 0, hostabi.PhaseRequest, nil, hostabi.ErrTooLarge},
		{"over the body limit", "", 0, hostabi.PhaseRequest, ErrBodyTooLarge, hostabi.ErrTooLarge},
		{"not held", "", 0, hostabi.PhaseResponse, ErrNotBuffered, hostabi.ErrPhase},
		{"unknown kind", `[]`, 7, hostabi.PhaseRequest, nil, hostabi.ErrInvalid},
		{"configure", `[]`, 0, hostabi.PhaseConfigure, nil, hostabi.ErrPhase},
		{"no leaves", ` [ ] `, 0, hostabi.PhaseRequest, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.Kind(tt.kind): []byte(tt.body)}, err: tt.err}
			b := &Binding{Exchange: ex, Phase: tt.phase}
			mem := &flatMemory{b: bytes.Repeat([]byte{0xAA}, 2*outAt)}
			stack := []uint64{tt.kind, 0, outAt, 64}
			jsonLeaves(b, mem, stack)
			if got := int32(uint32(stack[0])); got != tt.want {
				t.Fatalf("json_leaves = %d, want %d", got, tt.want)
			}
			if !bytes.Equal(mem.b[outAt:outAt+80], bytes.Repeat([]byte{0xAA}, 80)) {
				t.Error("the buffer was written")
			}
		})
	}
}

// FuzzJSON calls json_get and walks json_leaves over fuzzed bodies,
// paths and buffer sizes: the host never panics nor writes past the
// buffer, answers only documented results, and a walk in pieces yields
// the whole document's leaves.
func FuzzJSON(f *testing.F) {
	for _, s := range []struct{ body, path string }{
		{`{"a":{"b":[1,"x",null]}}`, "a.b.1"}, {`[` + strings.Repeat(`{"k":"v"},`, 50) + `0]`, "#.k"},
		{`{"a":"\ud83d\ude00\u0000"}`, "a"}, {strings.Repeat("[", 600), "0"}, {`{"a":1}{"a":2}`, "..a"},
		{`{"a":[{"b":1},{"b":2}]}`, "a.#(b>1).b"}, {`{"x":"y"`, "x"},
	} {
		f.Add([]byte(s.body), s.path, uint16(40))
	}
	f.Fuzz(func(t *testing.T, body []byte, path string, limit uint16) {
		if len(path) > 2*outAt-1 || len(body) > 1<<16 {
			return
		}
		ex := &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.KindRequest: body}}
		b := &Binding{Exchange: ex, Phase: hostabi.PhaseRequest}
		mem := &flatMemory{b: make([]byte, outAt+int(limit)+16+(1<<20))}
		guard := func(from int) {
			for i, c := range mem.b[from : outAt+int(limit)+16] {
				if c != 0xAA {
					t.Fatalf("byte %d past the result was written", i)
				}
			}
		}
		fill := func() {
			for i := outAt; i < outAt+int(limit)+16; i++ {
				mem.b[i] = 0xAA
			}
		}
		fill()
		mem.b = mem.b[:max(len(path), outAt+int(limit)+16)]
		got := callJSONGet(b, mem, 0, path, uint64(limit))
		switch {
		case got > 0 && int(got) <= int(limit):
			guard(outAt + int(got))
		case got >= 0 || got == hostabi.ErrNotFound || got == hostabi.ErrInvalid || got == hostabi.ErrTooLarge:
			guard(outAt)
		default:
			t.Fatalf("json_get = %d", got)
		}
		valid := jsonwalk.Valid(body) == nil
		if got == hostabi.ErrInvalid && valid && len(path) > 0 && len(path) <= hostabi.MaxJSONPathLen && !hasModifier([]byte(path)) {
			t.Fatalf("json_get refused a valid body")
		}
		mem.b = mem.b[:cap(mem.b)]
		recs, r := walkLeaves(t, b, mem, 0, uint64(limit))
		if !valid {
			if r != hostabi.ErrInvalid && r != hostabi.ErrTooLarge {
				t.Fatalf("json_leaves on a bad body ended with %d", r)
			}
			return
		}
		var w jsonwalk.Walker
		w.Reset(body)
		for {
			if _, ok := w.Next(); !ok {
				break
			}
		}
		if r != 0 || len(recs) != w.Count() {
			t.Fatalf("the walk ended with %d after %d records, the document has %d leaves", r, len(recs), w.Count())
		}
	})
}
