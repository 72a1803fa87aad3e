package host

import (
	"net/http"
	"strings"
	"testing"

	libinjection "github.com/corazawaf/libinjection-go"
	"github.com/gojinn/gojinn/hostabi"
)

func TestInjectionChecks(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	req.Header["X-Q"] = []string{"1' OR '1'='1"}
	req.Header["X-Html"] = []string{"plain", "<script>alert(1)</script>"}
	ex := &regexExchange{req: req, uri: "/search?q=1%27%20OR%201=1",
		bodyExchange: bodyExchange{body: map[hostabi.Kind][]byte{
			hostabi.KindRequest:  []byte(`name=x' UNION SELECT password FROM users--`),
			hostabi.KindResponse: []byte(`<img src=x onerror=alert(1)>`)}}}
	const (
		bytesT  = uint64(hostabi.RegexBytes)
		bodyT   = uint64(hostabi.RegexBody)
		headerT = uint64(hostabi.RegexHeader)
		uriT    = uint64(hostabi.RegexURI)
		req0    = uint64(hostabi.KindRequest)
		resp    = uint64(hostabi.KindResponse)
	)
	over := strings.Repeat("a", hostabi.MaxInjectionInput+1)
	tests := []struct {
		name         string
		target, kind uint64
		data         string
		phase        hostabi.Phase
		sqli         string // the fingerprint sqli_check writes, or its result
		xss          string // xss_check's result
	}{
		{"bytes, tautology", bytesT, 0, "1' OR '1'='1", hostabi.PhaseRequest, fingerprint(t, "1' OR '1'='1"), "0"},
		{"bytes, script", bytesT, 0, "<script>alert(1)</script>", hostabi.PhaseRequest, "0", "1"},
		{"bytes, prose", bytesT, 0, "the union will select a leader", hostabi.PhaseRequest, "0", "0"},
		{"bytes, empty", bytesT, 0, "", hostabi.PhaseRequest, "0", "0"},
		{"bytes in configure", bytesT, 0, "1' OR '1'='1", hostabi.PhaseConfigure, fingerprint(t, "1' OR '1'='1"), "0"},
		{"request body", bodyT, req0, "", hostabi.PhaseRequest,
			fingerprint(t, `name=x' UNION SELECT password FROM users--`), "0"},
		{"response body", bodyT, resp, "", hostabi.PhaseResponse, "0", "1"},
		{"header", headerT, req0, "x-q", hostabi.PhaseRequest, fingerprint(t, "1' OR '1'='1"), "0"},
		{"header values, NUL-separated", headerT, req0, "X-Html", hostabi.PhaseRequest, "0", "1"},
		{"missing header", headerT, req0, "X-None", hostabi.PhaseRequest, "-1", "-1"},
		{"bad header name", headerT, req0, "a b", hostabi.PhaseRequest, "-2", "-2"},
		{"URI, as sent", uriT, req0, "", hostabi.PhaseRequest, "0", "0"},
		{"URI of the response", uriT, resp, "", hostabi.PhaseRequest, "-2", "-2"},
		{"message in configure", bodyT, req0, "", hostabi.PhaseConfigure, "-4", "-4"},
		{"unknown target", 9, 0, "", hostabi.PhaseRequest, "-2", "-2"},
		{"unknown kind", bodyT, 5, "", hostabi.PhaseRequest, "-2", "-2"},
		{"largest input", bytesT, 0, over[1:], hostabi.PhaseRequest, "0", "0"},
		{"over the input bound", bytesT, 0, over, hostabi.PhaseRequest, "-3", "-3"},
	}
	const in, out = 0, 2 << 20
	mem := &flatMemory{b: make([]byte, out+64)}
	b := &Binding{Exchange: ex}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Phase = tt.phase
			call := func(fn func(*Binding, *flatMemory, []uint64), args ...uint64) (int32, []byte) {
				copy(mem.b[in:], tt.data)
				for i := range 64 {
					mem.b[out+i] = 0xAA
				}
				stack := append([]uint64{tt.target, tt.kind, in, uint64(len(tt.data))}, args...)
				fn(b, mem, stack)
				return int32(uint32(stack[0])), mem.b[out : out+64]
			}
			sqli := func(b *Binding, m *flatMemory, s []uint64) { sqliCheck(b, m, s) }
			xss := func(b *Binding, m *flatMemory, s []uint64) { xssCheck(b, m, s) }
			n, written := call(sqli, out, 64)
			got := itoa32(n)
			if n > 0 {
				got = string(written[:n])
				if written[n] != 0xAA {
					t.Errorf("sqli_check wrote past its %d bytes", n)
				}
			}
			if got != tt.sqli {
				t.Errorf("sqli_check: %s, want %s", got, tt.sqli)
			}
			if n > 0 {
				// The buffer-limit protocol: too small a buffer gets the
				// length and nothing written.
				if m, short := call(sqli, out, uint64(n-1)); m != n || short[0] != 0xAA {
					t.Errorf("sqli_check with %d bytes: %d, wrote %#x", n-1, m, short[0])
				}
			}
			if n, _ := call(xss); itoa32(n) != tt.xss {
				t.Errorf("xss_check: %d, want %s", n, tt.xss)
			}
		})
	}
}

// fingerprint is libinjection's own fingerprint of s, which sqli_check
// must pass on unchanged.
func fingerprint(t *testing.T, s string) string {
	t.Helper()
	found, fp := libinjection.IsSQLi(s)
	if !found || fp == "" {
		t.Fatalf("libinjection does not read %q as SQL injection", s)
	}
	return fp
}
