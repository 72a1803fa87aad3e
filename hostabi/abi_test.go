package hostabi

import "testing"

func TestIsToken(t *testing.T) {
	for s, want := range map[string]bool{
		"GET":             true,
		"X-Api-Key":       true,
		"!#$%&'*+-.^_`|~": true,
		"":                false,
		"two words":       false,
		"a:b":             false,
		"a\"b":            false,
		"(x)":             false,
		"tab\t":           false,
		"del\x7f":         false,
		"caf\xc3\xa9":     false,
	} {
		if got := IsToken(s); got != want {
			t.Errorf("IsToken(%q) = %v, want %v", s, got, want)
		}
	}
}
