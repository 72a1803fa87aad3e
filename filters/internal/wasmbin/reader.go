// Package wasmbin reads and writes the WebAssembly binary format, as far
// as the host's module rewrites need: sections, LEB128 numbers, names,
// types, constant expressions and the immediates of every WebAssembly 2.0
// instruction. It validates nothing beyond what it reads; wazero
// validates the rewritten module when it compiles it.
package wasmbin

import (
	"errors"
	"fmt"
)

// ErrShort is the error of a read past the end of the input.
var ErrShort = errors.New("unexpected end of module")

// Reader decodes the binary format. The first error sticks: callers check
// Err once after a run of reads, and every read after an error returns a
// zero value.
type Reader struct {
	B   []byte
	Pos int
	Err error
}

// Done reports whether the input is used up or a read failed.
func (r *Reader) Done() bool { return r.Err != nil || r.Pos >= len(r.B) }

func (r *Reader) fail(err error) {
	if r.Err == nil {
		r.Err = err
	}
	r.Pos = len(r.B)
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Pos >= len(r.B) {
		r.fail(ErrShort)
		return 0
	}
	c := r.B[r.Pos]
	r.Pos++
	return c
}

// Bytes reads n bytes, aliasing the input.
func (r *Reader) Bytes(n int) []byte {
	if n < 0 || n > len(r.B)-r.Pos {
		r.fail(ErrShort)
		return nil
	}
	b := r.B[r.Pos : r.Pos+n]
	r.Pos += n
	return b
}

// LEB reads an LEB128 number of at most bits bits and returns its raw
// bits: unsigned as it is, signed sign-extended from bits (see SLEB).
func (r *Reader) LEB(bits uint) uint64 {
	var v uint64
	var shift uint
	for {
		c := r.Byte()
		if r.Err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			return v
		}
		if shift >= bits {
			r.fail(errors.New("LEB128 number too long"))
			return 0
		}
	}
}

// SLEB reads a signed LEB128 number of at most bits bits.
func (r *Reader) SLEB(bits uint) int64 {
	var v int64
	var shift uint
	for {
		c := r.Byte()
		if r.Err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
		if shift >= bits {
			r.fail(errors.New("LEB128 number too long"))
			return 0
		}
	}
}

// U32 reads an unsigned LEB128 u32.
func (r *Reader) U32() uint32 { return uint32(r.LEB(32)) }

// Name reads a length-prefixed UTF-8 name.
func (r *Reader) Name() string {
	n := r.U32()
	return string(r.Bytes(int(n)))
}

// Limits reads a table's or memory's limits: flags, minimum, and the
// maximum when the flags say there is one.
func (r *Reader) Limits() (min uint64, max uint64, hasMax bool) {
	flags := r.Byte()
	min = r.LEB(64)
	if flags&0x01 != 0 {
		max, hasMax = r.LEB(64), true
	}
	return min, max, hasMax
}

// Value types.
const (
	I32       byte = 0x7f
	I64       byte = 0x7e
	F32       byte = 0x7d
	F64       byte = 0x7c
	V128      byte = 0x7b
	FuncRef   byte = 0x70
	ExternRef byte = 0x6f
)

// ValType reads a value type: a number, a vector, or a reference (with a
// heap type when written in the typed-reference form, which it returns
// as the form byte).
func (r *Reader) ValType() byte {
	switch c := r.Byte(); c {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return c
	case 0x63, 0x64:
		r.LEB(33)
		return c
	default:
		r.fail(fmt.Errorf("unknown value type %#x", c))
		return 0
	}
}

// BlockType reads an empty block type (0x40), a value type, or a type
// index (s33).
func (r *Reader) BlockType() {
	if r.Pos >= len(r.B) {
		r.fail(ErrShort)
		return
	}
	switch c := r.B[r.Pos]; c {
	case 0x40, I32, I64, F32, F64, V128, FuncRef, ExternRef:
		r.Pos++
	case 0x63, 0x64:
		r.Pos++
		r.LEB(33)
	default:
		r.LEB(33)
	}
}

// MemArg reads a memory argument: an alignment, with bit 6 announcing a
// memory index, and an offset.
func (r *Reader) MemArg() {
	align := r.U32()
	if align&0x40 != 0 {
		r.U32()
	}
	r.LEB(64)
}

// SkipExpr moves past a constant expression, up to and including its end.
func (r *Reader) SkipExpr() error {
	for r.Err == nil {
		op := r.Byte()
		if op == OpEnd {
			return r.Err
		}
		if _, err := r.SkipImmediates(op); err != nil {
			return err
		}
	}
	return r.Err
}
