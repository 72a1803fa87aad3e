package conformance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// SourceDir is the directory of this package's sources, where the guests'
// sources are (testdata/goguest, cguest, rustguest, cxxguest).
func SourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// BuildGuests builds the case runners from source, one per language: Go,
// C, Rust and C++. The C one goes into outDir, the others into the cache
// of built guests (internal/wasmbuild) that test binaries share.
func BuildGuests(outDir string) ([]Guest, error) {
	src := filepath.Join(SourceDir(), "testdata")
	goWasm, err := BuildGo(filepath.Join(src, "goguest"))
	if err != nil {
		return nil, err
	}
	cWasm, err := BuildC(filepath.Join(src, "cguest", "runner.c"), outDir)
	if err != nil {
		return nil, err
	}
	rustWasm, err := readBuilt(wasmbuild.Rust(filepath.Join(src, "rustguest")))
	if err != nil {
		return nil, err
	}
	cxxWasm, err := readBuilt(wasmbuild.CXX(filepath.Join(src, "cxxguest", "runner.cpp")))
	if err != nil {
		return nil, err
	}
	return []Guest{{Name: "go", Wasm: goWasm}, {Name: "c", Wasm: cWasm}, {Name: "rust", Wasm: rustWasm},
		{Name: "c++", Wasm: cxxWasm}}, nil
}

// readBuilt reads a module wasmbuild built.
func readBuilt(path string, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// BuildGo builds a Go guest package with the standard toolchain, or finds
// it built from the same sources in the cache that test binaries share
// (os.UserCacheDir()/gojinn/test-guests, or $GOJINN_TEST_CACHE).
func BuildGo(pkgDir string) ([]byte, error) { return readBuilt(wasmbuild.Go(pkgDir)) }

// ErrNoClang is the error of BuildC when the C toolchain is missing.
var ErrNoClang = errors.New("clang for wasm32-wasi is not installed: run `make deps` " +
	"(it installs clang, lld, wasi-libc and libclang-rt-14-dev-wasm32)")

// BuildC builds a C guest as a WASI reactor with clang, including
// hostabi/gojinn.h.
func BuildC(file, outDir string) ([]byte, error) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		return nil, ErrNoClang
	}
	out := filepath.Join(outDir, filepath.Base(file)+".wasm")
	include := filepath.Join(SourceDir(), "..", "hostabi")
	cmd := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-mexec-model=reactor",
		"-Wall", "-Werror", "-Wl,--strip-debug", "-I", include, "-o", out, file)
	if b, err := cmd.CombinedOutput(); err != nil {
		// A clang without the wasm32 sysroot or runtime fails here, not
		// at LookPath: say what to install as well as what it said.
		return nil, fmt.Errorf("building %s: %w\n%s\n%w", file, err, b, ErrNoClang)
	}
	return os.ReadFile(out)
}
