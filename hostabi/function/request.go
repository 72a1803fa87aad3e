package function

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Request is the contract's request, as DecodeRequest reads it.
type Request struct {
	Method string
	// URI is the request target: path and query, as received.
	URI string
	// Header holds the request headers in the order they came.
	Header []HeaderField
	Body   string
	// TraceID is the request's traceparent header, "" when it had none.
	TraceID string
}

// HeaderField is a header's name and values.
type HeaderField struct {
	Name   string
	Values []string
}

// HeaderValue returns the first value of the named header, matched
// without regard to case, or "" when the request has none.
func (r *Request) HeaderValue(name string) string {
	for i := range r.Header {
		if strings.EqualFold(r.Header[i].Name, name) && len(r.Header[i].Values) > 0 {
			return r.Header[i].Values[0]
		}
	}
	return ""
}

// ErrSyntax is the error of a request that is not the contract's JSON.
var ErrSyntax = errors.New("function: the request is not the contract's JSON")

// DecodeRequest decodes the contract's request from raw into r, reusing
// r's header slices. It decodes what encoding/json would into the struct
// of the contract's documentation (member names without regard to case,
// unknown members skipped, a later duplicate winning, null leaving a
// value empty, bytes that are not UTF-8 read as U+FFFD), without
// reflection, which in wasm costs a guest more than its handler: a
// request decodes in a few microseconds. The strings are copies: r may
// be kept after the handler returns.
func DecodeRequest(raw []byte, r *Request) error {
	d := decoder{s: raw}
	header := r.Header[:0]
	*r = Request{}
	if !d.object(func(key string) bool {
		switch {
		case strings.EqualFold(key, "method"):
			return d.stringOrNull(&r.Method)
		case strings.EqualFold(key, "uri"):
			return d.stringOrNull(&r.URI)
		case strings.EqualFold(key, "body"):
			return d.stringOrNull(&r.Body)
		case strings.EqualFold(key, "trace_id"):
			return d.stringOrNull(&r.TraceID)
		case strings.EqualFold(key, "headers"):
			header = header[:0]
			if d.null() {
				return true
			}
			return d.object(func(name string) bool {
				i := 0
				for i < len(header) && header[i].Name != name {
					i++
				}
				if i == len(header) {
					if len(header) < cap(header) {
						header = header[:i+1]
						header[i].Values = header[i].Values[:0]
					} else {
						header = append(header, HeaderField{})
					}
				} else {
					header[i].Values = header[i].Values[:0]
				}
				header[i].Name = name
				return d.values(&header[i].Values)
			})
		}
		return d.skip()
	}) {
		return d.error()
	}
	if d.space(); d.i != len(d.s) {
		return d.error()
	}
	r.Header = header
	return nil
}

// decoder reads JSON from s at i, without recursion beyond the request's
// own nesting (skip keeps a stack instead).
type decoder struct {
	s []byte
	i int
}

func (d *decoder) error() error {
	return errors.New(ErrSyntax.Error() + " at byte " + strconv.Itoa(d.i))
}

func (d *decoder) space() {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\t' || d.s[d.i] == '\n' || d.s[d.i] == '\r') {
		d.i++
	}
}

// next skips white space and reports whether the next byte is c,
// consuming it if so.
func (d *decoder) next(c byte) bool {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) literal(word string) bool {
	d.space()
	if len(d.s)-d.i >= len(word) && string(d.s[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

func (d *decoder) null() bool { return d.literal("null") }

// object reads an object, calling member for each key with the decoder
// at the member's value, which member must consume.
func (d *decoder) object(member func(key string) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		var key string
		if !d.string(&key) || !d.next(':') || !member(key) {
			return false
		}
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// values reads a header's values: an array of strings (null among them
// read as ""), or null.
func (d *decoder) values(dst *[]string) bool {
	if d.null() {
		return true
	}
	if !d.next('[') {
		return false
	}
	if d.next(']') {
		return true
	}
	for {
		var v string
		if !d.stringOrNull(&v) {
			return false
		}
		*dst = append(*dst, v)
		if d.next(']') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

func (d *decoder) stringOrNull(dst *string) bool {
	if d.null() {
		return true
	}
	return d.string(dst)
}

// string reads a JSON string into dst.
func (d *decoder) string(dst *string) bool {
	if !d.next('"') {
		return false
	}
	start := d.i
	// The common case: no escapes, valid UTF-8, one copy.
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			*dst = string(d.s[start:d.i])
			d.i++
			return true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return d.slowString(dst, start)
		}
		d.i++
	}
	return false
}

// slowString is string for one with escapes, control characters (which
// are errors) or bytes past ASCII, from its start.
func (d *decoder) slowString(dst *string, start int) bool {
	b := append([]byte(nil), d.s[start:d.i]...)
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			*dst = string(b)
			d.i++
			return true
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(d.s[d.i:])
			b = utf8.AppendRune(b, r) // an invalid byte decodes as U+FFFD, one at a time
			d.i += n
			continue
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			return false
		}
		d.i += 2
		switch e := d.s[d.i-1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return false
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one character; anything else leaves the
				// half alone, which is U+FFFD.
				if d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					r2, ok := d.hex4()
					if !ok {
						return false
					}
					if both := utf16.DecodeRune(r, r2); both != utf8.RuneError {
						r = both
					} else {
						d.i = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return false
		}
	}
	return false
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.s)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.s[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// skip reads and drops any JSON value, keeping a stack of the
// containers it is in rather than recursing.
func (d *decoder) skip() bool {
	var open []byte // '}' or ']' for each container entered
	var discard string
	for {
		d.space()
		if d.i >= len(d.s) {
			return false
		}
		switch c := d.s[d.i]; {
		case c == '{':
			d.i++
			if !d.next('}') {
				open = append(open, '}')
				if !d.string(&discard) || !d.next(':') {
					return false
				}
				continue // the member's value
			}
		case c == '[':
			d.i++
			if !d.next(']') {
				open = append(open, ']')
				continue // the first element
			}
		case c == '"':
			if !d.string(&discard) {
				return false
			}
		case c == 't', c == 'f', c == 'n':
			if !d.literal("true") && !d.literal("false") && !d.null() {
				return false
			}
		case c == '-' || '0' <= c && c <= '9':
			if !d.number() {
				return false
			}
		default:
			return false
		}
		// A value is done: close what it ends, or go on to the next
		// element or member.
		for {
			if len(open) == 0 {
				return true
			}
			closer := open[len(open)-1]
			if d.next(closer) {
				open = open[:len(open)-1]
				continue
			}
			if !d.next(',') {
				return false
			}
			if closer == '}' && (!d.string(&discard) || !d.next(':')) {
				return false
			}
			break
		}
	}
}

// number reads a JSON number.
func (d *decoder) number() bool {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case digits() == 0:
		return false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return d.i > start
}
