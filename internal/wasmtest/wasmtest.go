// Package wasmtest assembles small wasm modules byte by byte, for tests
// that need a module no compiler would emit: wrong exports, unknown
// imports, a trapping start function, hand-picked pointers.
package wasmtest

// Value types and opcodes used by the tests.
const (
	I32 byte = 0x7f
	I64 byte = 0x7e

	OpUnreachable byte = 0x00
	OpLoop        byte = 0x03
	OpBr          byte = 0x0c
	OpEnd         byte = 0x0b
	OpCall        byte = 0x10
	OpDrop        byte = 0x1a
	OpI32Const    byte = 0x41
)

// FuncType is a function signature.
type FuncType struct{ Params, Results []byte }

// Import is an imported function.
type Import struct {
	Module, Name string
	Type         FuncType
}

// Func is a defined function; Body is its code without locals or the
// final end, which Encode adds.
type Func struct {
	Type   FuncType
	Body   []byte
	Export string
}

// Module is a module to encode. Function indexes count imports first.
type Module struct {
	Imports []Import
	Funcs   []Func
	// MemoryPages, when non-zero, defines a memory exported as "memory".
	MemoryPages uint32
	// NoMemoryExport defines the memory without exporting it.
	NoMemoryExport bool
	// Data are active data segments: bytes placed at an offset in memory.
	Data []Segment
	// Start, when HasStart, is the start function's index.
	Start    uint32
	HasStart bool
	// Globals are defined globals, after any imported ones.
	Globals []Global
	// TableSize, when non-zero, defines a funcref table of that size.
	TableSize uint32
}

// Segment is data placed in memory at instantiation, or, when Passive,
// kept for memory.init.
type Segment struct {
	Offset  int32
	Bytes   []byte
	Passive bool
}

// Global is a defined global: its type, whether it is mutable, and its
// initial value's constant expression without the end (Const(v) for an
// i32).
type Global struct {
	Type    byte
	Mutable bool
	Init    []byte
}

// Encode returns the module's binary form.
func (m *Module) Encode() []byte {
	var types []FuncType
	typeIndex := func(t FuncType) uint32 {
		for i, u := range types {
			if string(u.Params) == string(t.Params) && string(u.Results) == string(t.Results) {
				return uint32(i)
			}
		}
		types = append(types, t)
		return uint32(len(types) - 1)
	}
	var imports, funcs, exports, code []byte
	for _, im := range m.Imports {
		imports = append(imports, name(im.Module)...)
		imports = append(imports, name(im.Name)...)
		imports = append(imports, 0x00)
		imports = append(imports, uleb(typeIndex(im.Type))...)
	}
	nExports := 0
	for i, f := range m.Funcs {
		funcs = append(funcs, uleb(typeIndex(f.Type))...)
		body := append([]byte{0x00}, f.Body...) // no locals
		body = append(body, OpEnd)
		code = append(code, uleb(uint32(len(body)))...)
		code = append(code, body...)
		if f.Export != "" {
			exports = append(exports, name(f.Export)...)
			exports = append(exports, 0x00)
			exports = append(exports, uleb(uint32(len(m.Imports)+i))...)
			nExports++
		}
	}
	if m.MemoryPages > 0 && !m.NoMemoryExport {
		exports = append(exports, name("memory")...)
		exports = append(exports, 0x02, 0x00)
		nExports++
	}
	var typeSec []byte
	for _, t := range types {
		typeSec = append(typeSec, 0x60)
		typeSec = append(typeSec, vec(t.Params)...)
		typeSec = append(typeSec, vec(t.Results)...)
	}
	out := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	out = section(out, 1, len(types), typeSec)
	if len(m.Imports) > 0 {
		out = section(out, 2, len(m.Imports), imports)
	}
	out = section(out, 3, len(m.Funcs), funcs)
	if m.TableSize > 0 {
		out = section(out, 4, 1, append([]byte{0x70, 0x00}, uleb(m.TableSize)...))
	}
	if m.MemoryPages > 0 {
		out = section(out, 5, 1, append([]byte{0x00}, uleb(m.MemoryPages)...))
	}
	if len(m.Globals) > 0 {
		var globals []byte
		for _, g := range m.Globals {
			mut := byte(0)
			if g.Mutable {
				mut = 1
			}
			globals = append(globals, g.Type, mut)
			globals = append(globals, g.Init...)
			globals = append(globals, OpEnd)
		}
		out = section(out, 6, len(m.Globals), globals)
	}
	out = section(out, 7, nExports, exports)
	if m.HasStart {
		out = append(out, 8)
		s := uleb(m.Start)
		out = append(out, uleb(uint32(len(s)))...)
		out = append(out, s...)
	}
	for _, d := range m.Data {
		if d.Passive {
			// memory.init needs the data count.
			out = append(out, 12)
			n := uleb(uint32(len(m.Data)))
			out = append(out, uleb(uint32(len(n)))...)
			out = append(out, n...)
			break
		}
	}
	out = section(out, 10, len(m.Funcs), code)
	if len(m.Data) > 0 {
		var data []byte
		for _, d := range m.Data {
			if d.Passive {
				data = append(data, 0x01)
			} else {
				data = append(data, 0x00) // active, memory 0
				data = append(data, Const(d.Offset)...)
				data = append(data, OpEnd)
			}
			data = append(data, vec(d.Bytes)...)
		}
		out = section(out, 11, len(m.Data), data)
	}
	return out
}

func section(out []byte, id byte, count int, payload []byte) []byte {
	body := append(uleb(uint32(count)), payload...)
	out = append(out, id)
	out = append(out, uleb(uint32(len(body)))...)
	return append(out, body...)
}

func vec(b []byte) []byte { return append(uleb(uint32(len(b))), b...) }

func name(s string) []byte { return append(uleb(uint32(len(s))), s...) }

func uleb(v uint32) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

// SLEB encodes a signed LEB128, for i32.const immediates.
func SLEB(v int32) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// Const is the code for i32.const v.
func Const(v int32) []byte { return append([]byte{OpI32Const}, SLEB(v)...) }

// Call is the code for call idx.
func Call(idx uint32) []byte { return append([]byte{OpCall}, uleb(idx)...) }

// Action is the () -> i32 signature of the guest's phase exports.
var Action = FuncType{Results: []byte{I32}}

// Void is () -> ().
var Void = FuncType{}

// ABIGuest returns a minimal valid ABI v1 guest whose gojinn_on_request
// runs body (which must leave an i32 action on the stack).
func ABIGuest(imports []Import, body []byte) *Module {
	return &Module{
		Imports:     imports,
		MemoryPages: 1,
		Funcs: []Func{
			{Type: Void, Export: "gojinn_abi_v1"},
			{Type: Action, Body: body, Export: "gojinn_on_request"},
		},
	}
}
