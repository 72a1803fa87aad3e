package wasmbuild

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// module writes a module of one guest package to a new folder and
// returns the package's folder.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"go.mod":          "module example.com/guest\n\ngo 1.26\n",
		"guest/main.go":   "package main\n\nfunc main() {}\n",
		"guest/util.go":   "package main\n\nvar answer = 42\n",
		"guest/x_test.go": "package main\n",
	}
	for name, body := range files {
		all[name] = body
	}
	for name, body := range all {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "guest")
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKeyFollowsSources: the key changes with every input of a build and
// only with those, so that a cached guest can never be stale.
func TestKeyFollowsSources(t *testing.T) {
	pkg := module(t, nil)
	key := func() string {
		t.Helper()
		k, err := buildKey(pkg, reactor)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	prev := key()
	if again := key(); again != prev {
		t.Fatalf("two keys of unchanged sources: %s, %s", prev, again)
	}
	seen := map[string]string{prev: "the original sources"}
	for _, step := range []struct {
		what    string
		edit    func()
		changes bool
	}{
		{"a test file edited", func() { write(t, filepath.Join(pkg, "x_test.go"), "package main\n\n// edited\n") }, false},
		{"a file for another platform added", func() {
			write(t, filepath.Join(pkg, "other_windows.go"), "package main\n\nvar other = 1\n")
		}, false},
		{"a source edited", func() { write(t, filepath.Join(pkg, "util.go"), "package main\n\nvar answer = 43\n") }, true},
		{"a source added", func() { write(t, filepath.Join(pkg, "more.go"), "package main\n\nvar more = 1\n") }, true},
		{"go.mod edited", func() {
			write(t, filepath.Join(pkg, "..", "go.mod"), "module example.com/guest\n\ngo 1.26\n\n// edited\n")
		}, true},
		{"a module-local package imported", func() {
			write(t, filepath.Join(pkg, "..", "lib", "lib.go"), "package lib\n\nconst N = 1\n")
			write(t, filepath.Join(pkg, "more.go"), "package main\n\nimport \"example.com/guest/lib\"\n\nvar more = lib.N\n")
		}, true},
		{"that package edited", func() { write(t, filepath.Join(pkg, "..", "lib", "lib.go"), "package lib\n\nconst N = 2\n") }, true},
		{"GOFLAGS set", func() { t.Setenv("GOFLAGS", "-tags=extra") }, true},
	} {
		step.edit()
		k := key()
		switch {
		case !step.changes && k != prev:
			t.Errorf("%s: the key changed", step.what)
		case step.changes && seen[k] != "":
			t.Errorf("%s: the key is the one after %s", step.what, seen[k])
		}
		seen[k], prev = step.what, k
	}
}

func TestGoBuildsOnceIntoTheCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheDirEnv, cache)
	pkg := module(t, nil)
	path, err := build(pkg, reactor)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != cache || !strings.HasPrefix(filepath.Base(path), "guest-") {
		t.Fatalf("built to %s, want guest-<key>.wasm in %s", path, cache)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("%s is not a wasm module", path)
	}
	// A second build of the same sources, as another process would ask
	// for it, finds the first one: the file is not written again.
	mark := []byte("\x00asm-marked")
	write(t, path, string(mark))
	again, err := build(pkg, reactor)
	if err != nil || again != path {
		t.Fatalf("second build: %s, %v; want %s", again, err, path)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, mark) {
		t.Fatal("the cached guest was built again")
	}
	// Changed sources are another entry.
	write(t, filepath.Join(pkg, "util.go"), "package main\n\nvar answer = 7\n")
	changed, err := build(pkg, reactor)
	if err != nil {
		t.Fatal(err)
	}
	if changed == path {
		t.Fatal("changed sources got the old entry")
	}
	leftovers(t, cache)
}

// TestConcurrentBuilds: processes that build the same guest at once each
// rename a whole file into place; none sees a partial one.
func TestConcurrentBuilds(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheDirEnv, cache)
	pkg := module(t, nil)
	const n = 4
	var wg sync.WaitGroup
	paths := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = build(pkg, reactor)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if paths[i] != paths[0] {
			t.Fatalf("builds landed at %s and %s", paths[0], paths[i])
		}
	}
	b, err := os.ReadFile(paths[0])
	if err != nil || !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("cached guest: %v, %q...", err, b[:min(len(b), 8)])
	}
	leftovers(t, cache)
}

func TestBuildErrorSaysWhy(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	pkg := module(t, map[string]string{"guest/util.go": "package main\n\nvar answer = undefined\n"})
	_, err := Go(pkg)
	if err == nil || !strings.Contains(err.Error(), "undefined: undefined") || !strings.Contains(err.Error(), "building "+pkg) {
		t.Fatalf("err = %v, want the compiler's message and the package", err)
	}
}

// leftovers fails the test if a build left its temporary folder behind.
func leftovers(t *testing.T, cache string) {
	t.Helper()
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".build-") {
			t.Errorf("a build left %s behind", e.Name())
		}
	}
}

// TestCompilationCacheDirNamesWazero: the compiled code of one version of
// wazero is never offered to another.
func TestCompilationCacheDirNamesWazero(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheDirEnv, cache)
	dir, err := CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/tetratelabs/wazero").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "wazero-"+strings.TrimSpace(string(out))); dir != want {
		t.Fatalf("compiled code goes to %s, want %s", dir, want)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s is not a folder: %v", dir, err)
	}
}

// TestPrecompile: Go leaves a guest's machine code where this test
// binary's wazero looks for it (under its own idea of its version, "dev"
// in a test binary), and marks it, so that no process compiles it again.
func TestPrecompile(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	path, err := Go(module(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	code := filepath.Join(dir, "wazero-"+wazeroVersionSeen()+"-"+runtime.GOARCH+"-"+runtime.GOOS)
	entries, err := os.ReadDir(code)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no compiled code in %s: %v", code, err)
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(code, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// Marked: not compiled again (the code's loss costs a compile where
	// the guest is loaded, nothing else).
	if err := Precompile(path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(code); len(entries) != 0 {
		t.Fatalf("a marked guest was compiled again: %d entries", len(entries))
	}
}
