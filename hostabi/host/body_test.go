package host

import (
	"errors"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

// sizeExchange is an Exchange whose BodySize answers what a test says;
// body_size reads nothing else of it.
type sizeExchange struct {
	Exchange
	size map[hostabi.Kind]int64
	err  map[hostabi.Kind]error
}

func (e *sizeExchange) BodySize(k hostabi.Kind) (int64, error) { return e.size[k], e.err[k] }

func TestBodySize(t *testing.T) {
	ex := func(n int64, err error) *sizeExchange {
		return &sizeExchange{size: map[hostabi.Kind]int64{hostabi.KindRequest: n, hostabi.KindResponse: n},
			err: map[hostabi.Kind]error{hostabi.KindRequest: err, hostabi.KindResponse: err}}
	}
	tests := []struct {
		name  string
		ex    Exchange
		phase hostabi.Phase
		kind  uint64
		want  int32
	}{
		{"no body", ex(0, nil), hostabi.PhaseRequest, 0, 0},
		{"known length", ex(5, nil), hostabi.PhaseRequest, 0, 5},
		{"response", ex(7, nil), hostabi.PhaseResponse, 1, 7},
		{"largest an i32 says", ex(math.MaxInt32, nil), hostabi.PhaseRequest, 0, math.MaxInt32},
		{"past what an i32 says", ex(math.MaxInt32+1, nil), hostabi.PhaseRequest, 0, hostabi.ErrTooLarge},
		{"unknown length", ex(0, ErrLengthUnknown), hostabi.PhaseRequest, 0, hostabi.ErrUnavailable},
		{"over the limit", ex(0, ErrBodyTooLarge), hostabi.PhaseResponse, 1, hostabi.ErrTooLarge},
		{"wrapped error", ex(0, errors.Join(errors.New("context"), ErrLengthUnknown)), hostabi.PhaseRequest, 0, hostabi.ErrUnavailable},
		{"unknown kind", ex(5, nil), hostabi.PhaseRequest, 2, hostabi.ErrInvalid},
		{"configure", ex(5, nil), hostabi.PhaseConfigure, 0, hostabi.ErrPhase},
		{"configure, unknown kind", ex(5, nil), hostabi.PhaseConfigure, 9, hostabi.ErrPhase},
		{"no exchange", nil, hostabi.PhaseRequest, 0, hostabi.ErrPhase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Binding{Exchange: tt.ex, Phase: tt.phase}
			stack := []uint64{tt.kind}
			bodySize(b, nil, stack)
			if got := int32(uint32(stack[0])); got != tt.want {
				t.Fatalf("body_size = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestRequestPseudo(t *testing.T) {
	tests := []struct {
		name, key string
		req       http.Request
		val       string
		present   bool
		pseudo    bool
	}{
		{"Host", "Host", http.Request{Host: "example.com"}, "example.com", true, true},
		{"no Host", "Host", http.Request{}, "", false, true},
		{"Content-Length", "Content-Length", http.Request{ContentLength: 5}, "5", true, true},
		{"Content-Length 0", "Content-Length", http.Request{ContentLength: 0, Header: http.Header{"Content-Length": {"0"}}}, "", false, true},
		{"unknown length", "Content-Length", http.Request{ContentLength: -1}, "", false, true},
		{"chunked", "Transfer-Encoding", http.Request{ContentLength: -1, TransferEncoding: []string{"chunked"}}, "chunked", true, true},
		{"two codings", "Transfer-Encoding", http.Request{TransferEncoding: []string{"gzip", "chunked"}}, "gzip, chunked", true, true},
		{"no coding", "Transfer-Encoding", http.Request{ContentLength: 3}, "", false, true},
		{"a coding only in the map", "Transfer-Encoding", http.Request{Header: http.Header{"Transfer-Encoding": {"chunked"}}}, "", false, true},
		{"another header", "X-One", http.Request{Header: http.Header{"X-One": {"a"}}}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			val, present, pseudo := requestPseudo(&tt.req, []byte(tt.key))
			if val != tt.val || present != tt.present || pseudo != tt.pseudo {
				t.Fatalf("requestPseudo(%s) = %q, %v, %v; want %q, %v, %v", tt.key, val, present, pseudo, tt.val, tt.present, tt.pseudo)
			}
		})
	}
}

// FuzzRequestNames: header_names lists each request header once, and
// lists exactly the names header_get finds, whatever a server or the
// handlers before the chain put in the request's fields and map.
func FuzzRequestNames(f *testing.F) {
	f.Add("example.com", int64(5), "", "X-One,Content-Length")
	f.Add("", int64(-1), "chunked", "Transfer-Encoding,Host")
	f.Add("h", int64(0), "gzip,chunked", "Content-Length")
	f.Fuzz(func(t *testing.T, host string, length int64, codings, mapNames string) {
		r := &http.Request{Host: host, ContentLength: length, Header: http.Header{}}
		if codings != "" {
			r.TransferEncoding = strings.Split(codings, ",")
		}
		for _, n := range strings.Split(mapNames, ",") {
			if key, ok := canonicalKey(nil, []byte(n)); ok {
				r.Header[string(key)] = []string{"v"}
			}
		}
		names := appendRequestNames(nil, r)
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("%q listed twice: %q", n, names)
			}
			seen[n] = true
			if !found(r, n) {
				t.Fatalf("%q listed but not found", n)
			}
		}
		for _, n := range slices.Concat(slices.Collect(maps.Keys(r.Header)), []string{hostKey, contentLengthKey, transferEncodingKey}) {
			if found(r, n) && !seen[n] {
				t.Fatalf("%q found but not listed: %q", n, names)
			}
		}
		if length > 0 && !slices.Contains(names, contentLengthKey) {
			t.Fatalf("a %d-byte body without Content-Length: %q", length, names)
		}
		if v, ok, _ := requestPseudo(r, []byte(contentLengthKey)); ok && v != strconv.FormatInt(length, 10) {
			t.Fatalf("Content-Length %q for a %d-byte body", v, length)
		}
	})
}

// found is header_get's answer to whether the request has header name.
func found(r *http.Request, name string) bool {
	if _, present, pseudo := requestPseudo(r, []byte(name)); pseudo {
		return present
	}
	_, ok := r.Header[name]
	return ok
}
