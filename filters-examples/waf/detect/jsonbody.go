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
		if s[i] != '"' {
			continue
		}
		str, n, ok := jsonString(s[i:])
		if !ok {
			return false
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
		c := s[i]
		if c == '\\' {
			escaped = true
			i++
			continue
		}
		if c == '"' {
			end = i
			break
		}
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
	for _, k := range in.seenKeys {
		if k == key {
			return true
		}
	}
	if len(in.seenKeys) < maxSeenKeys {
		in.seenKeys = append(in.seenKeys, key)
	}
	return false
}
