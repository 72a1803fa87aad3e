package wasmbin

import "fmt"

// Opcodes the rewrites look for or emit.
const (
	OpUnreachable byte = 0x00
	OpBlock       byte = 0x02
	OpLoop        byte = 0x03
	OpIf          byte = 0x04
	OpEnd         byte = 0x0b
	OpCall        byte = 0x10
	OpDrop        byte = 0x1a
	OpGlobalGet   byte = 0x23
	OpGlobalSet   byte = 0x24
	OpMemoryGrow  byte = 0x40
	OpI32Const    byte = 0x41
	OpI64Const    byte = 0x42
	OpI32Eqz      byte = 0x45
	OpI32Sub      byte = 0x6b
	// OpMisc prefixes saturating truncation, bulk memory and table
	// instructions; the Misc* constants are their sub-opcodes.
	OpMisc byte = 0xfc
)

// Sub-opcodes of OpMisc.
const (
	MiscMemoryInit = 8
	MiscDataDrop   = 9
	MiscTableInit  = 12
	MiscElemDrop   = 13
	MiscTableCopy  = 14
	MiscTableGrow  = 15
	MiscTableFill  = 17
)

// Instr describes an instruction SkipImmediates moved past: its opcode
// and, for the prefixed ones, its sub-opcode.
type Instr struct {
	Op  byte
	Sub uint32
}

// SkipImmediates moves past the immediates of op, whose byte was read,
// and returns the instruction. It covers WebAssembly 2.0 (what wazero
// compiles by default) and refuses the rest by name, so that an unknown
// layout is never guessed.
func (r *Reader) SkipImmediates(op byte) (Instr, error) {
	in := Instr{Op: op}
	switch {
	case op == OpBlock || op == OpLoop || op == OpIf:
		r.BlockType()
	case op == 0x0c || op == 0x0d: // br, br_if
		r.U32()
	case op == 0x0e: // br_table
		n := r.U32()
		for i := uint32(0); i <= n && r.Err == nil; i++ {
			r.U32()
		}
	case op == OpCall:
		r.U32()
	case op == 0x11: // call_indirect
		r.U32()
		r.U32()
	case op == 0x1c: // select with types
		n := r.U32()
		for i := uint32(0); i < n && r.Err == nil; i++ {
			r.ValType()
		}
	case op >= 0x20 && op <= 0x24: // local.*, global.*
		r.U32()
	case op == 0x25 || op == 0x26: // table.get, table.set
		r.U32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.MemArg()
	case op == 0x3f || op == OpMemoryGrow: // memory.size, memory.grow
		r.U32()
	case op == OpI32Const:
		r.LEB(32)
	case op == OpI64Const:
		r.LEB(64)
	case op == 0x43: // f32.const
		r.Bytes(4)
	case op == 0x44: // f64.const
		r.Bytes(8)
	case op == 0xd0: // ref.null
		r.LEB(33)
	case op == 0xd2: // ref.func
		r.U32()
	case op == OpMisc:
		sub, err := r.skipMisc()
		in.Sub = sub
		return in, err
	case op == 0xfd:
		sub, err := r.skipVector()
		in.Sub = sub
		return in, err
	case op <= 0x01, op == 0x05, op == OpEnd, op == 0x0f, op == OpDrop, op == 0x1b,
		op >= OpI32Eqz && op <= 0xc4, op == 0xd1:
		// No immediates.
	default:
		return in, fmt.Errorf("opcode %#x is not supported (only WebAssembly 2.0 modules are)", op)
	}
	return in, nil
}

// skipMisc covers the 0xFC prefix: saturating truncation, bulk memory and
// table instructions.
func (r *Reader) skipMisc() (uint32, error) {
	switch sub := r.U32(); {
	case sub <= 7: // trunc_sat
		return sub, nil
	case sub == MiscMemoryInit: // data index, memory
		r.U32()
		r.U32()
		return sub, nil
	case sub == MiscDataDrop:
		r.U32()
		return sub, nil
	case sub == 10: // memory.copy mem mem
		r.U32()
		r.U32()
		return sub, nil
	case sub == 11: // memory.fill mem
		r.U32()
		return sub, nil
	case sub == MiscTableInit: // elem table
		r.U32()
		r.U32()
		return sub, nil
	case sub == MiscElemDrop:
		r.U32()
		return sub, nil
	case sub == MiscTableCopy: // table table
		r.U32()
		r.U32()
		return sub, nil
	case sub >= MiscTableGrow && sub <= MiscTableFill: // table.grow, table.size, table.fill
		r.U32()
		return sub, nil
	default:
		return sub, fmt.Errorf("opcode 0xfc %d is not supported", sub)
	}
}

// skipVector covers the 0xFD prefix (SIMD).
func (r *Reader) skipVector() (uint32, error) {
	switch sub := r.U32(); {
	case sub <= 11: // v128 loads and store
		r.MemArg()
		return sub, nil
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.Bytes(16)
		return sub, nil
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.Byte()
		return sub, nil
	case sub >= 84 && sub <= 91: // load*_lane, store*_lane
		r.MemArg()
		r.Byte()
		return sub, nil
	case sub == 92 || sub == 93: // load32_zero, load64_zero
		r.MemArg()
		return sub, nil
	case sub <= 255:
		// The remaining SIMD instructions take no immediates.
		return sub, nil
	default:
		return sub, fmt.Errorf("opcode 0xfd %d is not supported", sub)
	}
}

// AppendU32 appends v as an unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte {
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

// AppendName appends a length-prefixed name.
func AppendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}

// AppendSLEB appends v as a signed LEB128, the form of i32.const and
// i64.const.
func AppendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
