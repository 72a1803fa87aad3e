//go:build !wasip1

package detect

import (
	"testing"
	"unicode"
)

// TestRustValuesUnicodeFacts checks, over every rune, the facts of Go's
// Unicode tables that filters-examples/waf/rust/src/gostrings.rs writes
// out rather than carrying the tables: the runes unicode.IsSpace holds
// (TrimSpace), the non-ASCII runes whose case-fold orbit holds an ASCII
// letter (EqualFold with ASCII text) and those that lower into ASCII
// (ToLower compared with ASCII text). A Go release that changes them
// fails here before the port drifts from the engine.
func TestRustValuesUnicodeFacts(t *testing.T) {
	spaces := map[rune]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true, 0x85: true, 0xA0: true,
		0x1680: true, 0x2028: true, 0x2029: true, 0x202F: true, 0x205F: true, 0x3000: true}
	for r := rune(0x2000); r <= 0x200A; r++ {
		spaces[r] = true
	}
	foldsToASCII := map[rune]rune{0x17F: 's', 0x212A: 'k'}
	lowersToASCII := map[rune]rune{0x130: 'i', 0x212A: 'k'}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) != spaces[r] {
			t.Errorf("unicode.IsSpace(%U) = %v", r, unicode.IsSpace(r))
		}
		if r < 0x80 {
			continue
		}
		var ascii rune
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 {
				ascii = unicode.ToLower(f)
			}
		}
		if ascii != foldsToASCII[r] {
			t.Errorf("%U folds to ASCII %q, the port expects %q", r, ascii, foldsToASCII[r])
		}
		if l := unicode.ToLower(r); (l < 0x80) != (lowersToASCII[r] != 0) || l < 0x80 && l != lowersToASCII[r] {
			t.Errorf("unicode.ToLower(%U) = %q, the port expects %q", r, l, lowersToASCII[r])
		}
	}
}
