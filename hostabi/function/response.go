package function

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Response is a function's answer, as the contract has it.
type Response struct {
	// Status is the HTTP status, 200 when zero.
	Status int
	// Header holds the response headers, each with its values (an
	// http.Header is one).
	Header map[string][]string
	// Body is the response body. It travels as a JSON string, so it must
	// be text: bytes that are not UTF-8 arrive as U+FFFD.
	Body []byte
}

// AppendJSON appends r to dst as the JSON object a function writes on
// stdout, and returns the extended buffer. It uses no reflection:
// encoding/json costs a wasm guest far more than the object is worth.
func (r *Response) AppendJSON(dst []byte) []byte {
	status := r.Status
	if status == 0 {
		status = 200
	}
	dst = append(dst, `{"status":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"headers":{`...)
	first := true
	for name, values := range r.Header {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, name)
		dst = append(dst, ":["...)
		for i, v := range values {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, v)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"body":`...)
	// Read in place: AppendString only reads it.
	dst = AppendString(dst, unsafe.String(unsafe.SliceData(r.Body), len(r.Body)))
	return append(dst, '}')
}

// AppendString appends s to dst as a JSON string: quoted, with quotes,
// backslashes and control characters escaped, and each byte that is not
// part of valid UTF-8 replaced by U+FFFD, as encoding/json does.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// Runs of bytes that need no escape are copied whole.
	run := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || n != 1 {
				i += n
				continue
			}
		}
		dst = append(dst, s[run:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				dst = append(dst, "\ufffd"...)
			}
		}
		i++
		run = i
	}
	dst = append(dst, s[run:]...)
	return append(dst, '"')
}

const hex = "0123456789abcdef"
