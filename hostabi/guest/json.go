//go:build wasip1

package guest

import (
	"slices"
	"unsafe"
)

// JSON returns the value at path in the message's JSON body, read by the
// host with gjson (https://github.com/tidwall/gjson, path syntax): a
// string decoded, any other type as its JSON text. ErrNotFound means
// nothing is at path; ErrInvalid a body that is not one JSON document or
// a path with a modifier ('@'); ErrTooLarge nesting past the host's
// depth limit or a body past its body limit. The body is never parsed in
// wasm.
func (m Message) JSON(path string) (JSONType, string, error) {
	b, t, err := m.AppendJSON(scratch[:0], path)
	if cap(b) > cap(scratch) {
		scratch = b[:cap(b)]
	}
	return t, string(b), err
}

// AppendJSON appends the value at path to dst: JSON for a filter that
// keeps a buffer between requests. On an error dst is returned as it was.
func (m Message) AppendJSON(dst []byte, path string) ([]byte, JSONType, error) {
	for {
		spare := dst[len(dst):cap(dst)]
		n := jsonGet(uint32(m.kind), strPtr(path), uint32(len(path)), bufPtr(spare), uint32(len(spare)))
		if n < 0 {
			return dst, 0, resultError(n)
		}
		if int(n) <= len(spare) {
			// n >= 1: the type byte, then the value.
			t := JSONType(spare[0])
			copy(spare, spare[1:n])
			return dst[:len(dst)+int(n)-1], t, nil
		}
		dst = slices.Grow(dst, int(n))
	}
}

// WalkJSON calls fn on each leaf of the message's JSON body in document
// order (a member's name, then its value), until fn returns false. The
// host walks the body and hands the leaves over in pieces of buf's
// capacity (16 KiB when it has less), so a body of any size is walked in
// bounded memory; it returns buf, grown if a leaf needed it, to be kept
// for the next walk. The errors are JSON's.
func (m Message) WalkJSON(buf []byte, fn func(JSONLeaf) bool) ([]byte, error) {
	if cap(buf) < 16<<10 {
		buf = make([]byte, 16<<10)
	}
	buf = buf[:cap(buf)]
	cursor := uint32(0)
	for {
		n := jsonLeaves(uint32(m.kind), cursor, unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
		switch {
		case n < 0:
			return buf, resultError(n)
		case n == 0:
			return buf, nil
		case int(n) > len(buf):
			buf = make([]byte, int(n)) // one leaf larger than the buffer
			continue
		}
		rest := buf[:n]
		for len(rest) > 0 {
			l, r, ok := nextLeaf(rest)
			if !ok {
				return buf, ErrInvalid // a host that broke the record format
			}
			rest = r
			cursor++
			if !fn(l) {
				return buf, nil
			}
		}
	}
}
