// Package wasmbuild builds guests to wasm for tests and tools, so that no
// .wasm file is ever committed: Go with the standard toolchain (Go,
// GoCommand), Rust with Debian's rustc and cargo (Rust), C and C++ with
// clang (C, CCommand, CXX, CXXCommand: one builder, the language a
// parameter).
//
// A build takes seconds, and every test binary of the module needs some
// of the same guests, so builds are kept in a folder shared by every
// process (CacheDir), each under a key that covers everything the output
// depends on: the toolchain and its settings, the module's go.mod and
// go.sum, the version of every dependency and the contents of every file
// of the guest's packages that come from this module (or from a local
// replacement). A change to any of them changes the key, so a cached
// guest is never stale; concurrent processes write a build under a name
// of their own and rename it into place, so none ever reads half of one.
package wasmbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// CacheDirEnv names the environment variable that moves the cache from
// its default, os.UserCacheDir()/gojinn/test-guests.
const CacheDirEnv = "GOJINN_TEST_CACHE"

// keyVersion changes whenever the build command or the key's makeup
// does, so that builds made the old way are not picked up.
const keyVersion = "gojinn-wasmbuild-3 -trimpath"

// CacheDir returns the folder that holds built guests, creating it.
func CacheDir() (string, error) {
	dir := os.Getenv(CacheDirEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no folder for built guests (set %s): %w", CacheDirEnv, err)
		}
		dir = filepath.Join(base, "gojinn", "test-guests")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("folder for built guests: %w", err)
	}
	return dir, nil
}

// CompilationCacheDir returns the folder in CacheDir where tests keep
// wazero's compiled code (filters.EngineConfig.CacheDir), so that a guest
// is compiled to machine code once per machine rather than once per test
// binary; "" when there is none to share (see below). wazero keys what it
// stores by the module's hash and the CPU's features, and writes each
// entry under a temporary name before renaming it, so the folder is safe
// to share between processes. It also keys by its own version, but reads
// that from the binary's record of its dependencies, which a test binary
// lacks ("dev"): so the folder is named after the version of wazero that
// go.mod requires, and code compiled by another version is never loaded.
// With wazero replaced by a local folder there is no version to go by,
// and no shared folder.
func CompilationCacheDir() (string, error) {
	version, err := wazeroRequired()
	if err != nil || version == "" {
		return "", err
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir = filepath.Join(dir, "wazero-"+strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, version))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("folder for compiled guests: %w", err)
	}
	return dir, nil
}

// wazeroRequired is the version of wazero the module requires, as go
// list reports it, or "" when a local folder replaces it.
var wazeroRequired = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-json=Path,Version,Replace", "github.com/tetratelabs/wazero").Output()
	if err != nil {
		return "", fmt.Errorf("the version of wazero: %w", commandError(err))
	}
	var m struct {
		Version string
		Replace *struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("the version of wazero: %w", err)
	}
	switch {
	case m.Replace == nil:
		return m.Version, nil
	case m.Replace.Version == "":
		return "", nil
	}
	return m.Replace.Path + "@" + m.Replace.Version, nil
})

// Precompile puts the machine code of the module at wasmPath in
// CompilationCacheDir, unless it is there already, by loading it in a
// process of its own built without the race detector (the command
// internal/wasmbuild/precompile): wazero's compiler is Go code, and a
// test binary built with -race runs it ten times slower. What was
// precompiled is marked in the cache by the module's hash, so a process
// runs the command only for modules no process has compiled. A marker
// whose code went missing costs a compile where the module is loaded,
// never a wrong answer: wazero's own key covers the module and the CPU.
func Precompile(wasmPath string) error {
	dir, err := CompilationCacheDir()
	if err != nil || dir == "" {
		return err
	}
	b, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	marker := filepath.Join(dir, "precompiled", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	// wazero files its cache under its version as this binary's record of
	// its dependencies gives it ("dev" in a test binary, which has none),
	// so the command is built to see the same one.
	cmd := exec.Command("go", "run", "-race=false",
		"-ldflags=-X github.com/tetratelabs/wazero/internal/version.version="+wazeroVersionSeen(),
		"github.com/gojinn/gojinn/internal/wasmbuild/precompile", "-cache", dir, wasmPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("precompiling %s: %w\n%s", wasmPath, err, out)
	}
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return err
	}
	return os.WriteFile(marker, nil, 0o644)
}

// wazeroVersionSeen is the version wazero reads for itself in this
// process, by its own rule (internal/version): the last dependency whose
// path holds wazero's, else the main module's version, else "dev".
func wazeroVersionSeen() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := ""
	for _, dep := range info.Deps {
		if strings.Contains(dep.Path, "github.com/tetratelabs/wazero") {
			v = dep.Version
		}
	}
	missing := func(v string) bool { return v == "" || v == "(devel)" }
	if missing(v) {
		v = info.Main.Version
	}
	if missing(v) {
		return "dev"
	}
	return v
}

type result struct {
	done chan struct{}
	path string
	err  error
}

var (
	mu     sync.Mutex
	builds = map[string]*result{}
)

// Go builds the Go package at pkgDir (a directory, absolute or relative
// to the working directory) as a WASI reactor (-buildmode=c-shared: what
// filters and function reactors are) and returns the path of the .wasm
// file in CacheDir, which callers must not modify. Its machine code is put
// in CompilationCacheDir too (see Precompile). A process asks the
// toolchain about a package once; a build that failed fails again
// without retrying.
func Go(pkgDir string) (string, error) { return cached(pkgDir, reactor) }

