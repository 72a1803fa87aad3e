//go:build !wasm

package detect

import "strings"

// indexByte is strings.IndexByte, which is vectorised on native targets.
func indexByte(s string, c byte) int { return strings.IndexByte(s, c) }

// hasByteBelow says whether s holds a byte less than n (n <= 0x80).
func hasByteBelow(s string, n byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < n {
			return true
		}
	}
	return false
}

// sameString is a == b, which is vectorised on native targets.
func sameString(a, b string) bool { return a == b }

// indexUpper is the index of the first ASCII upper-case letter in s, or
// -1.
func indexUpper(s string) int {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return i
		}
	}
	return -1
}

// indexByte2 is the index of the first a or b in s, or -1: two
// vectorised searches beat a loop over single bytes.
func indexByte2(s string, a, b byte) int {
	i := strings.IndexByte(s, a)
	if i < 0 {
		return strings.IndexByte(s, b)
	}
	if j := strings.IndexByte(s[:i], b); j >= 0 {
		return j
	}
	return i
}
