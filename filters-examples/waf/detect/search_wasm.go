//go:build wasm

package detect

// indexByte is strings.IndexByte, word at a time (see words.go).
func indexByte(s string, c byte) int { return indexByteWords(s, c) }

// hasByteBelow says whether s holds a byte less than n (n <= 0x80).
func hasByteBelow(s string, n byte) bool { return hasByteBelowWords(s, n) }

// sameString is a == b. The runtime's comparison is a call and a loop
// over single bytes inside wasm; the short strings compared here (JSON
// keys, repeated values) are cheaper compared in place.
func sameString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 16 {
		return a == b
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// indexUpper is the index of the first ASCII upper-case letter in s, or
// -1.
func indexUpper(s string) int { return indexUpperWords(s) }

// indexByte2 is the index of the first a or b in s, or -1.
func indexByte2(s string, a, b byte) int { return indexByte2Words(s, a, b) }
