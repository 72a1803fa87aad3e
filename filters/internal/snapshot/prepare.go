// Package snapshot makes instances of a module from a snapshot of one
// that has already started: its memory and its mutable globals, taken
// once the guest's runtime has initialised and its configure has run.
// An instance restored from a snapshot skips all of that work (for a Go
// guest, tens of milliseconds and megabytes of memory written), and is
// the same, to the guest, as the instance the snapshot was taken of.
//
// What a wasm instance holds is its memories, globals and tables (and,
// outside it, whatever the host keeps for it). Prepare rewrites a module
// so that the first two can be carried over through wazero's API and
// memory hook:
//
//   - every mutable global is exported, under a name the host reserves,
//     so that it can be read from one instance and set in another;
//   - the active data segments become passive, and an exported function
//     (DataInit) copies them into memory: a fresh instance calls it before
//     anything else, which is what instantiation did, and a restored one
//     does not, for its memory already holds the snapshot (where the
//     guest may have changed the data since);
//
// and tells when a module cannot be restored that way: it changes a table
// at run time, which a snapshot does not carry, it uses passive data of
// its own, or it has mutable globals whose values are references. Those
// modules are instantiated from scratch, as before.
package snapshot

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/filters/internal/wasmbin"
)

// Names the prepared module exports.
const (
	// DataInit is func() that copies the module's data into memory: call
	// it on a fresh instance, before its start function.
	DataInit = "__gojinn_data_init"
	// globalPrefix names the exported mutable globals, by index.
	globalPrefix = "__gojinn_global_"
)

// Plan is what Prepare found out about a module.
type Plan struct {
	// Globals are the export names of the module's mutable globals, in
	// index order: what a snapshot carries besides memory.
	Globals []string
	// NotRestorable, when not empty, says why instances of the module
	// cannot be restored from a snapshot.
	NotRestorable string
}

// Restorable reports whether instances can be restored from a snapshot.
func (p Plan) Restorable() bool { return p.NotRestorable == "" }

// Prepare returns wasm rewritten as the package documentation says, and
// its plan. It reads the whole module, and refuses one that already
// exports the names it reserves.
func Prepare(wasm []byte) ([]byte, Plan, error) {
	m, err := wasmbin.Parse(wasm)
	if err != nil {
		return nil, Plan{}, err
	}
	var plan Plan
	why := func(reason string) {
		if plan.NotRestorable == "" {
			plan.NotRestorable = reason
		}
	}
	importedFuncs, importedGlobals, err := countImports(m.Find(wasmbin.SecImport))
	if err != nil {
		return nil, Plan{}, fmt.Errorf("import section: %w", err)
	}
	definedFuncs, err := m.Count(wasmbin.SecFunction)
	if err != nil {
		return nil, Plan{}, fmt.Errorf("function section: %w", err)
	}
	types, err := m.Count(wasmbin.SecType)
	if err != nil {
		return nil, Plan{}, fmt.Errorf("type section: %w", err)
	}
	if err := checkExportNames(m.Find(wasmbin.SecExport)); err != nil {
		return nil, Plan{}, err
	}

	var exports []byte
	nExports := uint32(0)
	globals, err := readGlobals(m.Find(wasmbin.SecGlobal))
	if err != nil {
		return nil, Plan{}, fmt.Errorf("global section: %w", err)
	}
	for i, g := range globals {
		if !g.mutable {
			continue
		}
		switch g.typ {
		case wasmbin.I32, wasmbin.I64, wasmbin.F32, wasmbin.F64:
		default:
			why("a mutable global holds a reference or a vector, which another instance cannot take")
			continue
		}
		idx := importedGlobals + uint32(i)
		name := globalPrefix + strconv.FormatUint(uint64(idx), 10)
		plan.Globals = append(plan.Globals, name)
		exports = wasmbin.AppendName(exports, name)
		exports = append(exports, 0x03)
		exports = wasmbin.AppendU32(exports, idx)
		nExports++
	}

	usesData := false
	if code := m.Find(wasmbin.SecCode); code != nil {
		reason, data, err := scanCode(code.Payload)
		if err != nil {
			return nil, Plan{}, fmt.Errorf("code section: %w", err)
		}
		if reason != "" {
			why(reason)
		}
		usesData = data
	}
	segments, err := readData(m.Find(wasmbin.SecData))
	if err != nil {
		return nil, Plan{}, fmt.Errorf("data section: %w", err)
	}
	for _, s := range segments {
		if s.passive {
			why("it has passive data segments of its own, whose dropped state a snapshot does not carry")
		}
	}
	if !usesData {
		// No instruction names a segment, so they can be renumbered:
		// merge them, for wazero keeps a slot per segment in every
		// instance, and a Go module has tens of thousands.
		segments = mergeSegments(segments)
	}
	if len(segments) > 0 {
		m.Find(wasmbin.SecData).Payload = encodePassive(segments)
	}

	// The data initialiser: a new type () -> (), a new function of it,
	// exported, after every existing one so that no index moves.
	if err := m.AppendEntries(wasmbin.SecType, []byte{0x60, 0x00, 0x00}, 1); err != nil {
		return nil, Plan{}, err
	}
	if err := m.AppendEntries(wasmbin.SecFunction, wasmbin.AppendU32(nil, types), 1); err != nil {
		return nil, Plan{}, err
	}
	body := dataInitBody(segments)
	if err := m.AppendEntries(wasmbin.SecCode, append(wasmbin.AppendU32(nil, uint32(len(body))), body...), 1); err != nil {
		return nil, Plan{}, err
	}
	exports = wasmbin.AppendName(exports, DataInit)
	exports = append(exports, 0x00)
	exports = wasmbin.AppendU32(exports, importedFuncs+definedFuncs)
	nExports++
	if err := m.AppendEntries(wasmbin.SecExport, exports, nExports); err != nil {
		return nil, Plan{}, err
	}
	// memory.init and data.drop need the data count section.
	if len(segments) > 0 {
		m.Put(wasmbin.SecDataCount).Payload = wasmbin.AppendU32(nil, uint32(len(segments)))
	}
	return m.Encode(), plan, nil
}

