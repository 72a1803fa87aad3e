package detect

import (
	"strings"
	"unicode/utf8"
)

// maxDecodeRounds bounds repeated decoding. Attackers stack encodings
// (%252e, &#x25;2e) to slip past single-pass decoders; three rounds undo
// every stacking seen in practice while keeping the cost bounded.
const maxDecodeRounds = 3

// decodeAll undoes the encodings an attacker can hide a payload behind:
// percent escapes (and the IIS %uXXXX form), HTML character references,
// backslash escapes (\uXXXX, \xHH) and full-width or enclosed look-alike
// letters. It repeats until nothing changes or maxDecodeRounds is reached.
// plus says whether '+' means space (query strings and form bodies).
func decodeAll(s string, plus bool) string {
	for range maxDecodeRounds {
		d := decodeOnce(s, plus)
		if d == s {
			break
		}
		// '+' is a space once, in the form encoding; a '+' that an
		// inner round produced (%2b) is a plus sign.
		s, plus = d, false
	}
	return s
}

// decodeOnce applies every decoder once, left to right.
func decodeOnce(s string, plus bool) string {
	if !needsDecode(s, plus) {
		return s
	}
	s = percentDecode(s, plus)
	s = entityDecode(s)
	s = backslashDecode(s)
	return foldLookalikes(s)
}

// needsDecode is the fast path: most values hold no escape at all.
func needsDecode(s string, plus bool) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%', c == '&', c == '\\', c >= utf8.RuneSelf:
			return true
		case c == '+' && plus:
			return true
		}
	}
	return false
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hexRune parses n hex digits of s at i.
func hexRune(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var r rune
	for k := range n {
		v, ok := unhex(s[i+k])
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// percentDecode decodes %HH and %uHHHH, leaving malformed escapes as they
// are (a lenient decoder sees what a lenient backend would).
func percentDecode(s string, plus bool) string {
	if plus && indexByte2(s, '%', '+') < 0 || !plus && indexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+' && plus:
			b.WriteByte(' ')
		case c == '%' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U'):
			if r, ok := hexRune(s, i+2, 4); ok {
				b.WriteRune(r)
				i += 5
				continue
			}
			b.WriteByte(c)
		case c == '%':
			if r, ok := hexRune(s, i+1, 2); ok {
				b.WriteByte(byte(r))
				i += 2
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// backslashDecode decodes \uHHHH, \u{H..}, \xHH and octal-free escapes
// used by JavaScript, JSON, Java and shell payloads.
func backslashDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case 'u', 'U':
			if i+2 < len(s) && s[i+2] == '{' {
				if end := strings.IndexByte(s[i+3:], '}'); end > 0 && end <= 6 {
					if r, ok := hexRune(s, i+3, end); ok {
						b.WriteRune(r)
						i += 3 + end
						continue
					}
				}
			}
			if r, ok := hexRune(s, i+2, 4); ok {
				b.WriteRune(r)
				i += 5
				continue
			}
		case 'x', 'X':
			if r, ok := hexRune(s, i+2, 2); ok {
				b.WriteByte(byte(r))
				i += 3
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// namedEntities are the HTML character references payloads use to hide
// markup and punctuation; the full HTML5 table would cost binary size for
// letters nobody needs to spell.
var namedEntities = map[string]string{
	"lt": "<", "gt": ">", "amp": "&", "quot": `"`, "apos": "'", "nbsp": " ",
	"colon": ":", "semi": ";", "comma": ",", "period": ".", "sol": "/", "bsol": `\`,
	"lpar": "(", "rpar": ")", "lsqb": "[", "rsqb": "]", "lbrack": "[", "rbrack": "]",
	"lcub": "{", "rcub": "}", "lbrace": "{", "rbrace": "}", "dollar": "$",
	"num": "#", "percnt": "%", "excl": "!", "quest": "?", "equals": "=",
	"plus": "+", "ast": "*", "grave": "`", "vert": "|", "verbar": "|",
	"tab": "\t", "newline": "\n", "hyphen": "-", "dash": "-", "lowbar": "_",
}

// entityDecode decodes &name;, &#NN; and &#xHH;. Numeric references are
// accepted without the closing ';' as browsers do.
func entityDecode(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '&' || i+2 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if r, n, ok := numericEntity(s[i+1:]); ok {
			b.WriteRune(r)
			i += n
			continue
		}
		if end := strings.IndexByte(s[i+1:], ';'); end > 0 && end <= 8 {
			if v, ok := namedEntities[strings.ToLower(s[i+1:i+1+end])]; ok {
				b.WriteString(v)
				i += end + 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// numericEntity parses "#NN;" or "#xHH;" (the '&' already consumed) and
// returns the rune and how many bytes it used.
func numericEntity(s string) (rune, int, bool) {
	if len(s) < 2 || s[0] != '#' {
		return 0, 0, false
	}
	i, base := 1, rune(10)
	if s[1] == 'x' || s[1] == 'X' {
		i, base = 2, 16
	}
	for i+1 < len(s) && s[i] == '0' {
		i++ // leading zeros pad a reference to any length
	}
	start := i
	var r rune
	for ; i < len(s) && i-start < 7; i++ {
		v, ok := unhex(s[i])
		if !ok || (base == 10 && v > 9) {
			break
		}
		r = r*base + rune(v)
	}
	if i == start || r > utf8.MaxRune {
		return 0, 0, false
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	return r, i, true
}

// foldLookalikes maps full-width ASCII (U+FF01-FF5E), enclosed letters
// (U+24B6-24E9) and a few ASCII-like punctuation forms to ASCII, the way
// many backends normalise (NFKC) after the WAF has looked. Bytes that are
// not UTF-8 are kept as the rune of the same value.
func foldLookalikes(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			// Keep stray bytes: %bc and friends decode to them.
			r = rune(s[i])
		}
		i += n
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFF01 - '!'
		case r >= 0x24B6 && r <= 0x24CF:
			r -= 0x24B6 - 'a'
		case r >= 0x24D0 && r <= 0x24E9:
			r -= 0x24D0 - 'a'
		case r == 0x2018 || r == 0x2019 || r == 0x02BC || r == 0xB4 || r == 0x2032:
			r = '\''
		case r == 0x201C || r == 0x201D:
			r = '"'
		case r == 0x2044 || r == 0x2215:
			r = '/'
		case r == 0x3002 || r == 0xFF61:
			r = '.' // ideographic full stops, which IDNA maps to '.'
		case r >= 0x2460 && r <= 0x2468:
			r -= 0x2460 - '1' // circled digits
		case r == 0x24EA:
			r = '0'
		case r == 0xBC || r == 0xBE || r == 0xA2:
			// '<', '>' and '"' with the high bit set: a backend that
			// reads the bytes as 7-bit US-ASCII drops that bit.
			r &= 0x7F
		}
		b.WriteRune(r)
	}
	return b.String()
}