// GoCommand builds the Go package at pkgDir as a WASI command, with a
// plain `GOOS=wasip1 GOARCH=wasm go build` (what a function's author
// builds), as Go does a reactor.
func GoCommand(pkgDir string) (string, error) { return cached(pkgDir, command) }

// mode is the kind of module a build makes.
type mode struct {
	name  string   // in the key and the file's name
	flags []string // for go build
}

var (
	reactor = mode{"reactor", []string{"-buildmode=c-shared"}}
	command = mode{"command", nil}
)

func cached(pkgDir string, m mode) (string, error) {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", err
	}
	return once(m.name+" "+abs, func() (string, error) {
		p, err := build(abs, m)
		if err != nil {
			return "", fmt.Errorf("building %s for wasip1 (%s): %w", pkgDir, m.name, err)
		}
		return p, nil
	})
}

// once runs a build of the guest id once per process, waiting for the one
// under way, and puts its machine code in CompilationCacheDir.
func once(id string, build func() (string, error)) (string, error) {
	mu.Lock()
	r, ok := builds[id]
	if !ok {
		r = &result{done: make(chan struct{})}
		builds[id] = r
	}
	mu.Unlock()
	if ok {
		<-r.done
		return r.path, r.err
	}
	r.path, r.err = build()
	if r.err == nil {
		if err := Precompile(r.path); err != nil {
			// Only a saving is lost: the engine that loads the guest
			// compiles it, and reports what stops it.
			fmt.Fprintf(os.Stderr, "wasmbuild: %v; the guest is compiled where it is loaded, slower\n", err)
		}
	}
	close(r.done)
	return r.path, r.err
}

func build(abs string, m mode) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	key, err := buildKey(abs, m)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, filepath.Base(abs)+"-"+m.name+"-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	// The go command refuses to overwrite a file it did not write, so the
	// build goes to a folder of its own, next to the cache entry so that
	// the rename cannot cross file systems.
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "guest.wasm")
	args := append(append([]string{"build", "-trimpath"}, m.flags...), "-o", built, ".")
	if b, err := goCommand(abs, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, b)
	}
	if err := syncFile(built); err != nil {
		return "", err
	}
	if err := os.Rename(built, out); err != nil {
		return "", err
	}
	return out, nil
}

// goCommand is the go command on PATH (the one running the tests: go test
// puts its own first; or the Makefile's) aimed at wasip1 in dir.
func goCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	return cmd
}

// listed is what buildKey reads of `go list -deps -json`.
type listed struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version, GoMod string
		Main                 bool
		Replace              *struct{ Path, Version string }
	}
	GoFiles, SFiles, HFiles, EmbedFiles, SysoFiles []string
	Error                                          *struct{ Err string }
}

// buildKey returns the hex key of the package in dir, as built for
// wasip1. The standard library is covered by the toolchain's version and
// location, a dependency from the module cache by its version (go.sum
// pins its contents), and everything else by the bytes of its files.
func buildKey(dir string, m mode) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, keyVersion, m.name, m.flags)
	out, err := goCommand(dir, "env", "-json", "GOVERSION", "GOROOT", "GOFLAGS", "GOEXPERIMENT", "GOWASM", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", commandError(err))
	}
	var env map[string]string
	if err := json.Unmarshal(out, &env); err != nil {
		return "", fmt.Errorf("reading go env: %w", err)
	}
	for _, k := range []string{"GOVERSION", "GOROOT", "GOFLAGS", "GOEXPERIMENT", "GOWASM", "GOWORK"} {
		fmt.Fprintf(h, "%s=%s\n", k, env[k])
	}
	if work := env["GOWORK"]; work != "" && work != "off" {
		if err := hashFile(h, "go.work", work); err != nil {
			return "", err
		}
	}
	list, err := goCommand(dir, "list", "-deps",
		"-json=ImportPath,Dir,Standard,Module,GoFiles,SFiles,HFiles,EmbedFiles,SysoFiles,Error", ".").Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w", commandError(err))
	}
	modFiles := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(list))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("reading go list: %w", err)
		}
		if p.Error != nil {
			return "", fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		fmt.Fprintln(h, "package", p.ImportPath)
		m := p.Module
		switch {
		case p.Standard:
			continue
		case m == nil:
			return "", fmt.Errorf("package %s belongs to no module", p.ImportPath)
		case !m.Main && m.Replace == nil:
			fmt.Fprintln(h, "module", m.Path, m.Version)
			continue
		case !m.Main && m.Replace.Version != "":
			fmt.Fprintln(h, "module", m.Path, m.Version, "=>", m.Replace.Path, m.Replace.Version)
			continue
		}
		// The main module, or a replacement by a local folder: its
		// sources are whatever the folder holds now.
		if m.GoMod != "" && !modFiles[m.GoMod] {
			modFiles[m.GoMod] = true
			if err := hashFile(h, "go.mod", m.GoMod); err != nil {
				return "", err
			}
			if err := hashFile(h, "go.sum", filepath.Join(filepath.Dir(m.GoMod), "go.sum")); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
		var files []string
		for _, fs := range [][]string{p.GoFiles, p.SFiles, p.HFiles, p.EmbedFiles, p.SysoFiles} {
			files = append(files, fs...)
		}
		sort.Strings(files)
		for _, f := range files {
			if err := hashFile(h, f, filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile writes a file's name and contents to h.
func hashFile(h io.Writer, name, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "file %s %d\n", name, len(b))
	_, err = h.Write(b)
	return err
}

// commandError adds what a failed command said to its error.
func commandError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w\n%s", err, ee.Stderr)
	}
	return err
}

// syncFile flushes a file to disk, so that a crash after the rename
// cannot leave a cache entry with the right name and missing bytes.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
