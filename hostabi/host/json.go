package host

import (
	"errors"
	"hash/maphash"
	"math"
	"unsafe"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/jsonwalk"
	"github.com/tetratelabs/wazero/api"
	"github.com/tidwall/gjson"
)

// The JSON primitives: json_get reads one value of a body by gjson path,
// json_leaves hands a guest the body's leaves in pieces. Both check the
// whole body first (jsonwalk, without recursion), so that a guest gets a
// result code for a body that is not JSON, never a half-read one, and
// gjson never meets nesting deeper than hostabi.MaxJSONDepth.

// jsonBody returns the body of the message the call names, after the
// checks every message function makes; false when the result is set.
func jsonBody(b *Binding, stack []uint64, kind uint64) (hostabi.Kind, []byte, bool) {
	if !inExchange(b, stack) {
		return 0, nil, false
	}
	k := hostabi.Kind(kind)
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return 0, nil, false
	}
	body, err := b.Exchange.Body(k)
	if err != nil {
		setResult(stack, resultOf(err))
		return 0, nil, false
	}
	return k, body, true
}

// jsonResult is the result code of a walk's error.
func jsonResult(err error) int32 {
	if errors.Is(err, jsonwalk.ErrDepth) {
		return hostabi.ErrTooLarge
	}
	return hostabi.ErrInvalid
}

func jsonGet(b *Binding, mem api.Memory, stack []uint64) {
	path := read(mem, stack[1], stack[2])
	buf, limit := stack[3], stack[4]
	out := read(mem, buf, limit)
	_, body, ok := jsonBody(b, stack, stack[0])
	if !ok {
		return
	}
	if len(path) == 0 || len(path) > hostabi.MaxJSONPathLen || hasModifier(path) {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	if err := jsonwalk.Valid(body); err != nil {
		setResult(stack, jsonResult(err))
		return
	}
	r := gjson.GetBytes(body, string(path))
	if !r.Exists() {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	t, v := jsonValue(r)
	if len(v) >= math.MaxInt32 {
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	if 1+len(v) <= len(out) {
		out[0] = byte(t)
		copy(out[1:], v)
	}
	setResult(stack, int32(1+len(v)))
}

// jsonValue is a gjson result as json_get writes it: its type, and the
// string decoded or the other types' JSON text.
func jsonValue(r gjson.Result) (hostabi.JSONType, string) {
	switch r.Type {
	case gjson.Null:
		return hostabi.JSONNull, r.Raw
	case gjson.False:
		return hostabi.JSONFalse, r.Raw
	case gjson.True:
		return hostabi.JSONTrue, r.Raw
	case gjson.Number:
		return hostabi.JSONNumber, r.Raw
	case gjson.String:
		return hostabi.JSONString, r.Str
	}
	if len(r.Raw) > 0 && r.Raw[0] == '[' {
		return hostabi.JSONArray, r.Raw
	}
	return hostabi.JSONObject, r.Raw
}

// hasModifier reports whether a gjson path holds an unescaped '@': gjson's
// modifiers (@reverse, @pretty, ...) build new documents, which is work
// the ABI does not promise to bound, so json_get refuses them.
func hasModifier(path []byte) bool {
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++
		case '@':
			return true
		}
	}
	return false
}

// leafWalk is the json_leaves walk a binding has in progress. Between
// calls it holds no reference to the body, only its address, length and
// hash: a call whose cursor is where the last one stopped, on the same
// bytes, goes on from there; any other call walks from the start.
type leafWalk struct {
	kind      hostabi.Kind
	addr      uintptr
	size      int
	sum       uint64
	delivered uint32 // leaves written to the guest
	done      bool   // the walk reached the document's end
	w         jsonwalk.Walker
	pending   []byte // a leaf's record that did not fit, to write first
	seed      maphash.Seed
}

// resumes reports whether a call on body at cursor goes on from where
// the walk stopped.
func (lw *leafWalk) resumes(k hostabi.Kind, body []byte, cursor uint32) bool {
	return cursor != 0 && cursor == lw.delivered && lw.kind == k && lw.size == len(body) && lw.size > 0 &&
		lw.addr == uintptr(unsafe.Pointer(unsafe.SliceData(body))) && lw.sum == maphash.Bytes(lw.seed, body)
}

// start begins a walk of body, which is valid JSON.
func (lw *leafWalk) start(k hostabi.Kind, body []byte) {
	if lw.seed == (maphash.Seed{}) {
		lw.seed = maphash.MakeSeed()
	}
	lw.kind, lw.size, lw.delivered, lw.done = k, len(body), 0, false
	lw.addr = uintptr(unsafe.Pointer(unsafe.SliceData(body)))
	lw.sum = maphash.Bytes(lw.seed, body)
	lw.pending = lw.pending[:0]
	lw.w.Reset(body)
}

func jsonLeaves(b *Binding, mem api.Memory, stack []uint64) {
	buf, limit := stack[2], stack[3]
	out := read(mem, buf, limit)
	k, body, ok := jsonBody(b, stack, stack[0])
	if !ok {
		return
	}
	cursor := uint32(stack[1])
	lw := &b.leaves
	if lw.resumes(k, body, cursor) {
		lw.w.Rebind(body)
	} else {
		if err := jsonwalk.Valid(body); err != nil {
			setResult(stack, jsonResult(err))
			return
		}
		lw.start(k, body)
		for lw.delivered < cursor && lw.skip() {
		}
	}
	setResult(stack, lw.write(out))
	lw.w.Rebind(nil) // hold nothing of the request between calls
}

// skip passes over one leaf; false at the end.
func (lw *leafWalk) skip() bool {
	if _, ok := lw.w.Next(); !ok {
		lw.done = true
		return false
	}
	lw.delivered++
	return true
}

// write writes whole records into out, as many as fit, and returns their
// length; when not even the first fits, it returns that record's length
// and writes nothing (the buffer-limit protocol, record by record). 0
// means there are no more leaves.
func (lw *leafWalk) write(out []byte) int32 {
	n := 0
	if len(lw.pending) > 0 {
		if len(lw.pending) > len(out) {
			return recordLen(len(lw.pending))
		}
		n = copy(out, lw.pending)
		lw.pending = lw.pending[:0]
		lw.delivered++
	}
	for !lw.done {
		l, ok := lw.w.Next()
		if !ok {
			lw.done = true
			break
		}
		size := hostabi.JSONLeafHeaderLen + len(l.Path) + len(l.Value)
		if n+size > len(out) {
			// Kept for the next call, which starts with it.
			lw.pending = appendRecord(lw.pending[:0], l)
			if n == 0 {
				return recordLen(size)
			}
			break
		}
		appendRecord(out[n:n], l)
		n += size
		lw.delivered++
	}
	return int32(n)
}

func recordLen(n int) int32 {
	if n > math.MaxInt32 {
		return hostabi.ErrTooLarge
	}
	return int32(n)
}

// appendRecord appends a leaf's record: type, offset, token length, path
// length and value length (little-endian u32s), the path, the value.
func appendRecord(dst []byte, l jsonwalk.Leaf) []byte {
	dst = append(dst, byte(l.Type))
	for _, v := range [4]int{l.Offset, l.Len, len(l.Path), len(l.Value)} {
		dst = append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	dst = append(dst, l.Path...)
	return append(dst, l.Value...)
}
