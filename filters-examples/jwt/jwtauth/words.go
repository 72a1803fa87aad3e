//go:build wasm || amd64 || arm64

package jwtauth

import "unsafe"

// equalWords is a == b, 64 bytes a step, for targets whose loads need no
// alignment. It is how sameToken compares in wasm, where string equality
// goes a byte at a time; it builds natively too so that tests check it.
func equalWords(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	pa, pb := unsafe.Pointer(unsafe.StringData(a)), unsafe.Pointer(unsafe.StringData(b))
	word := func(p unsafe.Pointer, i int) uint64 { return *(*uint64)(unsafe.Add(p, i)) }
	i := 0
	for ; i+64 <= len(a); i += 64 {
		// One branch for eight words: every loop iteration in a Gojinn
		// guest also pays an interrupt-budget check.
		// (Written out: Go does not unroll loops.)
		d := word(pa, i) ^ word(pb, i)
		d |= word(pa, i+8) ^ word(pb, i+8)
		d |= word(pa, i+16) ^ word(pb, i+16)
		d |= word(pa, i+24) ^ word(pb, i+24)
		d |= word(pa, i+32) ^ word(pb, i+32)
		d |= word(pa, i+40) ^ word(pb, i+40)
		d |= word(pa, i+48) ^ word(pb, i+48)
		d |= word(pa, i+56) ^ word(pb, i+56)
		if d != 0 {
			return false
		}
	}
	for ; i+8 <= len(a); i += 8 {
		if word(pa, i) != word(pb, i) {
			return false
		}
	}
	switch {
	case i == len(a):
		return true
	case len(a) >= 8:
		// The last word, overlapping bytes already compared: no call to
		// the runtime's byte-at-a-time comparison for the tail.
		return word(pa, len(a)-8) == word(pb, len(a)-8)
	}
	return a[i:] == b[i:]
}
