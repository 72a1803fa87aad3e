package interrupt

import (
	"errors"
	"fmt"
)

var errShort = errors.New("unexpected end of module")

// reader decodes the wasm binary format. The first error sticks: callers
// check err once after a run of reads.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) done() bool { return r.err != nil || r.pos >= len(r.b) }

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.pos = len(r.b)
}

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.fail(errShort)
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.pos {
		r.fail(errShort)
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

// leb reads an LEB128 number of at most bits bits, signed or not, and
// returns it unsigned (callers that need the sign do not exist here).
func (r *reader) leb(bits uint) uint64 {
	var v uint64
	var shift uint
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			return v
		}
		if shift >= bits+7 {
			r.fail(errors.New("LEB128 number too long"))
			return 0
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.leb(32)) }

func (r *reader) name() string {
	n := r.u32()
	return string(r.bytes(int(n)))
}

func (r *reader) limits() {
	flags := r.byte()
	r.leb(64)
	if flags&0x01 != 0 {
		r.leb(64)
	}
}

// Value types: numbers, vector, and references (with a heap type when
// written in the typed-reference form).
func (r *reader) valType() {
	switch c := r.byte(); c {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
	case 0x63, 0x64:
		r.leb(33)
	default:
		r.fail(fmt.Errorf("unknown value type %#x", c))
	}
}

func (r *reader) refType() { r.valType() }

// blockType is empty (0x40), a value type, or a type index (s33).
func (r *reader) blockType() {
	if r.pos >= len(r.b) {
		r.fail(errShort)
		return
	}
	switch c := r.b[r.pos]; c {
	case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
		r.pos++
	case 0x63, 0x64:
		r.pos++
		r.leb(33)
	default:
		r.leb(33)
	}
}

// memarg is an alignment, with bit 6 announcing a memory index, and an
// offset.
func (r *reader) memarg() {
	align := r.u32()
	if align&0x40 != 0 {
		r.u32()
	}
	r.leb(64)
}

// skipExpr moves past a constant expression, up to and including its end.
func (r *reader) skipExpr() error {
	for r.err == nil {
		op := r.byte()
		if op == 0x0b {
			return r.err
		}
		if err := r.skipImmediates(op); err != nil {
			return err
		}
	}
	return r.err
}
