package filters

import "github.com/gojinn/gojinn/filters/internal/wasmbin"

// emptyExport reports whether the module's export name is a function
// whose body is empty (locals aside): calling it can do nothing, not even
// trap. An http-wasm guest whose handle_response is empty (what the C
// and wat guests of a request-only filter export) then needs no response
// phase, and holds no instance across the next handler. Anything the
// reader does not follow answers false: the call is then made.
func emptyExport(wasm []byte, name string) bool {
	m, err := wasmbin.Parse(wasm)
	if err != nil {
		return false
	}
	imported, ok := importedFuncs(m)
	if !ok {
		return false
	}
	idx, ok := exportedFunc(m, name)
	if !ok || idx < imported {
		return false
	}
	code := m.Find(wasmbin.SecCode)
	if code == nil {
		return false
	}
	r := wasmbin.Reader{B: code.Payload}
	n := r.U32()
	if idx-imported >= n {
		return false
	}
	for range idx - imported {
		r.Bytes(int(r.U32()))
	}
	body := wasmbin.Reader{B: r.Bytes(int(r.U32()))}
	if r.Err != nil {
		return false
	}
	for range body.U32() { // local declarations: count, type
		body.U32()
		body.ValType()
	}
	return body.Err == nil && len(body.B)-body.Pos == 1 && body.B[body.Pos] == 0x0b // end
}

// importedFuncs counts the module's imported functions, which come first
// in the function index space.
func importedFuncs(m *wasmbin.Module) (uint32, bool) {
	sec := m.Find(wasmbin.SecImport)
	if sec == nil {
		return 0, true
	}
	r := wasmbin.Reader{B: sec.Payload}
	var funcs uint32
	for range r.U32() {
		r.Name()
		r.Name()
		switch kind := r.Byte(); kind {
		case 0x00: // func: type index
			r.U32()
			funcs++
		case 0x01: // table: reference type, limits
			r.ValType()
			r.Limits()
		case 0x02: // memory: limits
			r.Limits()
		case 0x03: // global: value type, mutability
			r.ValType()
			r.Byte()
		case 0x04: // tag: attribute, type index
			r.Byte()
			r.U32()
		default:
			return 0, false
		}
	}
	return funcs, r.Err == nil
}

// exportedFunc returns the function index of the export name.
func exportedFunc(m *wasmbin.Module, name string) (uint32, bool) {
	sec := m.Find(wasmbin.SecExport)
	if sec == nil {
		return 0, false
	}
	r := wasmbin.Reader{B: sec.Payload}
	for range r.U32() {
		n := r.Name()
		kind := r.Byte()
		idx := r.U32()
		if r.Err != nil {
			return 0, false
		}
		if n == name && kind == 0x00 {
			return idx, true
		}
	}
	return 0, false
}
