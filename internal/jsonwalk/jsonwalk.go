// Package jsonwalk walks the leaves of a JSON document without recursion:
// member names, strings, numbers, booleans and nulls, each with its place
// in the document and its path in gjson's syntax. It is what the host's
// json_leaves serves guests from, and what json_get validates a body with
// before gjson reads it.
//
// The walk keeps its own stack, bounded by MaxDepth, so that a body of a
// million '[' costs a bounded error and no host stack. A Walker can stop
// after any leaf and go on later: the host hands a big document to a guest
// in pieces.
package jsonwalk

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gojinn/gojinn/hostabi"
)

// Type is what a leaf is: the ABI's JSON types.
type Type = hostabi.JSONType

const (
	Null   = hostabi.JSONNull
	False  = hostabi.JSONFalse
	True   = hostabi.JSONTrue
	Number = hostabi.JSONNumber
	String = hostabi.JSONString
	Key    = hostabi.JSONKey // a member name
)

// MaxDepth is how deeply arrays and objects may nest.
const MaxDepth = hostabi.MaxJSONDepth

// Errors of a walk.
var (
	ErrSyntax = errors.New("jsonwalk: not a JSON document")
	ErrDepth  = errors.New("jsonwalk: nested deeper than MaxDepth")
)

// Leaf is one leaf of the document. Path and Value are valid until the
// next call of Next.
type Leaf struct {
	Type Type
	// Offset and Len are the leaf's token in the document: a string or
	// member name with its quotes, a number, true, false or null.
	Offset, Len int
	// Path is the leaf's path in gjson's syntax: the member names
	// (escaped with '\' where gjson would read a byte as syntax) and
	// array indexes from the root, joined by '.'; empty for a document
	// that is a single scalar. A member name's path is its member's.
	Path []byte
	// Value is the string or member name decoded (escapes resolved, a
	// lone surrogate as U+FFFD, other bytes as they are), or the token
	// itself for the other types.
	Value []byte
}

type frame struct {
	object  bool
	index   int // the element of an array being walked
	pathLen int // the path's length at the container
}

type state uint8

const (
	stValue  state = iota // a value is next
	stAfter               // a value just ended
	stKey                 // a member name is next
	stEnd                 // the document ended
	stFailed              // a walk that failed stays failed
)

// Walker walks one document. The zero value walks nothing; Reset starts
// a walk.
type Walker struct {
	src   []byte
	i     int
	st    state
	stack []frame
	path  []byte
	buf   []byte // a decoded string with escapes
	err   error
	n     int  // leaves returned
	bare  bool // no paths: Valid's walk
}

// Reset starts a walk of src, keeping w's buffers.
func (w *Walker) Reset(src []byte) {
	w.src, w.i, w.st, w.err, w.n = src, 0, stValue, nil, 0
	w.stack, w.path = w.stack[:0], w.path[:0]
}

// Rebind gives the walk its document again, at the address it has now:
// src must hold the same bytes as the document the walk began on. A
// walker kept between calls drops its document (Rebind(nil)) so as not to
// hold a request's body, and gets it back when the walk goes on.
func (w *Walker) Rebind(src []byte) { w.src = src }

// Count is the number of leaves Next has returned since Reset.
func (w *Walker) Count() int { return w.n }

// CopyFrom makes w a copy of o, with buffers of its own, so that w goes
// on where o stands while o walks on.
func (w *Walker) CopyFrom(o *Walker) {
	w.src, w.i, w.st, w.err, w.n = o.src, o.i, o.st, o.err, o.n
	w.stack = append(w.stack[:0], o.stack...)
	w.path = append(w.path[:0], o.path...)
}

// Next returns the next leaf. ok is false at the end of the document or
// at an error, which Err then returns. It loops rather than recurses over
// containers: the depth costs the stack slice, not the host's stack.
func (w *Walker) Next() (l Leaf, ok bool) {
	for {
		switch w.st {
		case stEnd, stFailed:
			return Leaf{}, false
		case stValue:
			if l, ok := w.value(); ok {
				return l, true
			}
		case stKey:
			if l, ok := w.key(); ok {
				return l, true
			}
		case stAfter:
			w.after()
		}
	}
}

// Err is the error that ended the walk, nil when it ended at the end of
// a well-formed document (or has not ended).
func (w *Walker) Err() error { return w.err }

// Valid reports whether src is one JSON document (white space around it
// allowed) nested at most MaxDepth deep, and the error when it is not.
func Valid(src []byte) error {
	w := Walker{bare: true}
	w.Reset(src)
	for {
		if _, ok := w.Next(); !ok {
			return w.Err()
		}
	}
}

