package wasmbin

import (
	"errors"
	"fmt"
)

// Section ids of the binary format.
const (
	SecCustom    byte = 0
	SecType      byte = 1
	SecImport    byte = 2
	SecFunction  byte = 3
	SecTable     byte = 4
	SecMemory    byte = 5
	SecGlobal    byte = 6
	SecExport    byte = 7
	SecStart     byte = 8
	SecElement   byte = 9
	SecCode      byte = 10
	SecData      byte = 11
	SecDataCount byte = 12
	SecTag       byte = 13
)

// order is each non-custom section's place in a module; a new section is
// put before the first existing one that comes after it.
var order = map[byte]int{
	SecType: 1, SecImport: 2, SecFunction: 3, SecTable: 4, SecMemory: 5, SecTag: 6, SecGlobal: 7,
	SecExport: 8, SecStart: 9, SecElement: 10, SecDataCount: 11, SecCode: 12, SecData: 13,
}

// Section is one section: its id and its payload, as in the binary.
type Section struct {
	ID      byte
	Payload []byte
}

// Module is a module as a list of sections, in order.
type Module struct {
	Sections []Section
}

// Parse splits wasm into its sections. Payloads alias wasm.
func Parse(wasm []byte) (*Module, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module (bad magic)")
	}
	if string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, errors.New("unsupported wasm binary version")
	}
	m := &Module{}
	r := Reader{B: wasm, Pos: 8}
	for !r.Done() {
		id := r.Byte()
		size := r.U32()
		payload := r.Bytes(int(size))
		if r.Err != nil {
			return nil, fmt.Errorf("reading section %d: %w", id, r.Err)
		}
		if id != SecCustom {
			if _, ok := order[id]; !ok {
				return nil, fmt.Errorf("unknown section id %d", id)
			}
		}
		m.Sections = append(m.Sections, Section{id, payload})
	}
	return m, nil
}

// Encode returns the module's binary form.
func (m *Module) Encode() []byte {
	n := 8
	for _, s := range m.Sections {
		n += 1 + 5 + len(s.Payload)
	}
	out := append(make([]byte, 0, n), "\x00asm\x01\x00\x00\x00"...)
	for _, s := range m.Sections {
		out = append(out, s.ID)
		out = AppendU32(out, uint32(len(s.Payload)))
		out = append(out, s.Payload...)
	}
	return out
}

// Find returns the section with id, or nil. A module has at most one of
// each non-custom section.
func (m *Module) Find(id byte) *Section {
	for i := range m.Sections {
		if m.Sections[i].ID == id {
			return &m.Sections[i]
		}
	}
	return nil
}

// Remove drops the section with id, if any.
func (m *Module) Remove(id byte) {
	out := m.Sections[:0]
	for _, s := range m.Sections {
		if s.ID != id {
			out = append(out, s)
		}
	}
	m.Sections = out
}

// Put returns the section with id, inserting an empty one in its place
// among the others when the module has none.
func (m *Module) Put(id byte) *Section {
	if s := m.Find(id); s != nil {
		return s
	}
	at := len(m.Sections)
	for i, s := range m.Sections {
		if s.ID != SecCustom && order[s.ID] > order[id] {
			at = i
			break
		}
	}
	m.Sections = append(m.Sections, Section{})
	copy(m.Sections[at+1:], m.Sections[at:])
	m.Sections[at] = Section{ID: id}
	return &m.Sections[at]
}

// Count returns the entry count of a vector section, 0 when the module
// has none.
func (m *Module) Count(id byte) (uint32, error) {
	s := m.Find(id)
	if s == nil || len(s.Payload) == 0 {
		return 0, nil
	}
	r := Reader{B: s.Payload}
	n := r.U32()
	return n, r.Err
}

// AppendEntries adds n encoded entries to the vector section id,
// creating the section in its place when the module has none. The
// section's existing entries must have been read whole by the caller
// (trailing bytes would end up inside the new entries).
func (m *Module) AppendEntries(id byte, entries []byte, n uint32) error {
	s := m.Put(id)
	if len(s.Payload) == 0 {
		s.Payload = append(AppendU32(nil, n), entries...)
		return nil
	}
	r := Reader{B: s.Payload}
	count := r.U32()
	if r.Err != nil {
		return fmt.Errorf("section %d: %w", id, r.Err)
	}
	p := AppendU32(make([]byte, 0, len(s.Payload)+len(entries)+5), count+n)
	p = append(p, s.Payload[r.Pos:]...)
	s.Payload = append(p, entries...)
	return nil
}
