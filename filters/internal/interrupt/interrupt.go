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

// Section ids of the binary format.
const (
	secCustom = 0
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secStart  = 8
	secCode   = 10
)

// order is each non-custom section's place in a module; a new section is
// put before the first existing one that comes after it.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id      byte
	payload []byte
}

// Instrument returns the module rewritten as described in the package
// documentation. It refuses modules that already use its export names and
// instructions it does not know, rather than guess at their layout.
func Instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module (bad magic)")
	}
	if string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, errors.New("unsupported wasm binary version")
	}
	var secs []section
	r := reader{b: wasm, pos: 8}
	for !r.done() {
		id := r.byte()
		size := r.u32()
		payload := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("reading section %d: %w", id, r.err)
		}
		if id != secCustom {
			if _, ok := order[id]; !ok {
				return nil, fmt.Errorf("unknown section id %d", id)
			}
		}
		secs = append(secs, section{id, payload})
	}

	importedGlobals, importedMemory, err := scanImports(find(secs, secImport))
	if err != nil {
		return nil, fmt.Errorf("import section: %w", err)
	}
	hasMemory := importedMemory || hasEntries(find(secs, secMemory))
	ownGlobals, err := countGlobals(find(secs, secGlobal))
	if err != nil {
		return nil, fmt.Errorf("global section: %w", err)
	}
	flag := importedGlobals + ownGlobals
	budget := flag + 1

	// The flag, (global (mut i32) (i32.const 0)), and the budget, which
	// starts at zero so that the first loop iteration checks at once.
	zero := []byte{0x7f, 0x01, 0x41, 0x00, 0x0b}
	secs = appendEntries(secs, secGlobal, append(append([]byte(nil), zero...), zero...), 2)

	exports := appendName(nil, Global)
	exports = append(exports, 0x03)
	exports = appendU32(exports, flag)
	if s := find(secs, secStart); s != nil {
		sr := reader{b: s.payload}
		fn := sr.u32()
		if sr.err != nil {
			return nil, fmt.Errorf("start section: %w", sr.err)
		}
		exports = appendName(exports, Start)
		exports = append(exports, 0x00)
		exports = appendU32(exports, fn)
		secs = remove(secs, secStart)
	}
	if err := checkExportNames(find(secs, secExport)); err != nil {
		return nil, err
	}
	secs = appendEntries(secs, secExport, exports, countEntries(exports))

	if c := find(secs, secCode); c != nil {
		code, err := instrumentCode(c.payload, check(flag, budget, hasMemory))
		if err != nil {
			return nil, fmt.Errorf("code section: %w", err)
		}
		c.payload = code
	}

	out := append([]byte(nil), wasm[:8]...)
	for _, s := range secs {
		out = append(out, s.id)
		out = appendU32(out, uint32(len(s.payload)))
		out = append(out, s.payload...)
	}
	return out, nil
}

func find(secs []section, id byte) *section {
	for i := range secs {
		if secs[i].id == id {
			return &secs[i]
		}
	}
	return nil
}

func remove(secs []section, id byte) []section {
	out := secs[:0]
	for _, s := range secs {
		if s.id != id {
			out = append(out, s)
		}
	}
	return out
}

// countEntries counts the exports encoded in b (name, kind, index each).
func countEntries(b []byte) uint32 {
	r := reader{b: b}
	var n uint32
	for !r.done() {
		r.name()
		r.byte()
		r.u32()
		n++
	}
	return n
}

// appendEntries adds n encoded entries to the vector section id, creating
// the section in its place when the module has none.
func appendEntries(secs []section, id byte, entries []byte, n uint32) []section {
	if s := find(secs, id); s != nil {
		r := reader{b: s.payload}
		count := r.u32()
		p := appendU32(nil, count+n)
		p = append(p, s.payload[r.pos:]...)
		s.payload = append(p, entries...)
		return secs
	}
	payload := append(appendU32(nil, n), entries...)
	at := len(secs)
	for i, s := range secs {
		if s.id != secCustom && order[s.id] > order[id] {
			at = i
			break
		}
	}
	secs = append(secs, section{})
	copy(secs[at+1:], secs[at:])
	secs[at] = section{id, payload}
	return secs
}

