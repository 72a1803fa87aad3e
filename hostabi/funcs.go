package hostabi

// The ABI table: every host function of ModuleName with its parameters,
// in docs/ABI.md's order. It is the one place that says what a function
// takes: the host registers the functions from it, the loader checks a
// module's imports against it, and tests check docs/ABI.md, gojinn.h, the
// Go SDK's imports and the conformance suite's hostile guests against it.

// Role is what a host function parameter is. Every parameter crosses the
// boundary as an i32; the role says how the host reads it.
type Role uint8

const (
	// RoleValue is a plain integer: a kind, a status, flags, a handle.
	RoleValue Role = iota
	// RolePointer is a guest address, always followed by its RoleLength:
	// together a (ptr, len) pair in or a (buf, limit) pair out. The host
	// bounds-checks the pair and traps the guest when it is outside its
	// memory.
	RolePointer
	// RoleLength is the length (or limit) of the pointer before it.
	RoleLength
)

// Param is one parameter of a host function.
type Param struct {
	// Name is the parameter's name in docs/ABI.md and gojinn.h.
	Name string
	Role Role
}

// HostFunc is one row of the ABI table.
type HostFunc struct {
	// Name is the import name in ModuleName.
	Name string
	// Params are the parameters, all i32, in order.
	Params []Param
	// Result reports whether the function returns an i32 (a length, a
	// result code or a value); only log returns nothing.
	Result bool
}

// Pointers counts the function's (pointer, length) pairs.
func (f HostFunc) Pointers() int {
	n := 0
	for _, p := range f.Params {
		if p.Role == RolePointer {
			n++
		}
	}
	return n
}

// HostFuncs returns the ABI table, a fresh copy on each call.
func HostFuncs() []HostFunc {
	out := make([]HostFunc, len(hostFuncs))
	for i, f := range hostFuncs {
		f.Params = append([]Param(nil), f.Params...)
		out[i] = f
	}
	return out
}

// LookupHostFunc returns the table's row for name.
func LookupHostFunc(name string) (HostFunc, bool) {
	for _, f := range hostFuncs {
		if f.Name == name {
			f.Params = append([]Param(nil), f.Params...)
			return f, true
		}
	}
	return HostFunc{}, false
}

// hostFuncs is the table, as static data: a guest that imports hostabi
// for its constants links none of it unless it reads it.
var hostFuncs = []HostFunc{
	{FuncMethodGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncMethodSet, []Param{{"method", rp}, {"method_len", rl}}, true},
	{FuncURIGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncURISet, []Param{{"uri", rp}, {"uri_len", rl}}, true},
	{FuncProtoGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncClientAddrGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncHeaderGet, []Param{{"kind", rv}, {"name", rp}, {"name_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncHeaderNames, []Param{{"kind", rv}, {"buf", rp}, {"limit", rl}}, true},
	{FuncHeaderSet, []Param{{"kind", rv}, {"name", rp}, {"name_len", rl}, {"value", rp}, {"value_len", rl}}, true},
	{FuncHeaderAdd, []Param{{"kind", rv}, {"name", rp}, {"name_len", rl}, {"value", rp}, {"value_len", rl}}, true},
	{FuncHeaderRemove, []Param{{"kind", rv}, {"name", rp}, {"name_len", rl}}, true},
	{FuncBodyRead, []Param{{"kind", rv}, {"buf", rp}, {"limit", rl}}, true},
	{FuncBodyWrite, []Param{{"kind", rv}, {"body", rp}, {"body_len", rl}}, true},
	{FuncBodySize, []Param{{"kind", rv}}, true},
	{FuncStatusGet, nil, true},
	{FuncStatusSet, []Param{{"status", rv}}, true},
	{FuncVarGet, []Param{{"name", rp}, {"name_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncVarSet, []Param{{"name", rp}, {"name_len", rl}, {"value", rp}, {"value_len", rl}}, true},
	{FuncConfigGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncFeaturesSet, []Param{{"flags", rv}}, true},
	{FuncLog, []Param{{"level", rv}, {"msg", rp}, {"msg_len", rl}}, false},
	{FuncLogEnabled, []Param{{"level", rv}}, true},
	{FuncKeysetOpen, []Param{{"spec", rp}, {"spec_len", rl}}, true},
	{FuncSignatureVerify, []Param{{"keyset", rv}, {"alg", rp}, {"alg_len", rl}, {"kid", rp}, {"kid_len", rl},
		{"msg", rp}, {"msg_len", rl}, {"sig", rp}, {"sig_len", rl}}, true},
	{FuncJSONGet, []Param{{"kind", rv}, {"path", rp}, {"path_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncJSONLeaves, []Param{{"kind", rv}, {"cursor", rv}, {"buf", rp}, {"limit", rl}}, true},
	{FuncRegexCompile, []Param{{"patterns", rp}, {"patterns_len", rl}}, true},
	{FuncRegexMatch, []Param{{"regex", rv}, {"target", rv}, {"kind", rv}, {"data", rp}, {"data_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncRegexFind, []Param{{"regex", rv}, {"target", rv}, {"kind", rv}, {"data", rp}, {"data_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncPatternsCompile, []Param{{"patterns", rp}, {"patterns_len", rl}, {"flags", rv}}, true},
	{FuncPatternsScan, []Param{{"set", rv}, {"target", rv}, {"kind", rv}, {"data", rp}, {"data_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncSQLiCheck, []Param{{"target", rv}, {"kind", rv}, {"data", rp}, {"data_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncXSSCheck, []Param{{"target", rv}, {"kind", rv}, {"data", rp}, {"data_len", rl}}, true},
	{FuncTraceContextGet, []Param{{"buf", rp}, {"limit", rl}}, true},
	{FuncKVOpen, []Param{{"name", rp}, {"name_len", rl}}, true},
	{FuncKVGet, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}, {"buf", rp}, {"limit", rl}}, true},
	{FuncKVSet, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}, {"value", rp}, {"value_len", rl}, {"ttl_ms", rv}}, true},
	{FuncKVSetIfAbsent, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}, {"value", rp}, {"value_len", rl}, {"ttl_ms", rv}}, true},
	{FuncKVCAS, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}, {"old", rp}, {"old_len", rl},
		{"value", rp}, {"value_len", rl}, {"ttl_ms", rv}}, true},
	{FuncKVIncr, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}, {"delta", rv}, {"ttl_ms", rv}, {"count", rp}, {"count_len", rl}}, true},
	{FuncKVDelete, []Param{{"store", rv}, {"key", rp}, {"key_len", rl}}, true},
}

// Short names for the table's roles.
const (
	rv = RoleValue
	rp = RolePointer
	rl = RoleLength
)
