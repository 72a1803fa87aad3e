package patternset

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// naive is what Scan must find: every pattern the subject contains, in
// the order their first occurrences end (by id at the same end).
func naive(patterns [][]byte, subject []byte, fold bool) []uint32 {
	low := func(b []byte) []byte {
		if fold {
			return bytes.ToLower(b) // ASCII only in these tests
		}
		return b
	}
	type hit struct{ end, id int }
	var hits []hit
	for id, p := range patterns {
		if i := bytes.Index(low(subject), low(p)); i >= 0 {
			hits = append(hits, hit{i + len(p), id})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.end != b.end {
			return a.end - b.end
		}
		return 0
	})
	var ids []uint32
	for _, h := range hits {
		ids = append(ids, uint32(h.id))
	}
	return ids
}

// sameIDs compares as sets, and the order of ends.
func sameIDs(got, want []uint32) bool {
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestScan(t *testing.T) {
	tests := []struct {
		patterns []string
		fold     bool
		subject  string
		want     []uint32
	}{
		{[]string{"he", "she", "his", "hers"}, false, "ushers", []uint32{1, 0, 3}},
		{[]string{"a", "aa", "aaa"}, false, "aaaa", []uint32{0, 1, 2}},
		{[]string{"SELECT", "union"}, true, "1 UnIoN sElEcT", []uint32{1, 0}},
		{[]string{"SELECT"}, false, "select", nil},
		{[]string{"x", "x"}, false, "x", []uint32{0, 1}},
		{[]string{"abc"}, false, "ababc", []uint32{0}},
		{[]string{"\x00\xff"}, false, "a\x00\xffb", []uint32{0}},
	}
	for _, tt := range tests {
		s, err := Compile(bs(tt.patterns...), tt.fold)
		if err != nil {
			t.Fatal(err)
		}
		var sc Scratch
		for range 2 { // the scratch is clean after a scan
			if got := s.Scan(nil, []byte(tt.subject), 100, &sc); !slices.Equal(got, tt.want) {
				t.Errorf("%q in %q: %v, want %v", tt.patterns, tt.subject, got, tt.want)
			}
		}
	}
}

func TestScanMax(t *testing.T) {
	s, _ := Compile(bs("a", "b", "c"), false)
	var sc Scratch
	if got := s.Scan(nil, []byte("cba"), 2, &sc); !slices.Equal(got, []uint32{2, 1}) {
		t.Fatalf("%v", got)
	}
	if got := s.Scan(nil, []byte("abc"), 3, &sc); !slices.Equal(got, []uint32{0, 1, 2}) {
		t.Fatalf("after a scan stopped at max: %v", got)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name     string
		patterns [][]byte
		err      error
	}{
		{"none", nil, ErrTooLarge},
		{"empty", bs("a", ""), ErrInvalid},
		{"long", bs(strings.Repeat("a", hostabi.MaxPatternLen+1)), ErrTooLarge},
		{"many", make([][]byte, hostabi.MaxPatterns+1), ErrTooLarge},
	}
	for _, tt := range tests {
		if _, err := Compile(tt.patterns, false); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
}

// TestScanRandom holds Scan to the naive search over random sets drawn
// from a small alphabet, where patterns overlap and nest.
func TestScanRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abAB"[r.IntN(4)]
		}
		return b
	}
	var sc Scratch
	for i := range 500 {
		var ps [][]byte
		for range 1 + r.IntN(20) {
			ps = append(ps, word(1+r.IntN(5)))
		}
		fold := i%2 == 0
		s, err := Compile(ps, fold)
		if err != nil {
			t.Fatal(err)
		}
		subject := word(r.IntN(40))
		got, want := s.Scan(nil, subject, len(ps), &sc), naive(ps, subject, fold)
		if !sameIDs(got, want) {
			t.Fatalf("%q in %q (fold %v): %v, want %v", ps, subject, fold, got, want)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("he\x00she\x00his\x00hers"), []byte("ushers"), true)
	f.Fuzz(func(t *testing.T, list, subject []byte, fold bool) {
		ps := bytes.Split(list, []byte{0})
		s, err := Compile(ps, fold)
		if err != nil {
			return
		}
		var sc Scratch
		got := s.Scan(nil, subject, len(ps), &sc)
		if fold {
			return // bytes.ToLower folds beyond ASCII; the random test covers folding
		}
		if want := naive(ps, subject, false); !sameIDs(got, want) {
			t.Fatalf("%q in %q: %v, want %v", ps, subject, got, want)
		}
	})
}

// BenchmarkDenyList scans 4 KiB of text against 10,000 words.
func BenchmarkDenyList(b *testing.B) {
	words := make([][]byte, 10000)
	for i := range words {
		words[i] = []byte(fmt.Sprintf("badword%05dx", i))
	}
	s, err := Compile(words, true)
	if err != nil {
		b.Fatal(err)
	}
	subject := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog, badly. "), 80)[:4096]
	var sc Scratch
	b.SetBytes(int64(len(subject)))
	for b.Loop() {
		if ids := s.Scan(nil, subject, 16, &sc); len(ids) != 0 {
			b.Fatal(ids)
		}
	}
}
