package hostabi

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The ABI is written down in several places besides abi.go and the table:
// docs/ABI.md, gojinn.h, the Go SDK's imports, the Rust SDK's
// declarations and constants (rust/src/sys.rs, rust/src/abi.rs), and the
// host's handlers (hostabi/host checks those). These tests hold each to
// the table; gojinn.hpp declares no import of its own (see
// TestCXXHeaderDeclaresNoImports).

// readFile reads a file of the repository, relative to this package.
func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gojinnH(t *testing.T) string { return readFile(t, "gojinn.h") }

var defineRE = regexp.MustCompile(`(?m)^#define (GOJINN_[A-Z0-9_]+) (.+)$`)

// defines returns the header's constant #defines, evaluated: integers,
// (-N), (1u << N) and string literals.
func defines(t *testing.T, h string) map[string]string {
	t.Helper()
	out := map[string]string{}
	shift := regexp.MustCompile(`^\(1u << (\d+)\)$`)
	for _, m := range defineRE.FindAllStringSubmatch(h, -1) {
		name, v := m[1], strings.TrimSpace(m[2])
		switch {
		case strings.HasPrefix(v, `"`):
			s, err := strconv.Unquote(v)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = s
		case shift.MatchString(v):
			n, _ := strconv.Atoi(shift.FindStringSubmatch(v)[1])
			out[name] = strconv.Itoa(1 << n)
		default:
			n, err := strconv.ParseInt(strings.Trim(v, "()"), 0, 64)
			if err != nil {
				continue // a macro, not a constant
			}
			out[name] = strconv.FormatInt(n, 10)
		}
	}
	return out
}

