package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func TestInspect(t *testing.T) {
	hello := guest(t, "../../filters-examples/hello")
	secheaders := guest(t, "../../filters-examples/secheaders")
	badImport := guest(t, "testdata/badimport")
	notWasm := writeFile(t, "text.wasm", []byte("not a module\n"))
	badConfig := writeFile(t, "config.json", []byte("{not json"))
	for _, tc := range []struct {
		name string
		args []string
		code int
		// want are patterns stdout must match, line by line (?m), and
		// errOut a text stderr must hold.
		want   []string
		errOut string
	}{
		{
			name: "hello",
			args: []string{"inspect", hello},
			code: exitOK,
			want: []string{
				`^dialect +gojinn$`,
				`^size +[0-9.]+ MiB \([0-9]+ bytes\)$`,
				`^memory +at least .* \([0-9]+ pages\)$`,
				`^load +[0-9.]+m?s \(`,
				`^features +none$`,
				`^phases +request$`,
				`^  gojinn_abi_v1 +\(\) -> \(\)$`,
				`^  gojinn_on_request +\(\) -> \(i32\)$`,
				`^  gojinn\.header_set +\(i32, i32, i32, i32, i32\) -> \(i32\)$`,
				`^  wasi_snapshot_preview1\.fd_write +\(i32, i32, i32, i32\) -> \(i32\)$`,
				`^check: ok$`,
			},
		},
		{
			// secheaders declares the response phase in its configure.
			name: "secheaders",
			args: []string{"inspect", secheaders},
			code: exitOK,
			want: []string{`^features +FEATURE_RESPONSE$`, `^phases +request, response$`, `^check: ok$`},
		},
		{
			name: "hello with a config from the command line",
			args: []string{"inspect", "--config", `{"greeting": "hi"}`, hello},
			code: exitOK,
			want: []string{`^check: ok$`},
		},
		{
			// hello's configure refuses a config that is not JSON: the
			// loader's message says so, naming the filter and its file.
			name: "hello with a config file its configure refuses",
			args: []string{"inspect", "--config", badConfig, hello},
			code: exitFailure,
			want: []string{`^check: refused: filter [^ ]+ \(` + regexp.QuoteMeta(hello) + `\): .*config is not valid JSON`, `^dialect +gojinn$`},
		},
		{
			name: "an import the host does not provide",
			args: []string{"inspect", badImport},
			code: exitFailure,
			want: []string{
				`^  gojinn\.no_such_function +\(\) -> \(i32\) +NOT PROVIDED by the host$`,
				`^  gojinn\.config_get +\(i32, i32\) -> \(i32\)$`,
				`^check: refused: .*imports unknown host function gojinn\.no_such_function \(ABI v1 has: `,
			},
		},
		{
			name:   "not a wasm module",
			args:   []string{"inspect", notWasm},
			code:   exitFailure,
			errOut: notWasm + ": not a valid wasm module",
		},
		{
			name:   "no such file",
			args:   []string{"inspect", notWasm + ".missing"},
			code:   exitFailure,
			errOut: notWasm + ".missing: no such file",
		},
		{
			name:   "a config that is not JSON",
			args:   []string{"inspect", "--config", `{"greeting":`, hello},
			code:   exitUsage,
			errOut: "not valid JSON",
		},
		{
			name:   "a config file that is not there",
			args:   []string{"inspect", "--config", badConfig + ".missing", hello},
			code:   exitUsage,
			errOut: "--config: open " + badConfig + ".missing",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
					t.Errorf("stdout has no line matching %s", w)
				}
			}
			if !strings.Contains(errOut, tc.errOut) {
				t.Errorf("stderr does not hold %q", tc.errOut)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
			}
		})
	}
}

func TestFeaturesText(t *testing.T) {
	for _, tc := range []struct {
		flags uint32
		want  string
	}{
		{0, "none"},
		{1, "FEATURE_RESPONSE"},
		{1 | 2 | 4, "FEATURE_RESPONSE, FEATURE_RESPONSE_BODY, FEATURE_REQUEST_BODY"},
		{4 | 16, "FEATURE_REQUEST_BODY, unknown 0x10"},
	} {
		if got := featuresText(hostabi.Feature(tc.flags)); got != tc.want {
			t.Errorf("featuresText(%#x) = %q, want %q", tc.flags, got, tc.want)
		}
	}
}
