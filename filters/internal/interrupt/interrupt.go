// Package interrupt rewrites a wasm module so that the host can stop it
// mid-call, and so that the Go scheduler can always stop it for a moment.
//
// wazero can stop a running module itself (RuntimeConfig's
// WithCloseOnContextDone), but it pays for that on every call: it starts a
// watchdog goroutine per call, and compiled code leaves native execution
// for a check in Go at every loop iteration. A Go guest's runtime loops a
// lot, so on short calls that costs more than the filter's work.
//
// Instead, every loop here counts down a budget, a global only the guest
// touches. When it runs out, the loop makes a trip into Go (a memory.grow
// of zero pages, which wazero serves in Go) and checks the interrupt flag,
// an exported global the host's timer sets; a set flag traps. The trip
// matters as much as the flag: native code cannot be preempted, so a
// guest that loops without leaving it would hold up every stop-the-world
// of the Go runtime, the timer that should stop it included.
//
// Calls and recursion need no check: an unbounded recursion exhausts the
// stack and traps on its own, so a loop is the only way to run forever.
package interrupt

import (
	"errors"
	"fmt"

	"github.com/gojinn/gojinn/filters/internal/wasmbin"
)

// Names the rewritten module exports.
const (
	// Global is the i32 flag: 0 runs, anything else traps at the next
	// check, at most Budget loop iterations later.
	Global = "__gojinn_interrupt"
	// Start is the module's start function, when it had one: it is no
	// longer run at instantiation, where no flag can reach it, and the
	// host calls it after instantiating, under its time limit.
	Start = "__gojinn_start"
)

// Budget is how many loop iterations run between two checks of the flag.
// A check costs a trip into Go of some tens of nanoseconds; a tight loop
// iteration, about one.
const Budget = 4096

// Instrument returns the module rewritten as described in the package
// documentation. It refuses modules that already use its export names and
// instructions it does not know, rather than guess at their layout.
func Instrument(wasm []byte) ([]byte, error) {
	m, err := wasmbin.Parse(wasm)
	if err != nil {
		return nil, err
	}
	importedGlobals, importedMemory, err := scanImports(m.Find(wasmbin.SecImport))
	if err != nil {
		return nil, fmt.Errorf("import section: %w", err)
	}
	memories, err := m.Count(wasmbin.SecMemory)
	if err != nil {
		return nil, fmt.Errorf("memory section: %w", err)
	}
	hasMemory := importedMemory || memories > 0
	ownGlobals, err := countGlobals(m.Find(wasmbin.SecGlobal))
	if err != nil {
		return nil, fmt.Errorf("global section: %w", err)
	}
	flag := importedGlobals + ownGlobals
	budget := flag + 1

	// The flag, (global (mut i32) (i32.const 0)), and the budget, which
	// starts at zero so that the first loop iteration checks at once.
	zero := []byte{wasmbin.I32, 0x01, wasmbin.OpI32Const, 0x00, wasmbin.OpEnd}
	if err := m.AppendEntries(wasmbin.SecGlobal, append(append([]byte(nil), zero...), zero...), 2); err != nil {
		return nil, err
	}

	exports := wasmbin.AppendName(nil, Global)
	exports = append(exports, 0x03)
	exports = wasmbin.AppendU32(exports, flag)
	nExports := uint32(1)
	if s := m.Find(wasmbin.SecStart); s != nil {
		sr := wasmbin.Reader{B: s.Payload}
		fn := sr.U32()
		if sr.Err != nil {
			return nil, fmt.Errorf("start section: %w", sr.Err)
		}
		exports = wasmbin.AppendName(exports, Start)
		exports = append(exports, 0x00)
		exports = wasmbin.AppendU32(exports, fn)
		nExports++
		m.Remove(wasmbin.SecStart)
	}
	if err := checkExportNames(m.Find(wasmbin.SecExport)); err != nil {
		return nil, err
	}
	if err := m.AppendEntries(wasmbin.SecExport, exports, nExports); err != nil {
		return nil, err
	}

	if c := m.Find(wasmbin.SecCode); c != nil {
		code, err := instrumentCode(c.Payload, check(flag, budget, hasMemory))
		if err != nil {
			return nil, fmt.Errorf("code section: %w", err)
		}
		c.Payload = code
	}
	return m.Encode(), nil
}

