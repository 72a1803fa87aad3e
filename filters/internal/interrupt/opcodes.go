package interrupt

import "fmt"

const opLoop = 0x03

// skipImmediates moves past the immediates of op, whose byte was read.
// It covers WebAssembly 2.0 (what wazero compiles by default) and refuses
// the rest by name, so that an unknown layout is never guessed.
func (r *reader) skipImmediates(op byte) error {
	switch {
	case op == 0x02 || op == opLoop || op == 0x04: // block, loop, if
		r.blockType()
	case op == 0x0c || op == 0x0d: // br, br_if
		r.u32()
	case op == 0x0e: // br_table
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x10: // call
		r.u32()
	case op == 0x11: // call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select with types
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valType()
		}
	case op >= 0x20 && op <= 0x24: // local.*, global.*
		r.u32()
	case op == 0x25 || op == 0x26: // table.get, table.set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41: // i32.const
		r.leb(32)
	case op == 0x42: // i64.const
		r.leb(64)
	case op == 0x43: // f32.const
		r.bytes(4)
	case op == 0x44: // f64.const
		r.bytes(8)
	case op == 0xd0: // ref.null
		r.leb(33)
	case op == 0xd2: // ref.func
		r.u32()
	case op == 0xfc:
		return r.skipMisc()
	case op == 0xfd:
		return r.skipVector()
	case op <= 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		// No immediates.
	default:
		return fmt.Errorf("opcode %#x is not supported (only WebAssembly 2.0 modules are)", op)
	}
	return nil
}

// skipMisc covers the 0xFC prefix: saturating truncation, bulk memory and
// table instructions.
func (r *reader) skipMisc() error {
	switch sub := r.u32(); {
	case sub <= 7: // trunc_sat
	case sub == 8: // memory.init data mem
		r.u32()
		r.u32()
	case sub == 9: // data.drop
		r.u32()
	case sub == 10: // memory.copy mem mem
		r.u32()
		r.u32()
	case sub == 11: // memory.fill mem
		r.u32()
	case sub == 12: // table.init elem table
		r.u32()
		r.u32()
	case sub == 13: // elem.drop
		r.u32()
	case sub == 14: // table.copy table table
		r.u32()
		r.u32()
	case sub >= 15 && sub <= 17: // table.grow, table.size, table.fill
		r.u32()
	default:
		return fmt.Errorf("opcode 0xfc %d is not supported", sub)
	}
	return nil
}

// skipVector covers the 0xFD prefix (SIMD).
func (r *reader) skipVector() error {
	switch sub := r.u32(); {
	case sub <= 11: // v128 loads and store
		r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.byte()
	case sub >= 84 && sub <= 91: // load*_lane, store*_lane
		r.memarg()
		r.byte()
	case sub == 92 || sub == 93: // load32_zero, load64_zero
		r.memarg()
	case sub <= 255:
		// The remaining SIMD instructions take no immediates.
	default:
		return fmt.Errorf("opcode 0xfd %d is not supported", sub)
	}
	return nil
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

// appendI32 appends v as a signed LEB128, the form of i32.const.
func appendI32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
