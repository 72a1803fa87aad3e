package detect

import (
	"bytes"
	"encoding/base64"
	"slices"
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
	if !f.cls.has(cUpper | cLower) {
		// A run is decoded only if it changes case (see base64Kind).
		return f.b64raw, f.b64low
	}
	s := f.dec
	for from := 0; ; {
		start, end := nextMixedRun(s, from)
		if start < 0 {
			break
		}
		if end-start >= minBase64Run {
			f.decodeRun(s[start:end])
		}
		from = end
	}
	return f.b64raw, f.b64low
}

// nextMixedRun returns the bounds of the first run of the base64
// alphabets in s[from:] that changes case inside (see base64Kind), or
// start < 0; s[from] is not inside a run that starts before it. Runs are
// found from their upper-case letters, which prose has few of, so that
// a value is not read a byte at a time: an upper-case letter with a
// lower-case one before it in its run is the sign. Nothing is read
// twice: the walk back from one upper-case letter stops at the one
// before, the run before which held no lower-case letter.
func nextMixedRun(s string, from int) (start, end int) {
	stop := from
	for stop < len(s) {
		u := indexUpper(s[stop:])
		if u < 0 {
			break
		}
		q := stop + u
		j := q - 1
		for j >= stop && (base64Kind[s[j]] == kindUpper || base64Kind[s[j]] == kindOther) {
			j--
		}
		if j >= stop && base64Kind[s[j]] == kindLower {
			start, end = j, q+1
			for start > 0 && base64Kind[s[start-1]] != 0 {
				start--
			}
			for end < len(s) && base64Kind[s[end]] != 0 {
				end++
			}
			return start, end
		}
		stop = q + 1
	}
	return -1, -1
}

func (f *forms) decodeRun(run string) {
	for shift := range 4 {
		buf := append(f.b64buf[:0], "AAA"[:shift]...)
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
		f.b64buf = buf
		// The decoding and its lower-cased twin, side by side in the
		// arena.
		size := base64.StdEncoding.DecodedLen(len(buf))
		out := f.room(2 * size)[:size]
		n, err := base64.StdEncoding.Decode(out, buf)
		if err != nil && n == 0 {
			continue
		}
		raw := f.keepBytes(out[:n])
		low := append(f.room(n), raw...)
		lowerASCII(low)
		low = f.keepBytes(low)
		if f.b64raw == nil {
			// Room for a few runs at four alignments, once a request.
			f.b64raw, f.b64low = make([][]byte, 0, 16), make([][]byte, 0, 16)
		}
		f.b64raw = append(f.b64raw, raw)
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

// byteWords is words as byte slices, converted once, shortest first
// (see containsAny).
func byteWords(list string) [][]byte {
	var out [][]byte
	for _, w := range strings.Fields(list) {
		out = append(out, []byte(w))
	}
	slices.SortStableFunc(out, func(a, b []byte) int { return len(a) - len(b) })
	return out
}

// containsAny says whether b holds one of words, sorted by length: the
// search stops at the first word longer than b, which spares most of
// them the short decodings of runs that only look like base64 ("Anne-
// Marie").
func containsAny(b []byte, words [][]byte) bool {
	for _, w := range words {
		if len(w) > len(b) {
			return false
		}
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}