// abiConstants are abi.go's constants under their names in gojinn.h,
// evaluated as the header's are.
func abiConstants() map[string]string {
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	return map[string]string{
		"GOJINN_MODULE_NAME":                    ModuleName,
		"GOJINN_ABI_VERSION":                    itoa(Version),
		"GOJINN_EXPORT_NAME_ABI_VERSION":        ExportABIVersion,
		"GOJINN_EXPORT_NAME_ON_REQUEST":         ExportOnRequest,
		"GOJINN_EXPORT_NAME_ON_RESPONSE":        ExportOnResponse,
		"GOJINN_EXPORT_NAME_CONFIGURE":          ExportConfigure,
		"GOJINN_ACTION_CONTINUE":                itoa(int64(ActionContinue)),
		"GOJINN_ACTION_RESPOND":                 itoa(int64(ActionRespond)),
		"GOJINN_KIND_REQUEST":                   itoa(int64(KindRequest)),
		"GOJINN_KIND_RESPONSE":                  itoa(int64(KindResponse)),
		"GOJINN_FEATURE_RESPONSE":               itoa(int64(FeatureResponse)),
		"GOJINN_FEATURE_RESPONSE_BODY":          itoa(int64(FeatureResponseBody)),
		"GOJINN_FEATURE_REQUEST_BODY":           itoa(int64(FeatureRequestBody)),
		"GOJINN_FEATURE_CARRY_RESPONSE_HEADERS": itoa(int64(FeatureCarryResponseHeaders)),
		"GOJINN_OK":                             itoa(ResultOK),
		"GOJINN_ERR_NOT_FOUND":                  itoa(int64(ErrNotFound)),
		"GOJINN_ERR_INVALID":                    itoa(int64(ErrInvalid)),
		"GOJINN_ERR_TOO_LARGE":                  itoa(int64(ErrTooLarge)),
		"GOJINN_ERR_PHASE":                      itoa(int64(ErrPhase)),
		"GOJINN_ERR_SIGNATURE":                  itoa(int64(ErrSignature)),
		"GOJINN_ERR_UNAVAILABLE":                itoa(int64(ErrUnavailable)),
		"GOJINN_LOG_DEBUG":                      itoa(int64(LogDebug)),
		"GOJINN_LOG_INFO":                       itoa(int64(LogInfo)),
		"GOJINN_LOG_WARN":                       itoa(int64(LogWarn)),
		"GOJINN_LOG_ERROR":                      itoa(int64(LogError)),
		"GOJINN_MAX_NAME_LEN":                   itoa(MaxNameLen),
		"GOJINN_MAX_HEADER_VALUE_LEN":           itoa(MaxHeaderValueLen),
		"GOJINN_MAX_VAR_VALUE_LEN":              itoa(MaxVarValueLen),
		"GOJINN_MAX_VARS":                       itoa(MaxVars),
		"GOJINN_MAX_URI_LEN":                    itoa(MaxURILen),
		"GOJINN_MAX_LOG_LEN":                    itoa(MaxLogLen),
		"GOJINN_TRACEPARENT_LEN":                itoa(TraceParentLen),
		"GOJINN_DEFAULT_MAX_BODY_BYTES":         itoa(DefaultMaxBodyBytes),
		"GOJINN_JSON_NULL":                      itoa(int64(JSONNull)),
		"GOJINN_JSON_FALSE":                     itoa(int64(JSONFalse)),
		"GOJINN_JSON_TRUE":                      itoa(int64(JSONTrue)),
		"GOJINN_JSON_NUMBER":                    itoa(int64(JSONNumber)),
		"GOJINN_JSON_STRING":                    itoa(int64(JSONString)),
		"GOJINN_JSON_ARRAY":                     itoa(int64(JSONArray)),
		"GOJINN_JSON_OBJECT":                    itoa(int64(JSONObject)),
		"GOJINN_JSON_KEY":                       itoa(int64(JSONKey)),
		"GOJINN_MAX_JSON_PATH_LEN":              itoa(MaxJSONPathLen),
		"GOJINN_MAX_JSON_DEPTH":                 itoa(MaxJSONDepth),
		"GOJINN_JSON_LEAF_HEADER_LEN":           itoa(JSONLeafHeaderLen),
		"GOJINN_REGEX_BYTES":                    itoa(int64(RegexBytes)),
		"GOJINN_REGEX_BODY":                     itoa(int64(RegexBody)),
		"GOJINN_REGEX_HEADER":                   itoa(int64(RegexHeader)),
		"GOJINN_REGEX_URI":                      itoa(int64(RegexURI)),
		"GOJINN_MAX_REGEX_SETS":                 itoa(MaxRegexSets),
		"GOJINN_MAX_REGEX_PATTERNS":             itoa(MaxRegexPatterns),
		"GOJINN_MAX_REGEX_LEN":                  itoa(MaxRegexLen),
		"GOJINN_MAX_REGEX_SET_LEN":              itoa(MaxRegexSetLen),
		"GOJINN_MAX_REGEX_WORK":                 itoa(MaxRegexWork),
		"GOJINN_PATTERNS_FOLD_CASE":             itoa(int64(PatternsFoldCase)),
		"GOJINN_MAX_PATTERN_SETS":               itoa(MaxPatternSets),
		"GOJINN_MAX_PATTERNS":                   itoa(MaxPatterns),
		"GOJINN_MAX_PATTERN_LEN":                itoa(MaxPatternLen),
		"GOJINN_MAX_PATTERN_SET_LEN":            itoa(MaxPatternSetLen),
		"GOJINN_MAX_PATTERN_MATCHES":            itoa(MaxPatternMatches),
		"GOJINN_MAX_INJECTION_INPUT":            itoa(MaxInjectionInput),
		"GOJINN_MAX_SQLI_FINGERPRINT":           itoa(MaxSQLiFingerprint),
		"GOJINN_MAX_KV_STORES":                  itoa(MaxKVStores),
		"GOJINN_MAX_KV_NAME_LEN":                itoa(MaxKVNameLen),
		"GOJINN_MAX_KV_KEY_LEN":                 itoa(MaxKVKeyLen),
		"GOJINN_MAX_KV_VALUE_LEN":               itoa(MaxKVValueLen),
		"GOJINN_KV_COUNT_LEN":                   itoa(KVCountLen),
	}
}

func TestHeaderConstantsMatchABI(t *testing.T) {
	want := abiConstants()
	got := defines(t, gojinnH(t))
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("gojinn.h does not define %s", name)
		} else if g != w {
			t.Errorf("gojinn.h: %s is %q, abi.go says %q", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("gojinn.h defines %s, which this test does not check against abi.go", name)
		}
	}
}

// importRE matches an import declaration: its name, result type, C name
// and parameters.
var importRE = regexp.MustCompile(`GOJINN_IMPORT\("([a-z_]+)"\)\s*(void|int32_t)\s+gojinn_([a-z_]+)\(([^)]*)\);`)

