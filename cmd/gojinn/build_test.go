package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	keys := writeFile(t, "keys.txt", []byte("ada=k1\n"))
	noSource := t.TempDir()
	cSource := t.TempDir()
	if err := os.WriteFile(filepath.Join(cSource, "filter.c"), []byte("int x;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		// args are the arguments after "build -o <a temporary file>".
		args []string
		code int
		// want are patterns stdout must match, line by line (?m);
		// errOut a text stderr must hold.
		want   []string
		errOut string
	}{
		{
			name: "go",
			args: []string{"../../filters-examples/hello"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(go\)$`, `^dialect +gojinn$`, `^check: ok$`},
		},
		{
			// The C++ example has Go tests beside its source: they do
			// not make it a Go package.
			name: "c++",
			args: []string{"../../filters-examples/canary-cpp"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(c\+\+\)$`, `^check: ok$`},
		},
		{
			name: "rust, with the config its check needs",
			args: []string{"--config", keys, "../../filters-examples/apikey-rust"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(rust\)$`, `^check: ok$`},
		},
		{
			// Built, and refused by the check: the loader's message.
			name: "rust, without a config",
			args: []string{"../../filters-examples/apikey-rust"},
			code: exitFailure,
			want: []string{`^built .*\.wasm \(rust\)$`, `^check: refused: .*no keys`},
		},
		{
			name: "a go function, a command",
			args: []string{"../../functions-examples/quote/command"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(go, a WASI command\)$`, `^kind +function \(command\)$`, `^check: ok$`},
		},
		{
			name: "a go function, a reactor",
			args: []string{"../../functions-examples/quote/reactor"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(go\)$`, `^kind +function \(reactor\)$`, `^check: ok$`},
		},
		{
			name: "a rust function",
			args: []string{"../../functions-examples/hello-rust"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(rust\)$`, `^kind +function \(command\)$`, `^check: ok$`},
		},
		{
			name: "a c++ function",
			args: []string{"../../functions-examples/hello-cpp"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(c\+\+, a WASI command\)$`, `^kind +function \(command\)$`, `^check: ok$`},
		},
		{
			name: "a c function",
			args: []string{"../../functions/testdata/ccommand"},
			code: exitOK,
			want: []string{`^built .*\.wasm \(c, a WASI command\)$`, `^kind +function \(command\)$`, `^check: ok$`},
		},
		{
			name:   "a folder with nothing to build",
			args:   []string{noSource},
			code:   exitFailure,
			errOut: noSource + ": no Cargo.toml, go.mod, Go, C++ or C file",
		},
		{
			// A C file without main is neither a filter nor a command:
			// clang's error follows the file's.
			name:   "C that does not link",
			args:   []string{cSource},
			code:   exitFailure,
			errOut: "filter.c for wasm32-wasi (c, command): exit status 1",
		},
		{
			name:   "a folder that is not there",
			args:   []string{noSource + "/missing"},
			code:   exitFailure,
			errOut: "no such file or directory",
		},
		{
			name:   "two folders",
			args:   []string{noSource, cSource},
			code:   exitUsage,
			errOut: "usage: gojinn build",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "filter.wasm")
			code, stdout, stderr := gojinn(t, append([]string{"build", "-o", out}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(`(?m)` + w).MatchString(stdout) {
					t.Errorf("stdout has no line matching %s", w)
				}
			}
			if !strings.Contains(stderr, tc.errOut) {
				t.Errorf("stderr does not hold %q", tc.errOut)
			}
			if _, err := os.Stat(out); (err == nil) != (len(tc.want) > 0) {
				t.Errorf("module written: %v, want %v", err == nil, len(tc.want) > 0)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// TestIsReactorGo checks how build tells a Go reactor (built with
// -buildmode=c-shared) from a WASI command.
func TestIsReactorGo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		reactor bool
	}{
		{"the filter SDK", map[string]string{"main.go": "package main\n\nimport _ \"github.com/gojinn/gojinn/hostabi/guest\"\n\nfunc main() { println() }\n"}, true},
		{"the function SDK", map[string]string{"main.go": "package main\n\nimport \"github.com/gojinn/gojinn/hostabi/function\"\n\nfunc init() { function.Handle(nil) }\n"}, true},
		{"its own exports", map[string]string{"main.go": "package main\n\n//go:wasmexport handle_request\nfunc h() uint64 { return 1 }\n\nfunc main() { println() }\n"}, true},
		{"an empty main", map[string]string{"main.go": "package main\n\nimport _ \"example.com/sdk\"\n\nfunc main() {}\n"}, true},
		{"a command", map[string]string{"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.Write(nil) }\n"}, false},
		{"a test that imports the SDK", map[string]string{
			"main.go":      "package main\n\nfunc main() { println() }\n",
			"main_test.go": "package main\n\nimport _ \"github.com/gojinn/gojinn/hostabi/guest\"\n",
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := isReactorGo(dir)
			if err != nil || got != tc.reactor {
				t.Errorf("isReactorGo = %t, %v; want %t", got, err, tc.reactor)
			}
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := isReactorGo(dir); err == nil || !strings.Contains(err.Error(), "main.go") {
		t.Errorf("a file that does not parse: %v, want its name in the error", err)
	}
}
