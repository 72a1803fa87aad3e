package redactor

import (
	"unicode/utf16"
	"unicode/utf8"
)

// JSON redacts src as JSON: one JSON text, or several separated by
// whitespace (NDJSON, JSON Lines). Only string values and member names
// are searched, and a card number written as a JSON number (an integer
// of 13-19 digits, no sign, fraction or exponent) is replaced by a JSON
// string holding the replacement, so the output is valid JSON whenever
// src is. Strings with escapes are decoded first, so "alice\u0040x.com"
// is found, and written back escaped only if something in them changed.
//
// src that is not JSON (a byte that cannot start a token, an unterminated
// string, a bad escape) is redacted as plain text instead. It returns src
// itself when nothing matched, and the number of replacements.
func (r *Redactor) JSON(src []byte) ([]byte, int) {
	st := state{src: src}
	if !r.walkJSON(&st) {
		return r.Text(src)
	}
	return st.finish()
}

// walkJSON redacts the tokens of src into st; false means src is not JSON.
// It is a tokenizer, not a full parser: for valid JSON it finds exactly
// the strings and numbers, which is all that redaction changes.
func (r *Redactor) walkJSON(st *state) bool {
	src := st.src
	var scratch, text []byte // decoded string and its redaction, reused
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' ||
			c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':':
			i++
		case c == '"':
			saved := *st
			end, escaped, ok := r.scanString(st, i+1)
			if !ok {
				return false
			}
			if escaped {
				// Undo what the plain pass replaced, and redact the
				// decoded string instead.
				*st = saved
				if end, _, ok = stringEnd(src, end); !ok {
					return false
				}
				scratch, ok = unescape(scratch[:0], src[i+1:end])
				if !ok {
					return false
				}
				sub := state{src: scratch, dst: text[:0]}
				r.scan(&sub, 0, len(scratch), false)
				if sub.n > 0 {
					text, _ = sub.finish()
					st.replace(i, end+1, nil)
					st.dst = append(st.dst, '"')
					st.dst = appendJSONStringContent(st.dst, text)
					st.dst = append(st.dst, '"')
					st.n += sub.n - 1
				}
			}
			i = end + 1
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(src) && isNumberByte(src[j]) {
				j++
			}
			if r.opts.Cards && j-i >= 13 && j-i <= 19 && allDigits(src[i:j]) && isCardNumber(src[i:j]) {
				st.replace(i, j, nil)
				st.dst = append(st.dst, '"')
				if r.opts.CardKeepLast4 {
					st.dst = appendMasked(st.dst, src[i:j])
				} else {
					st.dst = append(st.dst, r.replJSON...)
				}
				st.dst = append(st.dst, '"')
			}
			i = j
		case c == 't':
			if !hasLiteral(src, i, "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !hasLiteral(src, i, "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !hasLiteral(src, i, "null") {
				return false
			}
			i += 4
		default:
			return false
		}
	}
	return true
}

func hasLiteral(src []byte, i int, lit string) bool {
	return len(src)-i >= len(lit) && string(src[i:i+len(lit)]) == lit
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// scanString redacts the raw content of the string that starts at
// src[from], up to its closing quote, whose index it returns. It stops
// early, at the index of the first backslash, with escaped true: the
// caller then undoes its replacements and decodes the string. ok is false
// for an unterminated string or a raw control byte.
func (r *Redactor) scanString(st *state, from int) (end int, escaped, ok bool) {
	src := st.src
	for i := from; i < len(src); {
		c := src[i]
		k := class[c]
		if k&(cStart|cStop) == 0 {
			i++
			continue
		}
		switch {
		case c == '"':
			return i, false, true
		case c == '\\':
			return i, true, true
		case k&cStop != 0:
			return 0, false, false
		}
		i = r.matchAt(st, from, i, len(src), true)
	}
	return 0, false, false
}

// stringEnd finds the closing quote of the string whose content starts at
// src[i], and whether the content has escapes. ok is false for an
// unterminated string or a raw control byte.
func stringEnd(src []byte, i int) (end int, escaped, ok bool) {
	for i < len(src) {
		switch c := src[i]; {
		case c == '"':
			return i, escaped, true
		case c == '\\':
			escaped = true
			i += 2
		case c < 0x20:
			return 0, false, false
		default:
			i++
		}
	}
	return 0, false, false
}

// unescape appends the decoded content of a JSON string to dst. A lone
// surrogate becomes U+FFFD, as encoding/json does. ok is false for a bad
// escape.
func unescape(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return dst, false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			dst = append(dst, s[i+1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return dst, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, false
		}
		i += 2
	}
	return dst, true
}

// hex4 reads the four hex digits at s[i:].
func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendJSONStringContent appends s escaped as the content of a JSON
// string (without the quotes).
func appendJSONStringContent(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
