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

// ErrNoCXX is the error of CXX when its toolchain is missing.
var ErrNoCXX = errors.New("clang++ for wasm32-wasi with libc++ is not installed: run `make deps` " +
	"(it installs clang, lld, wasi-libc, libclang-rt-14-dev-wasm32 and libc++-dev-wasm32)")

// The flags build a filter as the README tells a C++ author to: a WASI
// reactor, C++17, no exceptions (the ABI reports errors as results, and
// libc++ for wasm32 has no unwinder), no debug information.
var cxxCompileFlags = []string{"--target=wasm32-wasi", "-std=c++17", "-O2", "-fno-exceptions",
	"-Wall", "-Wextra", "-Werror"}

// cxxRuntime are the files of the sysroot a C++ module links, besides
// the headers it includes and its start-up object: their contents are
// part of the key.
var cxxRuntime = []string{"libc++.a", "libc++abi.a", "libc.a"}

// HostABIDir is the folder of gojinn.h and gojinn.hpp, which every C and
// C++ guest includes.
func HostABIDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "hostabi")
}

// CXX builds one C++ source file as a filter (a WASI reactor, with
// HostABIDir on the include path) and returns the path of the .wasm file
// in CacheDir, which callers must not modify. The key covers clang's
// version and flags, the file, every header it includes (the system's
// too, as clang lists them) and the runtime libraries it links.
func CXX(file string) (string, error) { return cxx(file, cxxReactor) }

// CXXCommand builds one C++ source file as a WASI command, whose _start
// runs main: a function in the command form.
func CXXCommand(file string) (string, error) { return cxx(file, cxxCommand) }

// cxxMode is the kind of module a C++ build makes.
type cxxMode struct {
	name    string
	link    []string // flags for the link
	runtime string   // the start-up object it links
}

var (
	cxxReactor = cxxMode{"reactor", []string{"-mexec-model=reactor", "-Wl,--strip-debug"}, "crt1-reactor.o"}
	cxxCommand = cxxMode{"command", []string{"-Wl,--strip-debug"}, "crt1-command.o"}
)

func cxx(file string, m cxxMode) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	return once("c++ "+m.name+" "+abs, func() (string, error) {
		p, err := buildCXX(abs, m)
		if err != nil {
			return "", fmt.Errorf("building %s for wasm32-wasi (c++, %s): %w", file, m.name, err)
		}
		return p, nil
	})
}

func buildCXX(abs string, m cxxMode) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	clang, err := exec.LookPath("clang++")
	if err != nil {
		return "", ErrNoCXX
	}
	include := filepath.Clean(HostABIDir())
	key, err := cxxKey(clang, include, abs, m)
	if err != nil {
		return "", err
	}
	name := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	out := filepath.Join(dir, name+"-cxx-"+m.name+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "guest.wasm")
	args := append(append(append([]string{}, cxxCompileFlags...), m.link...), "-I", include, "-o", built, abs)
	if b, err := exec.Command(clang, args...).CombinedOutput(); err != nil {
		// A clang without the wasm32 sysroot, libc++ or the runtime fails
		// here, not at LookPath: say what to install as well.
		return "", fmt.Errorf("%w\n%s\n%w", err, b, ErrNoCXX)
	}
	if err := syncFile(built); err != nil {
		return "", err
	}
	return out, os.Rename(built, out)
}

func cxxKey(clang, include, abs string, m cxxMode) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, keyVersion, "c++", cxxCompileFlags, m.name, m.link)
	version, err := exec.Command(clang, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("clang++ --version: %w", commandError(err))
	}
	fmt.Fprintf(h, "%s", version)
	// -M lists the file and every header it includes, system ones too.
	deps, err := exec.Command(clang, append(append([]string{}, cxxCompileFlags...), "-I", include, "-M", abs)...).Output()
	if err != nil {
		return "", fmt.Errorf("listing the headers of %s: %w\n%w", abs, commandError(err), ErrNoCXX)
	}
	files := makeDeps(deps)
	for _, lib := range append([]string{m.runtime}, cxxRuntime...) {
		out, err := exec.Command(clang, "--target=wasm32-wasi", "-print-file-name="+lib).Output()
		if err != nil {
			return "", fmt.Errorf("finding %s: %w", lib, commandError(err))
		}
		p := strings.TrimSpace(string(out))
		if !filepath.IsAbs(p) {
			// clang prints the bare name of a file it cannot find.
			return "", fmt.Errorf("the wasm32-wasi sysroot has no %s: %w", lib, ErrNoCXX)
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
				return "", fmt.Errorf("%w: %w", err, ErrNoCXX)
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
