//go:build wasm || amd64 || arm64

package jwtauth

import (
	"strings"
	"testing"
)

// TestEqualWords covers every length past two steps of the 64-byte loop,
// with the difference at every offset, so that each of its three loops
// is seen to find it.
func TestEqualWords(t *testing.T) {
	for n := 0; n <= 140; n++ {
		a := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 4)[:n]
		if !equalWords(a, strings.Clone(a)) {
			t.Fatalf("len %d: equal strings reported different", n)
		}
		if equalWords(a, a+"x") {
			t.Fatalf("len %d: different lengths reported equal", n)
		}
		for at := 0; at < n; at++ {
			b := []byte(a)
			b[at] ^= 0x20
			if equalWords(a, string(b)) {
				t.Fatalf("len %d: a difference at %d went unseen", n, at)
			}
		}
	}
}
