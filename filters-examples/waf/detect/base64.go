package detect

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// minBase64Run is the shortest run worth decoding: six bytes of plain
// text, less than any keyword worth finding.
const minBase64Run = 8

// base64Plains decodes each base64 run of the value (standard or URL
// alphabet) and returns the decodings, computed once per value for every
// rule that asks. A keyword can start on any byte of the plain text, so
// each run is decoded at all four alignments of the encoded stream: that
// finds a keyword cut out of a longer blob as well as a whole encoded
// value. Decodings keep their bytes (for binary magic) and get a
// lower-cased twin.
func (f *forms) base64Plains() (raw, lower [][]byte) {
	if f.b64done {
		return f.b64raw, f.b64low
	}
	f.b64done = true
	// One pass: find each run of the alphabet and whether it changes
	// case inside (see looksEncoded), with a table instead of calls,
	// since this runs on nearly every value.
	s := f.dec
	start, sawLower, mixed := -1, false, false
	for i := 0; i <= len(s); i++ {
		var k uint8
		if i < len(s) {
			k = base64Kind[s[i]]
		}
		if k == 0 {
			if start >= 0 && mixed && i-start >= minBase64Run {
				f.decodeRun(s[start:i])
			}
			start, sawLower, mixed = -1, false, false
			continue
		}
		if start < 0 {
			start = i
		}
		switch k {
		case kindLower:
			sawLower = true
		case kindUpper:
			mixed = mixed || sawLower
		}
	}
	return f.b64raw, f.b64low
}

func (f *forms) decodeRun(run string) {
	buf := make([]byte, 0, len(run)+3)
	for shift := range 4 {
		buf = append(buf[:0], "AAA"[:shift]...)
		for k := 0; k < len(run); k++ {
			c := run[k]
			switch c {
			case '-':
				c = '+'
			case '_':
				c = '/'
			}
			buf = append(buf, c)
		}
		// Complete the last quantum the way the encoder would have.
		switch len(buf) % 4 {
		case 1:
			buf = buf[:len(buf)-1]
		case 2:
			buf = append(buf, "=="...)
		case 3:
			buf = append(buf, '=')
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(buf)))
		n, err := base64.StdEncoding.Decode(out, buf)
		if err != nil && n == 0 {
			continue
		}
		low := append([]byte(nil), out[:n]...)
		lowerASCII(low)
		f.b64raw = append(f.b64raw, out[:n])
		f.b64low = append(f.b64low, low)
	}
}

// base64Kind classifies bytes of the base64 alphabets (standard and URL):
// 0 outside. Runs worth decoding change case inside (an upper-case
// letter after a lower-case one), as base64 of text does; words, even
// capitalised ones, hex digests and numbers do not, and decoding them
// finds nothing.
var base64Kind = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = kindLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = kindUpper
	}
	for _, c := range "0123456789+/-_" {
		t[c] = kindOther
	}
	return t
}()

const (
	kindLower = 1 + iota
	kindUpper
	kindOther
)

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// byteWords is words as byte slices, converted once.
func byteWords(list string) [][]byte {
	var out [][]byte
	for _, w := range strings.Fields(list) {
		out = append(out, []byte(w))
	}
	return out
}

func containsAny(b []byte, words [][]byte) bool {
	for _, w := range words {
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}