// scanImports counts the imported globals, which come before the module's
// own in the global index space, and tells whether a memory is imported.
func scanImports(s *wasmbin.Section) (globals uint32, memory bool, err error) {
	if s == nil {
		return 0, false, nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		r.Name()
		r.Name()
		switch kind := r.Byte(); kind {
		case 0x00: // func: type index
			r.U32()
		case 0x01: // table: reftype, limits
			r.ValType()
			r.Limits()
		case 0x02: // memory: limits
			r.Limits()
			memory = true
		case 0x03: // global: valtype, mut
			r.ValType()
			r.Byte()
			globals++
		case 0x04: // tag: attribute, type index
			r.Byte()
			r.U32()
		default:
			return 0, false, fmt.Errorf("unknown import kind %#x", kind)
		}
	}
	return globals, memory, r.Err
}

// countGlobals reads the global section whole, since entries are added
// after its last one: trailing bytes would end up inside them.
func countGlobals(s *wasmbin.Section) (uint32, error) {
	if s == nil {
		return 0, nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		r.ValType()
		r.Byte()
		if err := r.SkipExpr(); err != nil {
			return 0, err
		}
	}
	if r.Err == nil && !r.Done() {
		return 0, errors.New("trailing bytes")
	}
	return n, r.Err
}

// checkExportNames reads the export section whole, for the same reason,
// and refuses the names the host reserves.
func checkExportNames(s *wasmbin.Section) error {
	if s == nil {
		return nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		name := r.Name()
		if name == Global || name == Start {
			return fmt.Errorf("module already exports %q, a name the host reserves", name)
		}
		r.Byte()
		r.U32()
	}
	if r.Err == nil && !r.Done() {
		return errors.New("export section: trailing bytes")
	}
	return r.Err
}

// check is what goes at the top of every loop body:
//
//	global.get $budget
//	i32.eqz
//	if
//	  i32.const 0
//	  memory.grow 0      ;; a trip into Go: the scheduler may stop us here
//	  drop
//	  global.get $flag
//	  if
//	    unreachable      ;; the host's time limit has passed
//	  end
//	  i32.const Budget
//	  global.set $budget
//	end
//	global.get $budget
//	i32.const 1
//	i32.sub
//	global.set $budget
//
// A module without a memory has no trip into Go; it has no use for a
// Gojinn host either, which needs one, but instrumenting it stays valid.
func check(flag, budget uint32, hasMemory bool) []byte {
	const void = 0x40 // an if without results
	c := wasmbin.AppendU32([]byte{wasmbin.OpGlobalGet}, budget)
	c = append(c, wasmbin.OpI32Eqz, wasmbin.OpIf, void)
	if hasMemory {
		c = append(c, wasmbin.OpI32Const, 0x00, wasmbin.OpMemoryGrow, 0x00, wasmbin.OpDrop)
	}
	c = wasmbin.AppendU32(append(c, wasmbin.OpGlobalGet), flag)
	c = append(c, wasmbin.OpIf, void, wasmbin.OpUnreachable, wasmbin.OpEnd)
	c = wasmbin.AppendSLEB(append(c, wasmbin.OpI32Const), Budget)
	c = wasmbin.AppendU32(append(c, wasmbin.OpGlobalSet), budget)
	c = append(c, wasmbin.OpEnd)
	c = wasmbin.AppendU32(append(c, wasmbin.OpGlobalGet), budget)
	c = append(c, wasmbin.OpI32Const, 0x01, wasmbin.OpI32Sub)
	return wasmbin.AppendU32(append(c, wasmbin.OpGlobalSet), budget)
}

func instrumentCode(payload, chk []byte) ([]byte, error) {
	r := wasmbin.Reader{B: payload}
	n := r.U32()
	out := wasmbin.AppendU32(make([]byte, 0, len(payload)+len(payload)/8), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.U32()
		fn := r.Bytes(int(size))
		if r.Err != nil {
			return nil, fmt.Errorf("function %d: %w", i, r.Err)
		}
		var err error
		if body, err = instrumentBody(body[:0], fn, chk); err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = wasmbin.AppendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if !r.Done() {
		return nil, errors.New("trailing bytes")
	}
	return out, nil
}

// instrumentBody copies one function body, inserting chk after the block
// type of every loop instruction.
func instrumentBody(out, fn, chk []byte) ([]byte, error) {
	r := wasmbin.Reader{B: fn}
	groups := r.U32()
	for i := uint32(0); i < groups && r.Err == nil; i++ {
		r.U32()
		r.ValType()
	}
	if r.Err != nil {
		return nil, fmt.Errorf("locals: %w", r.Err)
	}
	copied := 0
	for !r.Done() {
		op := r.Byte()
		if _, err := r.SkipImmediates(op); err != nil {
			return nil, err
		}
		if r.Err != nil {
			return nil, fmt.Errorf("opcode %#x: %w", op, r.Err)
		}
		if op == wasmbin.OpLoop {
			out = append(out, fn[copied:r.Pos]...)
			out = append(out, chk...)
			copied = r.Pos
		}
	}
	return append(out, fn[copied:]...), nil
}
