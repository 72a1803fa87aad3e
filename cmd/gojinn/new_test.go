package main

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the clone these tests run in, which skeletons build
// against.
const repoRoot = "../.."

// TestNew writes every skeleton, builds it and runs its own cases with
// the tool, and for Go its go test: each must pass at once, and fail
// when its cases are wrong.
func TestNew(t *testing.T) {
	clone, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		for _, kind := range kinds {
			t.Run(lang+"-"+kind, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "my-"+kind)
				code, out, errOut := gojinn(t, "new", dir, "--lang", lang, "--kind", kind, "--clone", clone)
				if code != exitOK || !strings.Contains(out, "cases.json") || !strings.Contains(out, "README.md") {
					t.Fatalf("new = %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				wasm := filepath.Join(t.TempDir(), "my.wasm")
				code, out, errOut = gojinn(t, "build", "-o", wasm, dir)
				if code != exitOK || !regexp.MustCompile(`(?m)^check: ok$`).MatchString(out) ||
					!regexp.MustCompile(`(?m)^kind +`+kind).MatchString(out) {
					t.Fatalf("build = %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				cases := filepath.Join(dir, "cases.json")
				code, out, errOut = gojinn(t, "test", wasm, cases)
				if code != exitOK || !regexp.MustCompile(`(?m)^(\d) of (\d) cases passed$`).MatchString(out) || strings.Contains(out, "FAIL") {
					t.Fatalf("test = %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				// The cases check something: a wrong status fails them.
				b, err := os.ReadFile(cases)
				if err != nil {
					t.Fatal(err)
				}
				wrong := writeFile(t, "wrong.json", bytes.Replace(b, []byte(`"status": `), []byte(`"status": 5`), 1))
				if code, out, _ := gojinn(t, "test", wasm, wrong); code != exitFailure || !strings.Contains(out, "FAIL") {
					t.Errorf("test with a wrong status = %d, want %d\n%s", code, exitFailure, out)
				}
				if lang == "go" {
					goVetAndFormat(t, dir)
					goTest(t, dir, true)
					if err := os.WriteFile(cases, bytes.Replace(b, []byte(`"status": `), []byte(`"status": 5`), 1), 0o644); err != nil {
						t.Fatal(err)
					}
					goTest(t, dir, false)
				}
			})
		}
	}
}

// goVetAndFormat holds a Go skeleton to the project's bar: gofmt'd, and
// go vet clean for wasip1 (the module) and for the host (its test).
func goVetAndFormat(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in the skeleton: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
			t.Errorf("%s is not gofmt'd (%v)", filepath.Base(f), err)
		}
	}
	for _, env := range [][]string{{"GOOS=wasip1", "GOARCH=wasm"}, nil} {
		cmd := exec.Command("go", "vet", "./...")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet %v in the skeleton: %v\n%s", env, err, out)
		}
	}
}

// goTest runs go test in a Go skeleton and checks that it passes or
// fails.
func goTest(t *testing.T, dir string, pass bool) {
	t.Helper()
	cmd := exec.Command("go", "test", "-count=1", "./...")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if (err == nil) != pass {
		t.Errorf("go test in the skeleton: %v, want it to pass: %t\n%s", err, pass, out)
	}
}

func TestNewFiles(t *testing.T) {
	clone, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	// C and C++ skeletons carry copies of the clone's headers, so that
	// they build with clang alone.
	for _, lang := range []string{"c", "cpp"} {
		dir := filepath.Join(t.TempDir(), "hdr")
		if code, out, errOut := gojinn(t, "new", "--lang", lang, "--clone", clone, dir); code != exitOK {
			t.Fatalf("new = %d\n%s\n%s", code, out, errOut)
		}
		headers := []string{"gojinn.h"}
		if lang == "cpp" {
			headers = append(headers, "gojinn.hpp")
		}
		for _, h := range headers {
			got, err := os.ReadFile(filepath.Join(dir, h))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(clone, "hostabi", h))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s is not the clone's", lang, h)
			}
		}
	}
	// A Go skeleton without a clone has no replace, and says what to do.
	dir := filepath.Join(t.TempDir(), "pub")
	code, out, errOut := gojinn(t, "new", "--module", "example.org/x/pub", dir)
	if code != exitOK || !strings.Contains(out, "is not published yet") {
		t.Fatalf("new = %d\n%s\n%s", code, out, errOut)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(gomod), "module example.org/x/pub\n") || strings.Contains(string(gomod), "replace") {
		t.Errorf("go.mod:\n%s", gomod)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "go mod edit -replace github.com/gojinn/gojinn=/path/to/gojinn") {
		t.Errorf("the README does not say how to point go.mod at a clone:\n%s", readme)
	}
	// A Rust skeleton depends on the clone's SDK by path.
	dir = filepath.Join(t.TempDir(), "crate")
	if code, out, errOut := gojinn(t, "new", "--lang", "rust", "--clone", clone, dir); code != exitOK {
		t.Fatalf("new = %d\n%s\n%s", code, out, errOut)
	}
	toml, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `gojinn = { path = "` + filepath.ToSlash(clone) + `/hostabi/rust" }`; !strings.Contains(string(toml), want) {
		t.Errorf("Cargo.toml does not hold %s:\n%s", want, toml)
	}
}

func TestNewRefuses(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		errOut string
	}{
		{"a folder that is not empty", []string{full}, exitFailure, "not empty (main.go, ...)"},
		{"an unknown language", []string{fresh, "--lang", "zig"}, exitUsage, `unknown language "zig": want one of go, c, rust, cpp`},
		{"an unknown kind", []string{"--kind", "plugin", fresh}, exitUsage, `unknown kind "plugin": want filter or function`},
		{"a name that names nothing", []string{filepath.Join(t.TempDir(), "My Filter")}, exitUsage, `the folder's name "My Filter"`},
		{"a clone that is not one", []string{"--clone", t.TempDir(), fresh}, exitFailure, "not a clone of Gojinn"},
		{"no folder", nil, exitUsage, "usage: gojinn new"},
		{"two folders", []string{fresh, fresh + "2"}, exitUsage, "usage: gojinn new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, append([]string{"new"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("new %q = %d\nstdout:\n%s\nstderr:\n%s\nwant %d, stderr with %q", tc.args, code, out, errOut, tc.code, tc.errOut)
			}
		})
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a refused new wrote %s", fresh)
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("a refused new wrote into %s: %d entries", full, len(entries))
	}
}
