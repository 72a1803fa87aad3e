//go:build wasm || amd64 || arm64

package detect

import (
	"math/bits"
	"unsafe"
)

// Word-at-a-time byte searches, eight bytes per step, for the wasm port:
// there Go's strings.IndexByte is a loop over single bytes, and every
// loop iteration in a Gojinn guest also pays an interrupt-budget check,
// so a search takes an eighth of the iterations this way. Native targets use
// the strings package, which is vectorised, or plain byte loops where it
// has no equivalent (see search_other.go); these are compiled natively too
// so that their tests run there. They need a little-endian target that
// allows unaligned loads (wasm, amd64, arm64).

const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// word loads the eight bytes of s at i.
func word(s string, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))
}

// zeroBytes has the high bit of the lowest zero byte of x set, and none
// below it: bits above it may be set spuriously, by a borrow, so only the
// lowest one counts.
func zeroBytes(x uint64) uint64 { return (x - lsbs) &^ x & msbs }

// indexByteWords is strings.IndexByte(s, c).
func indexByteWords(s string, c byte) int {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if s[i] == c {
				return i
			}
		}
		return -1
	}
	pat := lsbs * uint64(c)
	for i := 0; ; i += 8 {
		if i > len(s)-8 {
			// The last word overlaps the one before it, whose bytes
			// hold no match: the first match in it is the first.
			i = len(s) - 8
		}
		if m := zeroBytes(word(s, i) ^ pat); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		if i == len(s)-8 {
			return -1
		}
	}
}

// hasByteBelowWords says whether s holds a byte less than n (n <= 0x80).
func hasByteBelowWords(s string, n byte) bool {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if s[i] < n {
				return true
			}
		}
		return false
	}
	// Exact for the question asked: a borrow can only set bits above a
	// byte that is itself below n.
	sub := lsbs * uint64(n)
	for i := 0; ; i += 8 {
		if i > len(s)-8 {
			i = len(s) - 8
		}
		if x := word(s, i); (x-sub)&^x&msbs != 0 {
			return true
		}
		if i == len(s)-8 {
			return false
		}
	}
}

// indexUpperWords is the index of the first ASCII upper-case letter in
// s, or -1.
func indexUpperWords(s string) int {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if 'A' <= s[i] && s[i] <= 'Z' {
				return i
			}
		}
		return -1
	}
	for i := 0; ; i += 8 {
		if i > len(s)-8 {
			i = len(s) - 8
		}
		// With the high bit of every byte set first, no subtraction
		// borrows across bytes: ge has the high bit of the bytes >= 'A',
		// gt of those > 'Z'; ^x drops the bytes that had it already.
		x := word(s, i)
		ge := (x | msbs) - lsbs*'A'
		gt := (x | msbs) - lsbs*('Z'+1)
		if m := ge &^ gt &^ x & msbs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		if i == len(s)-8 {
			return -1
		}
	}
}

// indexByte2Words is the index of the first a or b in s, or -1.
func indexByte2Words(s string, a, b byte) int {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == a || c == b {
				return i
			}
		}
		return -1
	}
	pa, pb := lsbs*uint64(a), lsbs*uint64(b)
	for i := 0; ; i += 8 {
		if i > len(s)-8 {
			i = len(s) - 8
		}
		w := word(s, i)
		// Each term's lowest bit is a true match, so the lowest bit of
		// either is the first match of both.
		if m := zeroBytes(w^pa) | zeroBytes(w^pb); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		if i == len(s)-8 {
			return -1
		}
	}
}
