package policy

import (
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// fakeHeaders is a response's headers as the host shows them, counting
// host calls.
type fakeHeaders struct {
	h     http.Header
	calls int
	fail  string // a header whose Set fails
}

func (f *fakeHeaders) Names() []string {
	f.calls++
	var n []string
	for k := range f.h {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func (f *fakeHeaders) Set(name, value string) error {
	f.calls++
	if name == f.fail {
		return errors.New("refused")
	}
	f.h.Set(name, value)
	return nil
}

func (f *fakeHeaders) Remove(name string) error {
	f.calls++
	f.h.Del(name)
	return nil
}

var defaultSet = http.Header{
	"Strict-Transport-Security": {"max-age=63072000; includeSubDomains"},
	"Content-Security-Policy":   {"default-src 'self'"},
	"X-Content-Type-Options":    {"nosniff"},
	"X-Frame-Options":           {"DENY"},
	"Referrer-Policy":           {"strict-origin-when-cross-origin"},
	"Permissions-Policy":        {DefaultPermissionsPolicy},
}

func with(h http.Header, kv ...string) http.Header {
	out := h.Clone()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name, config string
		in, want     http.Header
		calls        int
	}{
		{"defaults, no config", "", http.Header{"Content-Type": {"text/html"}, "Server": {"Caddy"}, "X-Powered-By": {"PHP/8"}},
			with(defaultSet, "Content-Type", "text/html"), 1 + 6 + 2},
		{"defaults, empty object", "{}", http.Header{}, defaultSet, 1 + 6},
		{"upstream value kept", `{}`, http.Header{"X-Frame-Options": {"SAMEORIGIN"}, "Content-Security-Policy": {"default-src *"}},
			with(defaultSet, "X-Frame-Options", "SAMEORIGIN", "Content-Security-Policy", "default-src *"), 1 + 4},
		{"override", `{"override": true}`, http.Header{"X-Frame-Options": {"SAMEORIGIN"}},
			defaultSet, 1 + 6},
		{"empty string disables", `{"hsts": "", "csp": "", "permissions_policy": ""}`, http.Header{},
			with(defaultSet, "Strict-Transport-Security", "", "Content-Security-Policy", "", "Permissions-Policy", ""), 1 + 3},
		{"custom values", `{"hsts": "max-age=31536000; includeSubDomains; preload", "frame_options": "SAMEORIGIN",
			"referrer_policy": "no-referrer", "csp": "default-src 'none'"}`, http.Header{},
			with(defaultSet, "Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload",
				"X-Frame-Options", "SAMEORIGIN", "Referrer-Policy", "no-referrer", "Content-Security-Policy", "default-src 'none'"), 1 + 6},
		{"custom remove", `{"remove": ["x-aspnet-version", "Via"]}`,
			http.Header{"Server": {"Caddy"}, "X-Aspnet-Version": {"4"}, "Via": {"1.1 proxy"}},
			with(defaultSet, "Server", "Caddy"), 1 + 6 + 2},
		{"remove nothing", `{"remove": []}`, http.Header{"Server": {"Caddy"}},
			with(defaultSet, "Server", "Caddy"), 1 + 6},
		{"extra", `{"extra": {"cross-origin-opener-policy": "same-origin", "X-Empty": ""}}`, http.Header{},
			with(defaultSet, "Cross-Origin-Opener-Policy", "same-origin"), 1 + 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.config))
			if err != nil {
				t.Fatal(err)
			}
			f := &fakeHeaders{h: tt.in.Clone()}
			if err := p.Apply(f); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.h, tt.want) {
				t.Errorf("got  %v\nwant %v", f.h, tt.want)
			}
			if f.calls != tt.calls {
				t.Errorf("%d host calls, want %d", f.calls, tt.calls)
			}
		})
	}
}

func TestApplyError(t *testing.T) {
	p, _ := Parse(nil)
	f := &fakeHeaders{h: http.Header{"Server": {"x"}}, fail: "X-Frame-Options"}
	err := p.Apply(f)
	if err == nil || !strings.Contains(err.Error(), "X-Frame-Options") {
		t.Fatalf("error %v", err)
	}
	if f.h.Get("Referrer-Policy") == "" || f.h.Get("Server") != "" {
		t.Error("a failed header stopped the others")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"hst": "max-age=1"}`, "unknown field"},
		{`{"override": "yes"}`, "cannot unmarshal"},
		{`{} x`, "after the JSON object"},
		{`{"csp": "a\nb"}`, "control character"},
		{`{"remove": ["Bad Name"]}`, "not a header name"},
		{`{"remove": ["x-frame-options"]}`, "also a header to set"},
		{`{"extra": {"bad name": "x"}}`, "not a header name"},
		{`{"extra": {"x-frame-options": "x"}}`, "has its own member"},
		{`{"extra": {"X-A": "a\u0000"}}`, "control character"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{"x-powered-by": "X-Powered-By", "SERVER": "Server", "x-aspnet-version": "X-Aspnet-Version"} {
		if got := canonical(in); got != want || got != http.CanonicalHeaderKey(in) {
			t.Errorf("canonical(%q) = %q, want %q", in, got, want)
		}
	}
}