// scanImports counts the imported globals, which come before the module's
// own in the global index space, and tells whether a memory is imported.
func scanImports(s *section) (globals uint32, memory bool, err error) {
	if s == nil {
		return 0, false, nil
	}
	r := reader{b: s.payload}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case 0x00: // func: type index
			r.u32()
		case 0x01: // table: reftype, limits
			r.refType()
			r.limits()
		case 0x02: // memory: limits
			r.limits()
			memory = true
		case 0x03: // global: valtype, mut
			r.valType()
			r.byte()
			globals++
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			return 0, false, fmt.Errorf("unknown import kind %#x", kind)
		}
	}
	return globals, memory, r.err
}

// hasEntries reports whether a vector section has at least one entry.
func hasEntries(s *section) bool {
	if s == nil {
		return false
	}
	r := reader{b: s.payload}
	return r.u32() > 0 && r.err == nil
}

// countGlobals reads the global section whole, since entries are added
// after its last one: trailing bytes would end up inside them.
func countGlobals(s *section) (uint32, error) {
	if s == nil {
		return 0, nil
	}
	r := reader{b: s.payload}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.valType()
		r.byte()
		if err := r.skipExpr(); err != nil {
			return 0, err
		}
	}
	if r.err == nil && !r.done() {
		return 0, errors.New("trailing bytes")
	}
	return n, r.err
}

// checkExportNames reads the export section whole, for the same reason,
// and refuses the names the host reserves.
func checkExportNames(s *section) error {
	if s == nil {
		return nil
	}
	r := reader{b: s.payload}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		name := r.name()
		if name == Global || name == Start {
			return fmt.Errorf("module already exports %q, a name the host reserves", name)
		}
		r.byte()
		r.u32()
	}
	if r.err == nil && !r.done() {
		return errors.New("export section: trailing bytes")
	}
	return r.err
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
	c := appendU32([]byte{0x23}, budget)
	c = append(c, 0x45, 0x04, 0x40)
	if hasMemory {
		c = append(c, 0x41, 0x00, 0x40, 0x00, 0x1a)
	}
	c = appendU32(append(c, 0x23), flag)
	c = append(c, 0x04, 0x40, 0x00, 0x0b)
	c = appendI32(append(c, 0x41), Budget)
	c = appendU32(append(c, 0x24), budget)
	c = append(c, 0x0b)
	c = appendU32(append(c, 0x23), budget)
	c = append(c, 0x41, 0x01, 0x6b)
	return appendU32(append(c, 0x24), budget)
}

func instrumentCode(payload, chk []byte) ([]byte, error) {
	r := reader{b: payload}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(payload)+len(payload)/8), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		fn := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("function %d: %w", i, r.err)
		}
		var err error
		if body, err = instrumentBody(body[:0], fn, chk); err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if !r.done() {
		return nil, errors.New("trailing bytes")
	}
	return out, nil
}

// instrumentBody copies one function body, inserting chk after the block
// type of every loop instruction.
func instrumentBody(out, fn, chk []byte) ([]byte, error) {
	r := reader{b: fn}
	groups := r.u32()
	for i := uint32(0); i < groups && r.err == nil; i++ {
		r.u32()
		r.valType()
	}
	if r.err != nil {
		return nil, fmt.Errorf("locals: %w", r.err)
	}
	copied := 0
	for !r.done() {
		op := r.byte()
		if err := r.skipImmediates(op); err != nil {
			return nil, err
		}
		if r.err != nil {
			return nil, fmt.Errorf("opcode %#x: %w", op, r.err)
		}
		if op == opLoop {
			out = append(out, fn[copied:r.pos]...)
			out = append(out, chk...)
			copied = r.pos
		}
	}
	return append(out, fn[copied:]...), nil
}
