package jwtauth

import (
	"encoding/json"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// A minimal JSON reader for the two objects of a JWS, the header and the
// claims: it validates the whole text and reports each top-level member's
// raw value in one pass, allocating nothing. The few values the filter
// uses are then decoded on their own (claims.go). This is the hot path of
// a new token, and in wasm a general parser's per-value work (building a
// result for every member, converting every number) cost more than twice
// as much as this.

// maxDepth bounds nesting, so hostile input cannot run the stack deep.
const maxDepth = 64

// forEachMember validates s as one JSON object, optionally surrounded by
// whitespace, and calls fn with each top-level member's key (unescaped)
// and raw value text, in order. fn returning false stops the walk; the
// result is then false too. A false result otherwise means s is not a
// valid JSON object.
func forEachMember(s string, fn func(key, raw string) bool) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	end := scanObject(s, i, 1, fn)
	return end >= 0 && skipSpace(s, end) == len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue returns the index just past the JSON value at s[i], or -1.
func scanValue(s string, i, depth int) int {
	if i >= len(s) {
		return -1
	}
	switch c := s[i]; {
	case c == '"':
		return scanString(s, i)
	case c == '{':
		return scanObject(s, i, depth+1, nil)
	case c == '[':
		return scanArray(s, i, depth+1)
	case c == 't':
		return scanLiteral(s, i, "true")
	case c == 'f':
		return scanLiteral(s, i, "false")
	case c == 'n':
		return scanLiteral(s, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(s, i)
	}
	return -1
}

// scanObject scans the object at s[i] == '{', calling fn (when not nil)
// for each member.
func scanObject(s string, i, depth int, fn func(key, raw string) bool) int {
	if depth > maxDepth {
		return -1
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(s) || s[i] != '"' {
			return -1
		}
		kEnd := scanString(s, i)
		if kEnd < 0 {
			return -1
		}
		key := s[i+1 : kEnd-1]
		i = skipSpace(s, kEnd)
		if i >= len(s) || s[i] != ':' {
			return -1
		}
		i = skipSpace(s, i+1)
		vEnd := scanValue(s, i, depth)
		if vEnd < 0 {
			return -1
		}
		if fn != nil && !fn(unescapeKey(key), s[i:vEnd]) {
			return -1
		}
		i = skipSpace(s, vEnd)
		if i >= len(s) {
			return -1
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

func scanArray(s string, i, depth int) int {
	if depth > maxDepth {
		return -1
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return i + 1
	}
	for {
		i = scanValue(s, i, depth)
		if i < 0 {
			return -1
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return -1
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// scanString scans the string at s[i] == '"' (RFC 8259 section 7),
// which must be valid UTF-8.
func scanString(s string, i int) int { return scanStringWords(s, i, true) }

// scanStringWords is scanString; words false turns off the eight-byte
// skip, leaving the byte-at-a-time scanner the skip must agree with
// (the fuzz test holds them to each other).
func scanStringWords(s string, i int, words bool) int {
	for i++; i < len(s); {
		// Eight plain bytes at a time: claims are mostly long runs of
		// them (URLs, addresses, scopes), and in wasm a loop iteration
		// per byte is most of the cost of reading a new token.
		if words && i+8 <= len(s) {
			m := special8(le64(s, i))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8 // to the first special byte
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c >= utf8.RuneSelf:
			// RFC 7519 section 7.2 wants UTF-8; refusing anything
			// else keeps this reader and other JSON parsers agreeing
			// on which claim is which.
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return -1
			}
			i += size
		case c == '\\':
			if i+1 >= len(s) {
				return -1
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default:
			i++
		}
	}
	return -1
}

// special8 marks the bytes of x (eight bytes of a string, little-endian)
// that scanString cannot pass over: non-ASCII, control characters, '"'
// and '\\'. Each term sets a byte's high bit when that byte is special;
// a borrow can set bits above a special byte but never below one, so the
// lowest bit set is the first special byte, and 0 means there is none.
func special8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return (x | // >= 0x80
		(x-ones*0x20)&^x | // < 0x20
		(quote-ones)&^quote |
		(backslash-ones)&^backslash) & highs
}

// le64 reads s[i:i+8] as a little-endian word; the compiler makes it one
// load.
func le64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber scans a number (RFC 8259 section 6).
func scanNumber(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

func scanLiteral(s string, i int, lit string) int {
	if strings.HasPrefix(s[i:], lit) {
		return i + len(lit)
	}
	return -1
}

// unescapeKey decodes a member name. Names with escapes are rare; they
// go through encoding/json, which knows surrogate pairs.
func unescapeKey(raw string) string {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var k string
	if err := json.Unmarshal([]byte(`"`+raw+`"`), &k); err != nil {
		return raw // unreachable: scanString accepted it
	}
	return k
}
