//go:build !wasm

package jwtauth

// sameToken is a == b, which is vectorised on native targets.
func sameToken(a, b string) bool { return a == b }
