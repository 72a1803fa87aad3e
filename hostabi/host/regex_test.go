package host

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

// regexExchange serves a request's URI, headers and body.
type regexExchange struct {
	bodyExchange
	req *http.Request
	uri string
}

func (e *regexExchange) Request() *http.Request            { return e.req }
func (e *regexExchange) URI() string                       { return e.uri }
func (e *regexExchange) Header(k hostabi.Kind) http.Header { return e.req.Header }

func compileRegex(t *testing.T, b *Binding, mem *flatMemory, list string) int32 {
	t.Helper()
	copy(mem.b[inAt:], list)
	stack := []uint64{inAt, uint64(len(list))}
	regexCompile(b, mem, stack)
	return int32(uint32(stack[0]))
}

func TestRegexCompile(t *testing.T) {
	tests := []struct {
		name  string
		list  string
		phase hostabi.Phase
		want  int32
	}{
		{"one", `^/api/v[0-9]+/`, hostabi.PhaseConfigure, 0},
		{"a set", "a\x00b+\x00(?i)c", hostabi.PhaseConfigure, 0},
		{"empty matches everything", "", hostabi.PhaseConfigure, 0},
		{"bad syntax", `a(b`, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"backreference (not RE2)", `(a)\1`, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"repeat too large", `a{1001}`, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"expression too long", strings.Repeat("a", hostabi.MaxRegexLen+1), hostabi.PhaseConfigure, hostabi.ErrTooLarge},
		{"too many expressions", strings.Repeat("a\x00", hostabi.MaxRegexPatterns), hostabi.PhaseConfigure, hostabi.ErrTooLarge},
		{"most expressions", strings.Repeat("a\x00", hostabi.MaxRegexPatterns-1) + "a", hostabi.PhaseConfigure, 0},
		{"request phase", "a", hostabi.PhaseRequest, hostabi.ErrPhase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Binding{Phase: tt.phase}
			mem := &flatMemory{b: make([]byte, 1<<20)}
			if got := compileRegex(t, b, mem, tt.list); got != tt.want {
				t.Fatalf("regex_compile = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("too many sets", func(t *testing.T) {
		b := &Binding{Phase: hostabi.PhaseConfigure}
		mem := &flatMemory{b: make([]byte, 1<<16)}
		for i := range hostabi.MaxRegexSets {
			if got := compileRegex(t, b, mem, "a"); got != int32(i) {
				t.Fatalf("set %d: handle %d", i, got)
			}
		}
		if got := compileRegex(t, b, mem, "a"); got != hostabi.ErrTooLarge {
			t.Fatalf("one set too many: %d", got)
		}
	})
}

func TestRegexMatchAndFind(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	req.Header["X-Id"] = []string{"abc-123", "def"}
	ex := &regexExchange{req: req, uri: "/api/v2/users?id=7",
		bodyExchange: bodyExchange{body: map[hostabi.Kind][]byte{hostabi.KindRequest: []byte(`{"q":"1 UNION SELECT x"}`)}}}
	const (
		bytesT  = uint64(hostabi.RegexBytes)
		bodyT   = uint64(hostabi.RegexBody)
		headerT = uint64(hostabi.RegexHeader)
		uriT    = uint64(hostabi.RegexURI)
	)
	tests := []struct {
		name         string
		regex        uint64
		target, kind uint64
		data         string
		phase        hostabi.Phase
		match        string // the ids regex_match writes, "," joined, or a result
		find         string // id,start,end of regex_find, or a result
	}{
		{"bytes", 0, bytesT, 0, "see /api/v10/x", hostabi.PhaseRequest, "1", "1,9,13"},
		{"bytes, none", 0, bytesT, 0, "nothing", hostabi.PhaseRequest, "", "-1"},
		{"bytes in configure", 0, bytesT, 0, "v1/", hostabi.PhaseConfigure, "1", "1,0,3"},
		{"leftmost wins, then the lower id", 0, bytesT, 0, "/api/v1/", hostabi.PhaseRequest, "0,1", "0,0,5"},
		{"body", 1, bodyT, 0, "", hostabi.PhaseRequest, "0", "0,8,20"},
		{"header, values NUL-separated", 2, headerT, 0, "x-id", hostabi.PhaseRequest, "0,1", "0,0,4"},
		{"missing header", 2, headerT, 0, "X-None", hostabi.PhaseRequest, "-1", "-1"},
		{"Host reads as a header", 3, headerT, 0, "Host", hostabi.PhaseRequest, "0", "0,0,11"},
		{"bad header name", 2, headerT, 0, "a b", hostabi.PhaseRequest, "-2", "-2"},
		{"URI", 0, uriT, 0, "", hostabi.PhaseRequest, "0,1", "0,0,5"},
		{"URI of the response", 0, uriT, 1, "", hostabi.PhaseRequest, "-2", "-2"},
		{"message in configure", 0, uriT, 0, "", hostabi.PhaseConfigure, "-4", "-4"},
		{"unknown target", 0, 9, 0, "", hostabi.PhaseRequest, "-2", "-2"},
		{"unknown kind", 0, bodyT, 5, "", hostabi.PhaseRequest, "-2", "-2"},
		{"unknown handle", 9, bytesT, 0, "", hostabi.PhaseRequest, "-1", "-1"},
		{"negative handle", 0xFFFFFFFF, bytesT, 0, "", hostabi.PhaseRequest, "-1", "-1"},
		{"past the work limit", 4, bytesT, 0, strings.Repeat("a", 1<<19), hostabi.PhaseRequest, "-3", "-3"},
	}
	b := &Binding{Phase: hostabi.PhaseConfigure}
	mem := &flatMemory{b: make([]byte, 2<<20)}
	for _, list := range []string{"^/api/\x00v[0-9]+/", `(?i)union\s+select`, "^abc-\x00\\x00def$", `^example\.com$`,
		strings.Repeat("(a|b)*c", 500)} {
		if h := compileRegex(t, b, mem, list); h < 0 {
			t.Fatalf("compiling %q: %d", list, h)
		}
	}
	b.Exchange = ex
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Phase = tt.phase
			call := func(fn func(*Binding, *flatMemory, []uint64), limit uint64) (int32, []byte) {
				copy(mem.b[inAt:], tt.data)
				for i := range 64 {
					mem.b[outAt<<6+i] = 0xAA
				}
				stack := []uint64{tt.regex, tt.target, tt.kind, inAt, uint64(len(tt.data)), outAt << 6, limit}
				fn(b, mem, stack)
				return int32(uint32(stack[0])), mem.b[outAt<<6 : outAt<<6+64]
			}
			match := func(b *Binding, m *flatMemory, s []uint64) { regexMatch(b, m, s) }
			find := func(b *Binding, m *flatMemory, s []uint64) { regexFind(b, m, s) }
			if got := report(call(match, 64)); got != tt.match {
				t.Errorf("regex_match: %s, want %s", got, tt.match)
			}
			if got := report(call(find, 64)); got != tt.find {
				t.Errorf("regex_find: %s, want %s", got, tt.find)
			}
			if n, out := call(find, 11); n > 0 && (n != 12 || out[0] != 0xAA) {
				t.Errorf("regex_find with 11 bytes: %d, wrote %#x", n, out[0])
			}
		})
	}
}

