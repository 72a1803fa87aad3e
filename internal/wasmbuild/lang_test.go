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

// clangCases are, per language clang builds, a filter's source that
// includes a system header, gojinn.h and local.h (which defines kAnswer,
// two ways), and a command's source that holds in that language and
// standard only.
var clangCases = []struct {
	lang    clangLang
	file    string
	filter  string
	locals  [2]string
	command string
}{
	{
		lang: langC,
		file: "probe.c",
		filter: "#include <string.h>\n#include \"gojinn.h\"\n#include \"local.h\"\n" +
			"GOJINN_EXPORT_ABI_V1\nGOJINN_EXPORT(\"answer\") int answer(void) { return (int)strlen(\"ab\") + kAnswer; }\n",
		locals: [2]string{"enum { kAnswer = 42 };\n", "enum { kAnswer = 43 };\n"},
		// C11 and not C++: a void * converts to an int * unasked.
		// POSIX's strnlen is declared, as a C author expects.
		command: "#include <string.h>\n_Static_assert(__STDC_VERSION__ == 201112L, \"C11\");\n" +
			"int main(void) { int x = 0; void *v = &x; int *p = v; return *p + (int)strnlen(\"\", 1); }\n",
	},
	{
		lang: langCXX,
		file: "probe.cpp",
		filter: "#include <string_view>\n#include \"gojinn.h\"\n#include \"local.h\"\n" +
			"GOJINN_EXPORT_ABI_V1\nGOJINN_EXPORT(\"answer\") int answer() { return std::string_view(\"ab\").size() + kAnswer; }\n",
		locals: [2]string{"constexpr int kAnswer = 42;\n", "constexpr int kAnswer = 43;\n"},
		// C++17 and not C: static_assert is a keyword.
		command: "static_assert(__cplusplus == 201703L, \"C++17\");\nint main() { return 0; }\n",
	},
}

// TestClangBuildsAndKeysItsHeaders: each language builds a filter (a
// reactor) and a command into the cache, under a key that follows the
// headers the file includes, and says why a file does not compile.
func TestClangBuildsAndKeysItsHeaders(t *testing.T) {
	for _, c := range clangCases {
		t.Run(c.lang.name, func(t *testing.T) {
			cache := t.TempDir()
			t.Setenv(CacheDirEnv, cache)
			dir := t.TempDir()
			src := filepath.Join(dir, c.file)
			write(t, filepath.Join(dir, "local.h"), c.locals[0])
			write(t, src, c.filter)
			clang, err := exec.LookPath(c.lang.driver)
			if err != nil {
				t.Fatalf("%v: %v", err, c.lang.missing)
			}
			key := func() string {
				t.Helper()
				k, err := clangKey(c.lang, clang, HostABIDir(), src, clangReactor)
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			k0 := key()
			write(t, filepath.Join(dir, "local.h"), c.locals[1])
			if k1 := key(); k1 == k0 {
				t.Error("an included header changed and the key did not")
			}
			path, err := buildClang(c.lang, src, clangReactor)
			if err != nil {
				t.Fatal(err)
			}
			if prefix := "probe-" + c.lang.tag + "-reactor-"; filepath.Dir(path) != cache || !strings.HasPrefix(filepath.Base(path), prefix) {
				t.Fatalf("built to %s, want %s<key>.wasm in %s", path, prefix, cache)
			}
			wantModule(t, path, "answer", "_initialize")
			mark := []byte("\x00asm-marked")
			write(t, path, string(mark))
			if again, err := buildClang(c.lang, src, clangReactor); err != nil || again != path {
				t.Fatalf("second build: %s, %v; want %s", again, err, path)
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, mark) {
				t.Fatal("the cached guest was built again")
			}
			write(t, src, c.command)
			command, err := buildClang(c.lang, src, clangCommand)
			if err != nil {
				t.Fatal(err)
			}
			wantModule(t, command, "_start")
			write(t, src, "int broken( {\n")
			if _, err := buildClang(c.lang, src, clangReactor); err == nil ||
				!strings.Contains(err.Error(), "expected") || !errors.Is(err, c.lang.missing) {
				t.Errorf("a file that does not compile: err = %v, want clang's message and the hint", err)
			}
			leftovers(t, cache)
		})
	}
}

// TestClangCommandsKeepToTheirLanguage: each builder compiles its own
// language and standard, so the other's command does not build.
func TestClangCommandsKeepToTheirLanguage(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	for i, c := range clangCases {
		other := clangCases[1-i]
		t.Run(c.lang.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), c.file)
			write(t, src, other.command)
			if _, err := buildClang(c.lang, src, clangCommand); err == nil {
				t.Errorf("the %s builder built a %s command", c.lang.name, other.lang.name)
			}
		})
	}
}

// TestClangMissing: without the driver on PATH, the error says what to
// install.
func TestClangMissing(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	t.Setenv("PATH", t.TempDir())
	for _, c := range clangCases {
		src := filepath.Join(t.TempDir(), c.file)
		write(t, src, c.command)
		if _, err := buildClang(c.lang, src, clangCommand); !errors.Is(err, c.lang.missing) ||
			!strings.Contains(err.Error(), "make deps") {
			t.Errorf("%s: err = %v, want %v", c.lang.name, err, c.lang.missing)
		}
	}
}

// wantModule fails the test unless the file at path is a wasm module
// that names each of names (an export's name is in the module's bytes).
func wantModule(t *testing.T, path string, names ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("%s is not a wasm module: %v", path, err)
	}
	for _, n := range names {
		if !bytes.Contains(b, []byte(n)) {
			t.Errorf("%s does not name %s", path, n)
		}
	}
}

func TestMakeDeps(t *testing.T) {
	rule := "probe.o: /src/probe.cpp /usr/include/a.h \\\n  /home/my\\ dir/b.h /usr/include/a.h\n"
	got := makeDeps([]byte(rule))
	want := []string{"/src/probe.cpp", "/usr/include/a.h", "/home/my dir/b.h"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("makeDeps = %q, want %q", got, want)
	}
}
