//go:build wasm || amd64 || arm64

package detect

import (
	"runtime"
	"strings"
	"testing"
)

// wordsSupported: the word loads need little-endian order and unaligned
// loads.
func wordsSupported(t testing.TB) {
	switch runtime.GOARCH {
	case "wasm", "amd64", "arm64", "386":
	default:
		t.Skip("word-at-a-time loads not tested on " + runtime.GOARCH)
	}
}

func refIndexByte2(s string, a, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == a || s[i] == b {
			return i
		}
	}
	return -1
}

// TestIndexByteWords puts the byte looked for at every offset of
// strings of every length up to 33, among fillers that trip a careless
// zero-byte test (the byte's neighbours, NUL, bytes with the high bit),
// and at every offset of an unaligned start.
func TestIndexByteWords(t *testing.T) {
	wordsSupported(t)
	for _, c := range []byte{'"', '(', 0, 1, 0x7f, 0x80, 0xff} {
		for _, fill := range []byte{'a', c ^ 1, c + 1, c - 1, 0, 0x80, 0xff, c | 0x80, c &^ 0x80} {
			if fill == c {
				continue
			}
			for n := 0; n <= 33; n++ {
				for p := -1; p < n; p++ {
					b := []byte(strings.Repeat(string(fill), n+3))
					if p >= 0 {
						b[3+p] = c
						if p+2 < n {
							b[3+p+2] = c // a second match must not win
						}
					}
					for off := 0; off <= 3; off++ {
						s := string(b[off : off+n])
						if got, want := indexByteWords(s, c), strings.IndexByte(s, c); got != want {
							t.Fatalf("indexByteWords(%q, %q) = %d, want %d", s, c, got, want)
						}
						if got, want := indexByte(s, c), strings.IndexByte(s, c); got != want {
							t.Fatalf("indexByte(%q, %q) = %d, want %d", s, c, got, want)
						}
					}
				}
			}
		}
	}
}

func TestIndexByte2Words(t *testing.T) {
	wordsSupported(t)
	pairs := [][2]byte{{'"', '\\'}, {'\\', '"'}, {0, 1}, {0x80, 0x7f}, {'a', 'a'}}
	for _, ab := range pairs {
		a, b := ab[0], ab[1]
		for _, fill := range []byte{'x', a ^ 1, b ^ 1, a + 1, b - 1, 0, 0x80, 0xff} {
			if fill == a || fill == b {
				continue
			}
			for n := 0; n <= 33; n++ {
				for pa := -1; pa < n; pa++ {
					for _, pb := range []int{-1, pa - 1, pa + 1, n - 1, 0} {
						buf := []byte(strings.Repeat(string(fill), n))
						if pb >= 0 && pb < n {
							buf[pb] = b
						}
						if pa >= 0 {
							buf[pa] = a
						}
						s := string(buf)
						want := refIndexByte2(s, a, b)
						if got := indexByte2Words(s, a, b); got != want {
							t.Fatalf("indexByte2Words(%q, %q, %q) = %d, want %d", s, a, b, got, want)
						}
						if got := indexByte2(s, a, b); got != want {
							t.Fatalf("indexByte2(%q, %q, %q) = %d, want %d", s, a, b, got, want)
						}
					}
				}
			}
		}
	}
}

func refIndexUpper(s string) int {
	return strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
}

func refHasByteBelow(s string, n byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < n {
			return true
		}
	}
	return false
}

// TestClassWords puts an upper-case letter, and a byte below the bound,
// at every offset among the bytes that border the ranges.
func TestClassWords(t *testing.T) {
	wordsSupported(t)
	for _, hit := range []byte{'A', 'M', 'Z', 0, '\r', 0x1f, ' '} {
		for _, fill := range []byte{'@', '[', 'a', 'z', '`', '{', 0x80, 0xc1, 0xda, 0xff, ' ', '!', 0x7f} {
			for n := 0; n <= 33; n++ {
				for p := -1; p < n; p++ {
					b := []byte(strings.Repeat(string(fill), n))
					if p >= 0 {
						b[p] = hit
					}
					s := string(b)
					if got, want := indexUpperWords(s), refIndexUpper(s); got != want {
						t.Fatalf("indexUpperWords(%q) = %d, want %d", s, got, want)
					}
					if got, want := indexUpper(s), refIndexUpper(s); got != want {
						t.Fatalf("indexUpper(%q) = %d, want %d", s, got, want)
					}
					for _, bound := range []byte{' ', ' ' + 1, 1, 0x80} {
						if got, want := hasByteBelowWords(s, bound), refHasByteBelow(s, bound); got != want {
							t.Fatalf("hasByteBelowWords(%q, %#x) = %v, want %v", s, bound, got, want)
						}
						if got, want := hasByteBelow(s, bound), refHasByteBelow(s, bound); got != want {
							t.Fatalf("hasByteBelow(%q, %#x) = %v, want %v", s, bound, got, want)
						}
					}
				}
			}
		}
	}
}

func FuzzIndexByteWords(f *testing.F) {
	wordsSupported(f)
	f.Add("hello, \"world\"", byte('"'), byte('\\'))
	f.Add("\x00\x01\x80\xff\x00\x01\x80\xff\x00", byte(1), byte(0x80))
	f.Fuzz(func(t *testing.T, s string, a, b byte) {
		if got, want := indexByteWords(s, a), strings.IndexByte(s, a); got != want {
			t.Fatalf("indexByteWords(%q, %q) = %d, want %d", s, a, got, want)
		}
		if got, want := indexByte2Words(s, a, b), refIndexByte2(s, a, b); got != want {
			t.Fatalf("indexByte2Words(%q, %q, %q) = %d, want %d", s, a, b, got, want)
		}
		if got, want := indexUpperWords(s), refIndexUpper(s); got != want {
			t.Fatalf("indexUpperWords(%q) = %d, want %d", s, got, want)
		}
		if n := a & 0x7f; hasByteBelowWords(s, n) != refHasByteBelow(s, n) {
			t.Fatalf("hasByteBelowWords(%q, %#x) wrong", s, n)
		}
	})
}

// TestSameString compares strings of every length up to 20 that differ
// at every offset, or not at all.
func TestSameString(t *testing.T) {
	for n := 0; n <= 20; n++ {
		a := strings.Repeat("k", n)
		if !sameString(a, strings.Clone(a)) {
			t.Fatalf("sameString(%q, itself) = false", a)
		}
		if n > 0 && sameString(a, a[1:]) {
			t.Fatalf("sameString(%q, %q) = true", a, a[1:])
		}
		for p := 0; p < n; p++ {
			b := []byte(a)
			b[p] = 'q'
			if sameString(a, string(b)) {
				t.Fatalf("sameString(%q, %q) = true", a, b)
			}
		}
	}
}
