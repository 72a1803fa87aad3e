//go:build wasm

package jwtauth

import "unsafe"

// sameToken is a == b. Go's wasm port compares strings a byte at a time;
// comparing eight at a time makes a cache hit on a kilobyte token several
// times cheaper. wasm loads need no alignment.
func sameToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	pa, pb := unsafe.Pointer(unsafe.StringData(a)), unsafe.Pointer(unsafe.StringData(b))
	i := 0
	for ; i+8 <= len(a); i += 8 {
		if *(*uint64)(unsafe.Add(pa, i)) != *(*uint64)(unsafe.Add(pb, i)) {
			return false
		}
	}
	return a[i:] == b[i:]
}
