package wasmbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// ErrNoC is the error of C when its toolchain is missing.
var ErrNoC = errors.New("clang for wasm32-wasi is not installed: run `make deps` " +
	"(it installs clang, lld, wasi-libc and libclang-rt-14-dev-wasm32)")

// ErrNoCXX is the error of CXX when its toolchain is missing.
var ErrNoCXX = errors.New("clang++ for wasm32-wasi with libc++ is not installed: run `make deps` " +
	"(it installs clang, lld, wasi-libc, libclang-rt-14-dev-wasm32 and libc++-dev-wasm32)")

// clangLang is a language clang builds: the driver, the flags and the
// libraries of the sysroot that differ between C and C++.
type clangLang struct {
	name    string   // in errors and the key
	tag     string   // in the cache file's name
	driver  string   // looked up on PATH
	flags   []string // for every compile, -M included
	libs    []string // of the sysroot, linked besides the start-up object: part of the key
	missing error    // what a failure says to install
}

var (
	// C11 with the C++ build's warnings; GNU's dialect of it, so that
	// wasi-libc declares POSIX's functions (strnlen, strtok_r), which a
	// filter's author expects of clang's default.
	langC = clangLang{"c", "c", "clang",
		[]string{"--target=wasm32-wasi", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"},
		[]string{"libc.a"}, ErrNoC}
	// The flags build a filter as the README tells a C++ author to:
	// C++17, no exceptions (the ABI reports errors as results, and libc++
	// for wasm32 has no unwinder).
	langCXX = clangLang{"c++", "cxx", "clang++",
		[]string{"--target=wasm32-wasi", "-std=c++17", "-O2", "-fno-exceptions", "-Wall", "-Wextra", "-Werror"},
		[]string{"libc++.a", "libc++abi.a", "libc.a"}, ErrNoCXX}
)

// HostABIDir is the folder of gojinn.h and gojinn.hpp, which every C and
// C++ guest includes.
func HostABIDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "hostabi")
}

// C builds one C source file as a filter (a WASI reactor, with
// HostABIDir on the include path) and returns the path of the .wasm file
// in CacheDir, which callers must not modify. The key covers clang's
// version and flags, the file, every header it includes (the system's
// too, as clang lists them) and the runtime libraries it links.
func C(file string) (string, error) { return clangCached(langC, file, clangReactor) }

// CCommand builds one C source file as a WASI command, whose _start runs
// main: a function in the command form.
func CCommand(file string) (string, error) { return clangCached(langC, file, clangCommand) }

// CXX builds one C++ source file as a filter, as C does a C file, with
// libc++.
func CXX(file string) (string, error) { return clangCached(langCXX, file, clangReactor) }

// CXXCommand builds one C++ source file as a WASI command, as CCommand
// does a C file.
func CXXCommand(file string) (string, error) { return clangCached(langCXX, file, clangCommand) }

// clangMode is the kind of module a clang build makes.
type clangMode struct {
	name    string
	link    []string // flags for the link
	startup string   // the start-up object it links
}

// No debug information in either: guests are loaded, not debugged, and
// it would be most of a module's size.
var (
	clangReactor = clangMode{"reactor", []string{"-mexec-model=reactor", "-Wl,--strip-debug"}, "crt1-reactor.o"}
	clangCommand = clangMode{"command", []string{"-Wl,--strip-debug"}, "crt1-command.o"}
)

func clangCached(l clangLang, file string, m clangMode) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	return once(l.name+" "+m.name+" "+abs, func() (string, error) {
		p, err := buildClang(l, abs, m)
		if err != nil {
			return "", fmt.Errorf("building %s for wasm32-wasi (%s, %s): %w", file, l.name, m.name, err)
		}
		return p, nil
	})
}

func buildClang(l clangLang, abs string, m clangMode) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	clang, err := exec.LookPath(l.driver)
	if err != nil {
		return "", l.missing
	}
	include := filepath.Clean(HostABIDir())
	key, err := clangKey(l, clang, include, abs, m)
	if err != nil {
		return "", err
	}
	name := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	out := filepath.Join(dir, name+"-"+l.tag+"-"+m.name+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "guest.wasm")
	args := append(append(append([]string{}, l.flags...), m.link...), "-I", include, "-o", built, abs)
	if b, err := exec.Command(clang, args...).CombinedOutput(); err != nil {
		// A clang without the wasm32 sysroot, libc++ or the runtime fails
		// here, not at LookPath: say what to install as well.
		return "", fmt.Errorf("%w\n%s\n%w", err, b, l.missing)
	}
	if err := syncFile(built); err != nil {
		return "", err
	}
	return out, os.Rename(built, out)
}

func clangKey(l clangLang, clang, include, abs string, m clangMode) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, keyVersion, l.name, l.flags, m.name, m.link)
	version, err := exec.Command(clang, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", l.driver, commandError(err))
	}
	fmt.Fprintf(h, "%s", version)
	// -M lists the file and every header it includes, system ones too.
	deps, err := exec.Command(clang, append(append([]string{}, l.flags...), "-I", include, "-M", abs)...).Output()
	if err != nil {
		return "", fmt.Errorf("listing the headers of %s: %w\n%w", abs, commandError(err), l.missing)
	}
	files := makeDeps(deps)
	for _, lib := range append([]string{m.startup}, l.libs...) {
		out, err := exec.Command(clang, "--target=wasm32-wasi", "-print-file-name="+lib).Output()
		if err != nil {
			return "", fmt.Errorf("finding %s: %w", lib, commandError(err))
		}
		p := strings.TrimSpace(string(out))
		if !filepath.IsAbs(p) {
			// clang prints the bare name of a file it cannot find.
			return "", fmt.Errorf("the wasm32-wasi sysroot has no %s: %w", lib, l.missing)
		}
		files = append(files, p)
	}
	builtins, err := exec.Command(clang, "--target=wasm32-wasi", "-print-libgcc-file-name").Output()
	if err != nil {
		return "", fmt.Errorf("finding the compiler runtime: %w", commandError(err))
	}
	files = append(files, strings.TrimSpace(string(builtins)))
	sort.Strings(files)
	for _, f := range files {
		if err := hashFile(h, f, f); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("%w: %w", err, l.missing)
			}
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// makeDeps reads the files of a make rule as clang -M writes it: a
// target, a colon, then paths separated by spaces and escaped newlines,
// a space inside a path escaped with a backslash.
func makeDeps(rule []byte) []string {
	_, after, _ := bytes.Cut(rule, []byte(": "))
	var files []string
	seen := map[string]bool{}
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			if f := filepath.Clean(string(cur)); !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
			cur = cur[:0]
		}
	}
	for i := 0; i < len(after); i++ {
		switch c := after[i]; {
		case c == '\\' && i+1 < len(after) && after[i+1] == '\n':
			flush()
			i++
		case c == '\\' && i+1 < len(after) && after[i+1] == ' ':
			cur = append(cur, ' ')
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
		default:
			cur = append(cur, c)
		}
	}
	flush()
	return files
}