// report is a regex result as the table spells it: the u32s written,
// ","-joined, or the negative result.
func report(n int32, out []byte) string {
	if n < 0 {
		return itoa32(n)
	}
	var parts []string
	for i := 0; i < int(n); i += 4 {
		parts = append(parts, itoa32(int32(binary.LittleEndian.Uint32(out[i:]))))
	}
	if !bytes.Equal(out[n:n+4], []byte{0xAA, 0xAA, 0xAA, 0xAA}) {
		parts = append(parts, "clobbered")
	}
	return strings.Join(parts, ",")
}

func itoa32(n int32) string { return strconv.Itoa(int(n)) }

// TestRestoreCarriesRegexes: an instance restored from a configured one
// finds the sets by the same handles.
func TestRestoreCarriesRegexes(t *testing.T) {
	configured := &Binding{Phase: hostabi.PhaseConfigure}
	mem := &flatMemory{b: make([]byte, 1<<20)}
	compileRegex(t, configured, mem, "x")
	compileRegex(t, configured, mem, "y+")
	restored := &Binding{Phase: hostabi.PhaseRequest}
	restored.Restore(configured.Configured())
	copy(mem.b[inAt:], "yy")
	copy(mem.b[outAt<<6:], bytes.Repeat([]byte{0xAA}, 16))
	stack := []uint64{1, uint64(hostabi.RegexBytes), 0, inAt, 2, outAt << 6, 16}
	regexFind(restored, mem, stack)
	if got := report(int32(uint32(stack[0])), mem.b[outAt<<6:outAt<<6+16]); got != "0,0,2" {
		t.Fatalf("the restored instance's set 1 finds %s", got)
	}
}