// cParamRE splits one C parameter into its type and name.
var cParamRE = regexp.MustCompile(`^(const void \*|void \*|u?int32_t )(\w+)$`)

func TestHeaderImportsMatchTable(t *testing.T) {
	decls := map[string][]string{}
	results := map[string]string{}
	for _, m := range importRE.FindAllStringSubmatch(gojinnH(t), -1) {
		if m[1] != m[3] {
			t.Errorf("import %q is declared as gojinn_%s", m[1], m[3])
		}
		var params []string
		if p := strings.TrimSpace(m[4]); p != "void" && p != "" {
			params = strings.Split(p, ",")
		}
		decls[m[1]], results[m[1]] = params, m[2]
	}
	for _, f := range HostFuncs() {
		params, ok := decls[f.Name]
		if !ok {
			t.Errorf("gojinn.h does not declare %s", f.Name)
			continue
		}
		delete(decls, f.Name)
		if got, want := results[f.Name] == "int32_t", f.Result; got != want {
			t.Errorf("%s: gojinn.h returns %s", f.Name, results[f.Name])
		}
		if len(params) != len(f.Params) {
			t.Errorf("%s: %d parameters in gojinn.h, %d in the table", f.Name, len(params), len(f.Params))
			continue
		}
		for i, p := range params {
			m := cParamRE.FindStringSubmatch(strings.TrimSpace(p))
			if m == nil {
				t.Errorf("%s: cannot read parameter %q", f.Name, p)
				continue
			}
			want := f.Params[i]
			if m[2] != want.Name {
				t.Errorf("%s: parameter %d is %s in gojinn.h, %s in the table", f.Name, i, m[2], want.Name)
			}
			if isPtr := strings.HasSuffix(m[1], "*"); isPtr != (want.Role == RolePointer) {
				t.Errorf("%s: parameter %s is %q in gojinn.h, a %s in the table", f.Name, m[2], m[1], roleName(want.Role))
			}
		}
	}
	for name := range decls {
		t.Errorf("gojinn.h declares %s, which the table does not have", name)
	}
}

// wasmimportRE matches a Go SDK import: the name, the Go parameters and
// the result.
var wasmimportRE = regexp.MustCompile(`//go:wasmimport gojinn ([a-z_]+)\nfunc \w+\(([^)]*)\)\s*(\w*)`)

func TestSDKImportsMatchTable(t *testing.T) {
	decls := map[string][2]string{}
	for _, m := range wasmimportRE.FindAllStringSubmatch(readFile(t, "guest/imports.go"), -1) {
		decls[m[1]] = [2]string{m[2], m[3]}
	}
	for _, f := range HostFuncs() {
		d, ok := decls[f.Name]
		if !ok {
			t.Errorf("the Go SDK does not import %s", f.Name)
			continue
		}
		delete(decls, f.Name)
		if got := d[1] == "int32"; got != f.Result {
			t.Errorf("%s: the Go SDK's import returns %q", f.Name, d[1])
		}
		var names, types []string
		for _, p := range strings.Split(d[0], ",") {
			fields := strings.Fields(p)
			if len(fields) == 0 {
				continue
			}
			names = append(names, fields[0])
			types = append(types, fields[len(fields)-1])
		}
		// Go may write "a, b uint32": a name without a type takes the next one's.
		for i := len(types) - 2; i >= 0; i-- {
			if names[i] == types[i] {
				types[i] = types[i+1]
			}
		}
		if len(names) != len(f.Params) {
			t.Errorf("%s: %d parameters in the Go SDK, %d in the table", f.Name, len(names), len(f.Params))
			continue
		}
		for i, p := range f.Params {
			if want := goName(p.Name); names[i] != want {
				t.Errorf("%s: parameter %d is %s in the Go SDK, want %s", f.Name, i, names[i], want)
			}
			if isPtr := types[i] == "unsafe.Pointer"; isPtr != (p.Role == RolePointer) {
				t.Errorf("%s: parameter %s is %s in the Go SDK, a %s in the table", f.Name, names[i], types[i], roleName(p.Role))
			}
		}
	}
	for name := range decls {
		t.Errorf("the Go SDK imports %s, which the table does not have", name)
	}
}