// countImports counts the imported functions and globals, which come
// first in their index spaces.
func countImports(s *wasmbin.Section) (funcs, globals uint32, err error) {
	if s == nil {
		return 0, 0, nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		r.Name()
		r.Name()
		switch kind := r.Byte(); kind {
		case 0x00:
			r.U32()
			funcs++
		case 0x01:
			r.ValType()
			r.Limits()
		case 0x02:
			r.Limits()
		case 0x03:
			r.ValType()
			r.Byte()
			globals++
		case 0x04:
			r.Byte()
			r.U32()
		default:
			return 0, 0, fmt.Errorf("unknown import kind %#x", kind)
		}
	}
	return funcs, globals, r.Err
}

func checkExportNames(s *wasmbin.Section) error {
	if s == nil {
		return nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		name := r.Name()
		if name == DataInit || strings.HasPrefix(name, globalPrefix) {
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

type global struct {
	typ     byte
	mutable bool
}

func readGlobals(s *wasmbin.Section) ([]global, error) {
	if s == nil {
		return nil, nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	var out []global
	for i := uint32(0); i < n && r.Err == nil; i++ {
		g := global{typ: r.ValType(), mutable: r.Byte() == 0x01}
		if err := r.SkipExpr(); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if r.Err == nil && !r.Done() {
		return nil, errors.New("trailing bytes")
	}
	return out, r.Err
}

// segment is a data segment: passive, or active at an offset (its
// constant expression, without the end) in memory 0.
type segment struct {
	passive bool
	offset  []byte
	data    []byte
}

// readData reads the data section's segments.
func readData(s *wasmbin.Section) ([]segment, error) {
	if s == nil {
		return nil, nil
	}
	r := wasmbin.Reader{B: s.Payload}
	n := r.U32()
	var segs []segment
	for i := uint32(0); i < n && r.Err == nil; i++ {
		var seg segment
		switch flags := r.U32(); flags {
		case 0, 2:
			if flags == 2 {
				if mem := r.U32(); mem != 0 {
					return nil, fmt.Errorf("segment %d is for memory %d; a filter has one memory", i, mem)
				}
			}
			start := r.Pos
			if err := r.SkipExpr(); err != nil {
				return nil, fmt.Errorf("segment %d offset: %w", i, err)
			}
			seg.offset = r.B[start : r.Pos-1]
		case 1:
			seg.passive = true
		default:
			return nil, fmt.Errorf("segment %d has unknown flags %d", i, flags)
		}
		seg.data = r.Bytes(int(r.U32()))
		segs = append(segs, seg)
	}
	if r.Err != nil {
		return nil, r.Err
	}
	if !r.Done() {
		return nil, errors.New("trailing bytes")
	}
	return segs, nil
}

// encodePassive is a data section of segs, each passive.
func encodePassive(segs []segment) []byte {
	n := 5
	for _, s := range segs {
		n += 6 + len(s.data)
	}
	out := wasmbin.AppendU32(make([]byte, 0, n), uint32(len(segs)))
	for _, s := range segs {
		out = append(out, 0x01)
		out = wasmbin.AppendU32(out, uint32(len(s.data)))
		out = append(out, s.data...)
	}
	return out
}

// mergeGap is the largest run of zeros mergeSegments writes between two
// segments to make them one.
const mergeGap = 4 << 10

// mergeSegments merges active segments at constant offsets that do not
// overlap into as few as possible, filling the gaps between them with
// the zeros memory holds there anyway. Segments it cannot place
// (passive ones, offsets read from globals, overlaps) leave the list as
// it was.
func mergeSegments(segs []segment) []segment {
	type placed struct {
		at   uint32
		data []byte
	}
	all := make([]placed, 0, len(segs))
	for _, s := range segs {
		r := wasmbin.Reader{B: s.offset}
		if s.passive || r.Byte() != wasmbin.OpI32Const {
			return segs
		}
		at := uint32(r.SLEB(32))
		if r.Err != nil || !r.Done() || uint64(at)+uint64(len(s.data)) > 1<<32 {
			return segs
		}
		all = append(all, placed{at, s.data})
	}
	slices.SortStableFunc(all, func(a, b placed) int { return cmp.Compare(a.at, b.at) })
	var out []segment
	for i := 0; i < len(all); {
		start, end := all[i].at, uint64(all[i].at)+uint64(len(all[i].data))
		j := i + 1
		for ; j < len(all) && uint64(all[j].at) <= end+mergeGap; j++ {
			if uint64(all[j].at) < end {
				return segs // overlapping segments: their order matters
			}
			end = uint64(all[j].at) + uint64(len(all[j].data))
		}
		data := make([]byte, end-uint64(start))
		for _, p := range all[i:j] {
			copy(data[p.at-start:], p.data)
		}
		out = append(out, segment{offset: wasmbin.AppendSLEB([]byte{wasmbin.OpI32Const}, int64(int32(start))), data: data})
		i = j
	}
	return out
}

// dataInitBody is the code of DataInit: for each formerly active
// segment, memory.init at its offset, then data.drop, as instantiation
// would have left it.
func dataInitBody(segs []segment) []byte {
	body := []byte{0x00} // no locals
	for i, s := range segs {
		if s.passive {
			continue
		}
		body = append(body, s.offset...)
		body = append(body, wasmbin.OpI32Const, 0x00)
		body = wasmbin.AppendSLEB(append(body, wasmbin.OpI32Const), int64(int32(len(s.data))))
		body = append(body, wasmbin.OpMisc)
		body = wasmbin.AppendU32(body, wasmbin.MiscMemoryInit)
		body = wasmbin.AppendU32(body, uint32(i))
		body = append(body, 0x00) // memory 0
		body = append(body, wasmbin.OpMisc)
		body = wasmbin.AppendU32(body, wasmbin.MiscDataDrop)
		body = wasmbin.AppendU32(body, uint32(i))
	}
	return append(body, wasmbin.OpEnd)
}

// scanCode reads every function body and returns why the module cannot
// be restored, if its code says so (instructions that change a table or
// use passive data at run time), and whether any instruction names a
// data segment.
func scanCode(payload []byte) (reason string, usesData bool, err error) {
	r := wasmbin.Reader{B: payload}
	n := r.U32()
	for i := uint32(0); i < n && r.Err == nil; i++ {
		size := r.U32()
		fn := wasmbin.Reader{B: r.Bytes(int(size))}
		if r.Err != nil {
			break
		}
		groups := fn.U32()
		for g := uint32(0); g < groups && fn.Err == nil; g++ {
			fn.U32()
			fn.ValType()
		}
		for !fn.Done() {
			in, err := fn.SkipImmediates(fn.Byte())
			if err != nil {
				return "", false, fmt.Errorf("function %d: %w", i, err)
			}
			if in.Op == wasmbin.OpMisc && (in.Sub == wasmbin.MiscMemoryInit || in.Sub == wasmbin.MiscDataDrop) {
				usesData = true
			}
			if r := changesState(in); r != "" && reason == "" {
				reason = r
			}
		}
		if fn.Err != nil {
			return "", false, fmt.Errorf("function %d: %w", i, fn.Err)
		}
	}
	return reason, usesData, r.Err
}

// changesState says why an instruction changes state a snapshot does not
// carry, or "".
func changesState(in wasmbin.Instr) string {
	switch {
	case in.Op == 0x26: // table.set
		return "it sets table entries at run time, which a snapshot does not carry"
	case in.Op != wasmbin.OpMisc:
		return ""
	}
	switch in.Sub {
	case wasmbin.MiscTableInit, wasmbin.MiscElemDrop, wasmbin.MiscTableCopy, wasmbin.MiscTableGrow, wasmbin.MiscTableFill:
		return "it changes tables at run time, which a snapshot does not carry"
	case wasmbin.MiscMemoryInit, wasmbin.MiscDataDrop:
		return "it uses passive data at run time, whose dropped state a snapshot does not carry"
	}
	return ""
}
