package host

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func TestCanonicalKey(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"content-type", "Content-Type", true},
		{"X-API-KEY", "X-Api-Key", true},
		{"host", "Host", true},
		{"x--y", "X--Y", true},
		{"a_b", "A_b", true},
		{"", "", false},
		{"bad name", "", false},
		{"colon:", "", false},
		{"nul\x00", "", false},
		{"caf\xc3\xa9", "", false},
		{strings.Repeat("a", hostabi.MaxNameLen), "A" + strings.Repeat("a", hostabi.MaxNameLen-1), true},
		{strings.Repeat("a", hostabi.MaxNameLen+1), "", false},
	}
	for _, tt := range tests {
		got, ok := canonicalKey(nil, []byte(tt.in))
		if ok != tt.ok || ok && string(got) != tt.want {
			t.Errorf("canonicalKey(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestValidValue(t *testing.T) {
	for v, want := range map[string]bool{
		"":               true,
		"text/html":      true,
		"a, b; q=0.5":    true,
		"tab\tinside":    true,
		"utf-8 \xc3\xa9": true,
		"cr\rlf":         false,
		"new\nline":      false,
		"nul\x00":        false,
	} {
		if got := validValue([]byte(v)); got != want {
			t.Errorf("validValue(%q) = %v, want %v", v, got, want)
		}
	}
}

// FuzzCanonicalKey: every name the host accepts is canonicalised exactly as
// net/http does, so a header set through the ABI is the one Go code reads.
func FuzzCanonicalKey(f *testing.F) {
	for _, s := range []string{"content-type", "X-FORWARDED-FOR", "a", "x--y", "bad name"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := canonicalKey(nil, []byte(name))
		if !ok {
			return
		}
		if want := http.CanonicalHeaderKey(name); string(got) != want {
			t.Fatalf("canonicalKey(%q) = %q, net/http says %q", name, got, want)
		}
	})
}
