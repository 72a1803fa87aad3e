package regexset

import (
	"errors"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func compile(t testing.TB, patterns ...string) *Set {
	t.Helper()
	var ps [][]byte
	for _, p := range patterns {
		ps = append(ps, []byte(p))
	}
	s, err := Compile(ps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		err      error
	}{
		{"none", nil, ErrTooLarge},
		{"syntax", []string{"a", "("}, ErrInvalid},
		{"lookahead", []string{"a(?=b)"}, ErrInvalid},
		{"long", []string{strings.Repeat("a", hostabi.MaxRegexLen+1)}, ErrTooLarge},
		{"long set", []string{strings.Repeat("a", hostabi.MaxRegexLen), strings.Repeat("a", hostabi.MaxRegexSetLen-hostabi.MaxRegexLen+1)}, ErrTooLarge},
		{"many", make([]string, hostabi.MaxRegexPatterns+1), ErrTooLarge},
	}
	for _, tt := range tests {
		var ps [][]byte
		for _, p := range tt.patterns {
			ps = append(ps, []byte(p))
		}
		if _, err := Compile(ps); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
}

func TestMatchFind(t *testing.T) {
	s := compile(t, `b+`, `(?i)A`, `^x`)
	tests := []struct {
		in         string
		ids        []uint32
		id, lo, hi int
		ok         bool
	}{
		{"xab", []uint32{0, 1, 2}, 2, 0, 1, true},
		{"cbba", []uint32{0, 1}, 0, 1, 3, true},
		{"zzA", []uint32{1}, 1, 2, 3, true},
		{"", nil, 0, 0, 0, false},
	}
	for _, tt := range tests {
		ids, err := s.Match(nil, []byte(tt.in))
		if err != nil || len(ids) != len(tt.ids) {
			t.Errorf("%q: ids %v (%v), want %v", tt.in, ids, err, tt.ids)
		}
		for i := range ids {
			if ids[i] != tt.ids[i] {
				t.Errorf("%q: ids %v, want %v", tt.in, ids, tt.ids)
			}
		}
		id, lo, hi, ok, err := s.Find([]byte(tt.in))
		if err != nil || ok != tt.ok || ok && (id != tt.id || lo != tt.lo || hi != tt.hi) {
			t.Errorf("%q: find %d [%d,%d) %v %v, want %d [%d,%d) %v", tt.in, id, lo, hi, ok, err, tt.id, tt.lo, tt.hi, tt.ok)
		}
	}
}

// worstCase is a match at the work limit: a big program that keeps many
// threads alive and never matches, on the longest subject it may take.
func worstCase(t testing.TB) (*Set, []byte) {
	s := compile(t, strings.Repeat(`(a?){30}a{30}`, 20))
	n := int(hostabi.MaxRegexWork/s.insts) - 1
	return s, []byte(strings.Repeat("ab", n/2))
}

func TestWorkLimit(t *testing.T) {
	s, subject := worstCase(t)
	if _, err := s.Match(nil, subject); err != nil {
		t.Fatalf("a subject at the limit: %v", err)
	}
	if _, err := s.Match(nil, append(subject, "abab"...)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a subject past the limit: %v", err)
	}
	if _, _, _, _, err := s.Find(append(subject, "abab"...)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("find past the limit: %v", err)
	}
}

// BenchmarkWorstCase is the slowest match the work limit lets through,
// as far as this set can tell: what one host call can cost.
func BenchmarkWorstCase(b *testing.B) {
	s, subject := worstCase(b)
	b.ReportMetric(float64(len(subject)), "subject-bytes")
	b.ReportMetric(float64(s.insts), "insts")
	for b.Loop() {
		if ids, err := s.Match(nil, subject); err != nil || len(ids) > 0 {
			b.Fatal(ids, err)
		}
	}
}
