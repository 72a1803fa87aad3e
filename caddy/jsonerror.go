package gojinn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// checkJSON reports why config is not valid JSON: where it breaks (line
// and column) and a short excerpt of that line. A filter's config holds
// secrets (API keys, HMAC secrets), so the error never quotes it whole,
// and in the excerpt every string value is masked; object keys stay, for
// they say where the mistake is.
func checkJSON(config []byte) error {
	var v any
	err := json.Unmarshal(config, &v)
	if err == nil {
		return nil
	}
	// A syntax error's Offset counts the bytes read, the bad one
	// included: the bad byte is the one before it.
	offset := int64(len(config))
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = max(syntax.Offset-1, 0)
	}
	line, col, excerpt := locate(maskStrings(config), int(offset))
	reason := "unexpected end of input"
	if syntax != nil {
		reason = syntax.Error()
	}
	return fmt.Errorf("config is not valid JSON: line %d, column %d: %s (near %q)", line, col, reason, excerpt)
}

// excerptWidth is how much of the line around the error an excerpt
// shows, on either side.
const excerptWidth = 24

// locate turns a byte offset into a line and column (both from 1) and the
// part of that line around it.
func locate(data []byte, offset int) (line, col int, excerpt string) {
	offset = min(max(offset, 0), len(data))
	start := bytes.LastIndexByte(data[:offset], '\n') + 1
	end := bytes.IndexByte(data[offset:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += offset
	}
	line = bytes.Count(data[:start], []byte{'\n'}) + 1
	col = offset - start + 1
	from, to := max(start, offset-excerptWidth), min(end, offset+excerptWidth)
	return line, col, string(bytes.TrimSpace(data[from:to]))
}

// maskStrings returns a copy of data in which the contents of every
// string literal that is not an object key are replaced by asterisks, one
// per byte, so that offsets into data stay true.
func maskStrings(data []byte) []byte {
	out := bytes.Clone(data)
	for i := 0; i < len(out); i++ {
		if out[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(out) && out[j] != '"' {
			if out[j] == '\\' {
				j++
			}
			j++
		}
		end := min(j, len(out))
		if !isKey(out[end:]) {
			for k := i + 1; k < end; k++ {
				if out[k] != '\n' {
					out[k] = '*'
				}
			}
		}
		i = end
	}
	return out
}

// isKey reports whether the text after a string literal makes it an
// object key: a colon after optional white space.
func isKey(rest []byte) bool {
	if len(rest) > 0 {
		rest = rest[1:] // the closing quote
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(rest) > 0 && rest[0] == ':'
}
