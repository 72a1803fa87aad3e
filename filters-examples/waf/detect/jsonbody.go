package detect

import (
	"strings"
	"unicode/utf8"
)

// inspectJSON inspects every key and string value of a JSON document.
// It reports false when body is not JSON, so the caller can fall back to
// a raw look. Numbers, booleans and null carry no payload and are
// skipped.
func (in *inspection) inspectJSON(body string) bool {
	s := strings.TrimSpace(body)
	if s == "" || (s[0] != '{' && s[0] != '[' && s[0] != '"') {
		return false
	}
	key := ""
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
		case i+1 < len(s) && s[i+1] == '"':
			// The next string is mostly a byte on (`":"`, `","`); a
			// search, word at a time, pays off past that.
			i++
		default:
			q := indexByte(s[i:], '"')
			if q < 0 {
				return true
			}
			i += q
		}
		// Most strings hold no escape: those are cut out here, without
		// a call of jsonString (calls are dear inside wasm).
		var str string
		var n int
		if k := indexByte2(s[i+1:], '"', '\\'); k >= 0 && s[i+1+k] == '"' {
			str, n = s[i+1:i+1+k], k+2
		} else {
			var ok bool
			if str, n, ok = jsonString(s[i:]); !ok {
				return false
			}
		}
		i += n - 1
		if isJSONKey(s[i+1:]) {
			key = str
			if !in.sawKey(key) {
				in.value(TArgName, where{"argname:", key}, key, str, false)
			}
			continue
		}
		in.value(TArgValue, where{"arg:", key}, key, str, false)
	}
	return true
}

// isJSONKey says whether the text after a string starts with ':'.
func isJSONKey(rest string) bool {
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// jsonString unquotes the JSON string at the start of s, returning it
// and the bytes consumed, quotes included.
func jsonString(s string) (string, int, bool) {
	end := -1
	escaped := false
	for i := 1; i < len(s); i++ {
		k := indexByte2(s[i:], '"', '\\')
		if k < 0 {
			break
		}
		i += k
		if s[i] == '\\' {
			escaped = true
			i++ // the escaped byte
			continue
		}
		end = i
		break
	}
	if end < 0 {
		return "", 0, false
	}
	raw := s[1:end]
	if !escaped {
		return raw, end + 1, true
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if r, ok := hexRune(raw, i+1, 4); ok {
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				b.WriteRune(r)
				i += 4
				continue
			}
			b.WriteString(`\u`)
		default: // '"', '\\', '/' and anything lenient parsers accept
			b.WriteByte(raw[i])
		}
	}
	return b.String(), end + 1, true
}

// maxSeenKeys bounds the list of keys remembered; past it, keys are
// inspected every time, as any other value.
const maxSeenKeys = 64

// sawKey reports whether key was inspected already, and remembers it.
func (in *inspection) sawKey(key string) bool {
	// The elements of an array of objects list their keys in the same
	// order: the key that followed the last one then is tried first.
	at := -1
	if in.lastKey >= 0 {
		if k := int(in.follows[in.lastKey]); k < len(in.seenKeys) && sameString(in.seenKeys[k], key) {
			at = k
		}
	}
	for k := 0; at < 0 && k < len(in.seenKeys); k++ {
		if sameString(in.seenKeys[k], key) {
			at = k
		}
	}
	seen := at >= 0
	if !seen && len(in.seenKeys) < maxSeenKeys {
		if in.seenKeys == nil {
			in.seenKeys = make([]string, 0, maxSeenKeys)
		}
		at = len(in.seenKeys)
		in.seenKeys = append(in.seenKeys, key)
	}
	if in.lastKey >= 0 && at >= 0 {
		in.follows[in.lastKey] = uint8(at)
	}
	in.lastKey = at
	return seen
}