// fail ends the walk with err. value and key return false without a
// leaf either after a fail or when they only moved into a container.
func (w *Walker) fail(err error) (Leaf, bool) {
	w.st, w.err = stFailed, err
	return Leaf{}, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (w *Walker) skipSpace() {
	for w.i < len(w.src) && isSpace(w.src[w.i]) {
		w.i++
	}
}

func (w *Walker) value() (Leaf, bool) {
	w.skipSpace()
	if w.i >= len(w.src) {
		return w.fail(ErrSyntax)
	}
	start := w.i
	switch c := w.src[w.i]; {
	case c == '{' || c == '[':
		if len(w.stack) >= MaxDepth {
			return w.fail(ErrDepth)
		}
		w.i++
		w.stack = append(w.stack, frame{object: c == '{', pathLen: len(w.path)})
		w.skipSpace()
		if w.i < len(w.src) && (w.src[w.i] == '}' && c == '{' || w.src[w.i] == ']' && c == '[') {
			w.i++
			w.stack = w.stack[:len(w.stack)-1]
			w.st = stAfter
			return Leaf{}, false
		}
		if c == '{' {
			w.st = stKey
		} else {
			w.pushIndex(0)
		}
		return Leaf{}, false
	case c == '"':
		v, ok := w.str()
		if !ok {
			return w.fail(ErrSyntax)
		}
		w.st = stAfter
		return w.leaf(String, start, v), true
	case c == '-' || c >= '0' && c <= '9':
		if !w.number() {
			return w.fail(ErrSyntax)
		}
		w.st = stAfter
		return w.leaf(Number, start, w.src[start:w.i]), true
	case c == 't', c == 'f', c == 'n':
		lit, t := "null", Null
		switch c {
		case 't':
			lit, t = "true", True
		case 'f':
			lit, t = "false", False
		}
		if len(w.src)-w.i < len(lit) || string(w.src[w.i:w.i+len(lit)]) != lit {
			return w.fail(ErrSyntax)
		}
		w.i += len(lit)
		w.st = stAfter
		return w.leaf(t, start, w.src[start:w.i]), true
	}
	return w.fail(ErrSyntax)
}

func (w *Walker) leaf(t Type, start int, v []byte) Leaf {
	w.n++
	return Leaf{Type: t, Offset: start, Len: w.i - start, Path: w.path, Value: v}
}

// key reads a member name and the ':' after it.
func (w *Walker) key() (Leaf, bool) {
	w.skipSpace()
	if w.i >= len(w.src) || w.src[w.i] != '"' {
		return w.fail(ErrSyntax)
	}
	start := w.i
	name, ok := w.str()
	if !ok {
		return w.fail(ErrSyntax)
	}
	end := w.i
	w.skipSpace()
	if w.i >= len(w.src) || w.src[w.i] != ':' {
		return w.fail(ErrSyntax)
	}
	w.i++
	if !w.bare {
		top := &w.stack[len(w.stack)-1]
		w.path = w.path[:top.pathLen]
		if top.pathLen > 0 {
			w.path = append(w.path, '.')
		}
		w.path = appendEscaped(w.path, name)
	}
	w.st = stValue
	w.n++
	return Leaf{Type: Key, Offset: start, Len: end - start, Path: w.path, Value: name}, true
}

// after moves past the ',' or closing bracket that follows a value.
func (w *Walker) after() {
	w.skipSpace()
	if len(w.stack) == 0 {
		if w.i != len(w.src) {
			w.fail(ErrSyntax)
			return
		}
		w.st = stEnd
		return
	}
	if w.i >= len(w.src) {
		w.fail(ErrSyntax)
		return
	}
	top := &w.stack[len(w.stack)-1]
	switch c := w.src[w.i]; {
	case c == ',':
		w.i++
		if top.object {
			w.st = stKey
		} else {
			top.index++
			w.pushIndex(top.index)
		}
	case c == '}' && top.object, c == ']' && !top.object:
		w.i++
		w.path = w.path[:top.pathLen]
		w.stack = w.stack[:len(w.stack)-1]
	default:
		w.fail(ErrSyntax)
	}
}

// pushIndex makes the path that of element i of the array on top.
func (w *Walker) pushIndex(i int) {
	w.st = stValue
	if w.bare {
		return
	}
	top := w.stack[len(w.stack)-1]
	w.path = w.path[:top.pathLen]
	if top.pathLen > 0 {
		w.path = append(w.path, '.')
	}
	w.path = strconv.AppendInt(w.path, int64(i), 10)
}

// appendEscaped appends a member name as a gjson path component: every
// ASCII byte but letters, digits, '_', '-' and ':' is escaped with '\'
// (more than gjson needs, which it reads the same).
func appendEscaped(dst, name []byte) []byte {
	for _, c := range name {
		if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == ':') {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// number reads a number as RFC 8259 spells it.
func (w *Walker) number() bool {
	s, i := w.src, w.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	w.i = i
	return true
}

// str reads the string at w.i and returns its content, decoded: a slice
// of the document when it has no escapes, else of w.buf.
func (w *Walker) str() ([]byte, bool) {
	s := w.src
	start := w.i + 1
	i := start
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i < len(s) && s[i] == '"' {
		w.i = i + 1
		return s[start:i], true
	}
	b := append(w.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			w.buf, w.i = b, i+1
			return b, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return nil, false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b = append(b, s[i+1])
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
			r, ok := hex4(s, i+2)
			if !ok {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2, ok := hex4(s, i+2); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return nil, false
}

// plain marks the bytes a string holds as they are: not '"', '\\' or a
// control byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

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
