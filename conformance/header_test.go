package conformance

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// gojinnH reads hostabi/gojinn.h.
func gojinnH(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(SourceDir(), "..", "hostabi", "gojinn.h"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

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

func TestHeaderConstantsMatchABI(t *testing.T) {
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	want := map[string]string{
		"GOJINN_MODULE_NAME":             hostabi.ModuleName,
		"GOJINN_ABI_VERSION":             itoa(hostabi.Version),
		"GOJINN_EXPORT_NAME_ABI_VERSION": hostabi.ExportABIVersion,
		"GOJINN_EXPORT_NAME_ON_REQUEST":  hostabi.ExportOnRequest,
		"GOJINN_EXPORT_NAME_ON_RESPONSE": hostabi.ExportOnResponse,
		"GOJINN_EXPORT_NAME_CONFIGURE":   hostabi.ExportConfigure,
		"GOJINN_ACTION_CONTINUE":         itoa(int64(hostabi.ActionContinue)),
		"GOJINN_ACTION_RESPOND":          itoa(int64(hostabi.ActionRespond)),
		"GOJINN_KIND_REQUEST":            itoa(int64(hostabi.KindRequest)),
		"GOJINN_KIND_RESPONSE":           itoa(int64(hostabi.KindResponse)),
		"GOJINN_FEATURE_RESPONSE":        itoa(int64(hostabi.FeatureResponse)),
		"GOJINN_FEATURE_RESPONSE_BODY":   itoa(int64(hostabi.FeatureResponseBody)),
		"GOJINN_FEATURE_REQUEST_BODY":    itoa(int64(hostabi.FeatureRequestBody)),
		"GOJINN_OK":                      itoa(hostabi.ResultOK),
		"GOJINN_ERR_NOT_FOUND":           itoa(int64(hostabi.ErrNotFound)),
		"GOJINN_ERR_INVALID":             itoa(int64(hostabi.ErrInvalid)),
		"GOJINN_ERR_TOO_LARGE":           itoa(int64(hostabi.ErrTooLarge)),
		"GOJINN_ERR_PHASE":               itoa(int64(hostabi.ErrPhase)),
		"GOJINN_ERR_SIGNATURE":           itoa(int64(hostabi.ErrSignature)),
		"GOJINN_ERR_UNAVAILABLE":         itoa(int64(hostabi.ErrUnavailable)),
		"GOJINN_LOG_DEBUG":               itoa(int64(hostabi.LogDebug)),
		"GOJINN_LOG_INFO":                itoa(int64(hostabi.LogInfo)),
		"GOJINN_LOG_WARN":                itoa(int64(hostabi.LogWarn)),
		"GOJINN_LOG_ERROR":               itoa(int64(hostabi.LogError)),
		"GOJINN_MAX_NAME_LEN":            itoa(hostabi.MaxNameLen),
		"GOJINN_MAX_HEADER_VALUE_LEN":    itoa(hostabi.MaxHeaderValueLen),
		"GOJINN_MAX_VAR_VALUE_LEN":       itoa(hostabi.MaxVarValueLen),
		"GOJINN_MAX_VARS":                itoa(hostabi.MaxVars),
		"GOJINN_MAX_URI_LEN":             itoa(hostabi.MaxURILen),
		"GOJINN_MAX_LOG_LEN":             itoa(hostabi.MaxLogLen),
		"GOJINN_DEFAULT_MAX_BODY_BYTES":  itoa(hostabi.DefaultMaxBodyBytes),
	}
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

// importRE matches an import declaration: its name and its parameters.
var importRE = regexp.MustCompile(`GOJINN_IMPORT\("([a-z_]+)"\)\s*(void|int32_t)\s+gojinn_([a-z_]+)\(([^)]*)\);`)

func TestHeaderImportsMatchABI(t *testing.T) {
	decls := map[string][]string{}
	for _, m := range importRE.FindAllStringSubmatch(gojinnH(t), -1) {
		if m[1] != m[3] {
			t.Errorf("import %q is declared as gojinn_%s", m[1], m[3])
		}
		params := strings.Split(m[4], ",")
		if strings.TrimSpace(m[4]) == "void" {
			params = nil
		}
		decls[m[1]] = append([]string{m[2]}, params...)
	}
	for _, f := range host.Functions {
		d, ok := decls[f.Name()]
		if !ok {
			t.Errorf("gojinn.h does not declare %s", f.Name())
			continue
		}
		if got, want := len(d)-1, len(f.ParamTypes()); got != want {
			t.Errorf("%s: %d parameters in gojinn.h, %d in the ABI", f.Name(), got, want)
		}
		if got, want := d[0] == "int32_t", len(f.ResultTypes()) == 1; got != want {
			t.Errorf("%s: gojinn.h returns %s", f.Name(), d[0])
		}
		delete(decls, f.Name())
	}
	for name := range decls {
		t.Errorf("gojinn.h declares %s, which the ABI does not have", name)
	}
}