// goName is a table name in Go's spelling: name_len becomes nameLen.
func goName(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		r := []rune(parts[i])
		r[0] = unicode.ToUpper(r[0])
		parts[i] = string(r)
	}
	return strings.Join(parts, "")
}

// docRowRE matches a function row of docs/ABI.md: its name, parameters
// and result.
var docRowRE = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| `\\(([^)]*)\\) -> ([^`]+)`")

func TestDocsMatchTable(t *testing.T) {
	rows := map[string][2]string{}
	for _, m := range docRowRE.FindAllStringSubmatch(readFile(t, "../docs/ABI.md"), -1) {
		if strings.HasPrefix(m[1], "gojinn_") || m[1] == ExportInitialize {
			continue // the guest's exports
		}
		rows[m[1]] = [2]string{m[2], m[3]}
	}
	for _, f := range HostFuncs() {
		r, ok := rows[f.Name]
		if !ok {
			t.Errorf("docs/ABI.md has no row for %s", f.Name)
			continue
		}
		delete(rows, f.Name)
		var names []string
		for _, p := range f.Params {
			names = append(names, p.Name)
		}
		if got, want := r[0], strings.Join(names, ", "); got != want {
			t.Errorf("%s: docs/ABI.md has (%s), the table (%s)", f.Name, got, want)
		}
		if got := r[1] != "()"; got != f.Result {
			t.Errorf("%s: docs/ABI.md says it returns %s", f.Name, r[1])
		}
	}
	for name := range rows {
		t.Errorf("docs/ABI.md documents %s, which the table does not have", name)
	}
}

func TestTableShape(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range HostFuncs() {
		if seen[f.Name] {
			t.Errorf("%s is in the table twice", f.Name)
		}
		seen[f.Name] = true
		for i, p := range f.Params {
			if p.Role == RolePointer && (i+1 == len(f.Params) || f.Params[i+1].Role != RoleLength) {
				t.Errorf("%s: pointer %s is not followed by its length", f.Name, p.Name)
			}
			if p.Role == RoleLength && (i == 0 || f.Params[i-1].Role != RolePointer) {
				t.Errorf("%s: length %s follows no pointer", f.Name, p.Name)
			}
		}
	}
}

func roleName(r Role) string {
	switch r {
	case RolePointer:
		return "pointer"
	case RoleLength:
		return "length"
	}
	return "value"
}

// rustConstRE matches a constant of the Rust SDK: its name, type and value.
var rustConstRE = regexp.MustCompile(`(?m)^pub const ([A-Z0-9_]+): ([&'a-z0-9]+) = (.+);$`)

func TestRustConstantsMatchABI(t *testing.T) {
	want := abiConstants()
	shift := regexp.MustCompile(`^1 << (\d+)$`)
	got := map[string]string{}
	for _, m := range rustConstRE.FindAllStringSubmatch(readFile(t, "rust/src/abi.rs"), -1) {
		name, v := "GOJINN_"+m[1], m[3]
		switch {
		case strings.HasPrefix(v, `"`):
			s, err := strconv.Unquote(v)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got[name] = s
		case shift.MatchString(v):
			n, _ := strconv.Atoi(shift.FindStringSubmatch(v)[1])
			got[name] = strconv.Itoa(1 << n)
		default:
			n, err := strconv.ParseInt(v, 0, 64)
			if err != nil {
				t.Errorf("rust/src/abi.rs: %s = %s is not a constant this test reads", m[1], v)
				continue
			}
			got[name] = strconv.FormatInt(n, 10)
		}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("rust/src/abi.rs does not define %s", strings.TrimPrefix(name, "GOJINN_"))
		} else if g != w {
			t.Errorf("rust/src/abi.rs: %s is %q, abi.go says %q", strings.TrimPrefix(name, "GOJINN_"), g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("rust/src/abi.rs defines %s, which this test does not check against abi.go", strings.TrimPrefix(name, "GOJINN_"))
		}
	}
}

// rustImportRE matches a declaration of rust/src/sys.rs: the import
// name, the Rust name, the parameters and the result type.
var rustImportRE = regexp.MustCompile(`#\[link_name = "([a-z_]+)"\]\s*pub fn ([a-z_]+)\(([^)]*)\)\s*(?:->\s*(\w+))?;`)

// rustParamRE splits one Rust parameter into its name and type.
var rustParamRE = regexp.MustCompile(`^(\w+): (\*const u8|\*mut u8|u32|i32)$`)

func TestRustImportsMatchTable(t *testing.T) {
	src := readFile(t, "rust/src/sys.rs")
	if n := strings.Count(src, `#[link(wasm_import_module = "`+ModuleName+`")]`); n != 1 {
		t.Fatalf("rust/src/sys.rs has %d extern blocks of module %q, want 1", n, ModuleName)
	}
	type decl struct{ params, result string }
	decls := map[string]decl{}
	for _, m := range rustImportRE.FindAllStringSubmatch(src, -1) {
		if m[1] != m[2] {
			t.Errorf("import %q is declared as %s", m[1], m[2])
		}
		decls[m[1]] = decl{m[3], m[4]}
	}
	if n := strings.Count(src, "#[link_name"); n != len(decls) {
		t.Errorf("rust/src/sys.rs has %d link_name attributes, this test read %d declarations", n, len(decls))
	}
	for _, f := range HostFuncs() {
		d, ok := decls[f.Name]
		if !ok {
			t.Errorf("the Rust SDK does not declare %s", f.Name)
			continue
		}
		delete(decls, f.Name)
		if got := d.result == "i32"; got != f.Result || (!f.Result && d.result != "") {
			t.Errorf("%s: the Rust SDK's declaration returns %q", f.Name, d.result)
		}
		var params []string
		for _, p := range strings.Split(d.params, ",") {
			if p = strings.TrimSpace(p); p != "" {
				params = append(params, p)
			}
		}
		if len(params) != len(f.Params) {
			t.Errorf("%s: %d parameters in the Rust SDK, %d in the table", f.Name, len(params), len(f.Params))
			continue
		}
		for i, p := range params {
			m := rustParamRE.FindStringSubmatch(p)
			if m == nil {
				t.Errorf("%s: cannot read parameter %q", f.Name, p)
				continue
			}
			want := f.Params[i]
			if m[1] != want.Name {
				t.Errorf("%s: parameter %d is %s in the Rust SDK, %s in the table", f.Name, i, m[1], want.Name)
			}
			if isPtr := strings.HasPrefix(m[2], "*"); isPtr != (want.Role == RolePointer) {
				t.Errorf("%s: parameter %s is %s in the Rust SDK, a %s in the table", f.Name, m[1], m[2], roleName(want.Role))
			}
		}
	}
	for name := range decls {
		t.Errorf("the Rust SDK declares %s, which the table does not have", name)
	}
}

// cxxCallRE matches a call of a gojinn.h function in gojinn.hpp.
var cxxCallRE = regexp.MustCompile(`\bgojinn_([a-z_]+)\(`)

// TestCXXHeaderDeclaresNoImports: gojinn.hpp reaches the host only
// through gojinn.h, whose declarations TestHeaderImportsMatchTable holds
// to the table (and the C++ compiler holds each call to them), and calls
// no function the table lacks.
func TestCXXHeaderDeclaresNoImports(t *testing.T) {
	hpp := readFile(t, "gojinn.hpp")
	for _, marker := range []string{"import_name", "import_module", "GOJINN_IMPORT"} {
		if strings.Contains(hpp, marker) {
			t.Errorf("gojinn.hpp uses %s: it must call gojinn.h's imports, not declare its own", marker)
		}
	}
	if !strings.Contains(hpp, `#include "gojinn.h"`) {
		t.Error(`gojinn.hpp does not #include "gojinn.h"`)
	}
	// The exports GOJINN_FILTER defines, and its static.
	exports := map[string]bool{"configure": true, "on_request": true, "on_response": true, "filter_": true}
	called := 0
	for _, m := range cxxCallRE.FindAllStringSubmatch(hpp, -1) {
		if exports[m[1]] {
			continue
		}
		if _, ok := LookupHostFunc(m[1]); !ok {
			t.Errorf("gojinn.hpp calls gojinn_%s, which the table does not have", m[1])
		}
		called++
	}
	if called == 0 {
		t.Error("gojinn.hpp calls no host function this test can see")
	}
}
