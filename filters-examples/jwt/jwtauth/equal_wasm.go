//go:build wasm

package jwtauth

// sameToken is a == b. Go's wasm port compares strings a byte at a time,
// which a cache hit on a kilobyte token pays on every request.
func sameToken(a, b string) bool { return equalWords(a, b) }
