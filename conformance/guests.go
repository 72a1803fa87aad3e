package conformance

import (
	"os"
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
// C, Rust and C++, or finds them built from the same sources in the cache
// of built guests (internal/wasmbuild) that test binaries share.
func BuildGuests() ([]Guest, error) {
	src := filepath.Join(SourceDir(), "testdata")
	goWasm, err := BuildGo(filepath.Join(src, "goguest"))
	if err != nil {
		return nil, err
	}
	cWasm, err := readBuilt(wasmbuild.C(filepath.Join(src, "cguest", "runner.c")))
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
