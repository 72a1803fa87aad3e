package wasmbuild

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// crate writes a cdylib crate with a path dependency to a new folder,
// with its Cargo.lock, and returns the crate's folder.
func crate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"guest/Cargo.toml": "[package]\nname = \"rust-guest\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n" +
			"[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\ndep = { path = \"../dep\" }\n",
		"guest/src/lib.rs": "#[export_name = \"answer\"]\npub extern \"C\" fn answer() -> i32 { dep::ANSWER }\n",
		"dep/Cargo.toml":   "[package]\nname = \"dep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"dep/src/lib.rs":   "pub const ANSWER: i32 = 42;\n",
	} {
		write(t, filepath.Join(dir, name), body)
	}
	guest := filepath.Join(dir, "guest")
	_, cargo := rustTools()
	cmd := exec.Command(cargo, "generate-lockfile", "--offline", "--manifest-path", filepath.Join(guest, "Cargo.toml"))
	cmd.Env = rustEnv(t.TempDir(), defaultRustc)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo generate-lockfile: %v\n%s (run `make deps`)", err, out)
	}
	return guest
}

// TestRustKeyFollowsSources: the key changes with every file of the
// crate and of its path dependencies, and not with a build's output.
func TestRustKeyFollowsSources(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	guest := crate(t)
	key := func() string {
		t.Helper()
		dir, _ := CacheDir()
		rustc, cargo := rustTools()
		env := rustEnv(dir, rustc)
		m, err := cargoMetadata(cargo, guest, env)
		if err != nil {
			t.Fatal(err)
		}
		k, err := rustKey(rustc, cargo, env, m)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	prev := key()
	if again := key(); again != prev {
		t.Fatalf("two keys of unchanged sources: %s, %s", prev, again)
	}
	dep := filepath.Join(guest, "..", "dep")
	for _, step := range []struct {
		what    string
		edit    func()
		changes bool
	}{
		{"a build's output written", func() { write(t, filepath.Join(guest, "target", "x"), "built") }, false},
		{"an editor's file written", func() { write(t, filepath.Join(guest, ".lib.rs.swp"), "x") }, false},
		{"the crate's source edited", func() { write(t, filepath.Join(guest, "src", "lib.rs"), "// edited\n") }, true},
		{"a source added", func() { write(t, filepath.Join(guest, "src", "more.rs"), "\n") }, true},
		{"the dependency edited", func() { write(t, filepath.Join(dep, "src", "lib.rs"), "pub const ANSWER: i32 = 7;\n") }, true},
		{"Cargo.lock edited", func() {
			b, _ := os.ReadFile(filepath.Join(guest, "Cargo.lock"))
			write(t, filepath.Join(guest, "Cargo.lock"), string(b)+"\n")
		}, true},
	} {
		step.edit()
		k := key()
		if (k != prev) != step.changes {
			t.Errorf("%s: key changed %v, want %v", step.what, k != prev, step.changes)
		}
		prev = k
	}
}

func TestRustBuildsOnceIntoTheCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheDirEnv, cache)
	guest := crate(t)
	path, err := buildRust(guest)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != cache || !strings.HasPrefix(filepath.Base(path), "rust_guest-rust-") {
		t.Fatalf("built to %s, want rust_guest-rust-<key>.wasm in %s", path, cache)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("\x00asm")) || !bytes.Contains(b, []byte("answer")) {
		t.Fatalf("%s is not the crate's module: %v", path, err)
	}
	if _, err := os.Stat(filepath.Join(guest, "target")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build wrote a target folder into the sources: %v", err)
	}
	mark := []byte("\x00asm-marked")
	write(t, path, string(mark))
	if again, err := buildRust(guest); err != nil || again != path {
		t.Fatalf("second build: %s, %v; want %s", again, err, path)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, mark) {
		t.Fatal("the cached guest was built again")
	}
	leftovers(t, cache)
}

func TestRustErrors(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	guest := crate(t)
	write(t, filepath.Join(guest, "src", "lib.rs"), "pub fn f() -> i32 { undefined_thing }\n")
	if _, err := buildRust(guest); err == nil || !strings.Contains(err.Error(), "undefined_thing") {
		t.Errorf("a crate that does not compile: err = %v, want rustc's message", err)
	}
	t.Setenv("RUSTC", filepath.Join(t.TempDir(), "no-rustc"))
	if _, err := buildRust(guest); !errors.Is(err, ErrNoRust) || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("no rustc: err = %v, want ErrNoRust", err)
	}
}

func TestCXXBuildsAndKeysItsHeaders(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheDirEnv, cache)
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.cpp")
	write(t, filepath.Join(dir, "local.h"), "constexpr int kAnswer = 42;\n")
	write(t, src, "#include <string_view>\n#include \"gojinn.h\"\n#include \"local.h\"\n"+
		"GOJINN_EXPORT_ABI_V1\nGOJINN_EXPORT(\"answer\") int answer() { return std::string_view(\"ab\").size() + kAnswer; }\n")
	clang, err := exec.LookPath("clang++")
	if err != nil {
		t.Fatalf("%v: %v", err, ErrNoCXX)
	}
	key := func() string {
		t.Helper()
		k, err := cxxKey(clang, HostABIDir(), src, cxxReactor)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k0 := key()
	write(t, filepath.Join(dir, "local.h"), "constexpr int kAnswer = 43;\n")
	if k1 := key(); k1 == k0 {
		t.Error("an included header changed and the key did not")
	}
	path, err := buildCXX(src, cxxReactor)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("\x00asm")) || !bytes.Contains(b, []byte("answer")) {
		t.Fatalf("%s is not the file's module: %v", path, err)
	}
	write(t, src, "int broken( {\n")
	if _, err := buildCXX(src, cxxReactor); err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("a file that does not compile: err = %v, want clang's message and the hint", err)
	}
	leftovers(t, cache)
}

func TestMakeDeps(t *testing.T) {
	rule := "probe.o: /src/probe.cpp /usr/include/a.h \\\n  /home/my\\ dir/b.h /usr/include/a.h\n"
	got := makeDeps([]byte(rule))
	want := []string{"/src/probe.cpp", "/usr/include/a.h", "/home/my dir/b.h"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("makeDeps = %q, want %q", got, want)
	}
}
