package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// toolchain is how a kind of source folder is built: the builders of
// internal/wasmbuild, which hold the flags each language needs (the
// Makefile's).
type toolchain struct {
	name  string
	build func(dir string) (string, error)
}

// pickToolchain tells by what dir holds which toolchain builds it:
// Cargo.toml is a Rust crate, go.mod or Go files a Go package, one C++
// file (in dir or its src folder) a C++ filter. Test files are no Go
// package: the Rust and C++ examples have Go tests beside their sources.
func pickToolchain(dir string) (toolchain, error) {
	if exists(filepath.Join(dir, "Cargo.toml")) {
		return toolchain{"rust", wasmbuild.Rust}, nil
	}
	if exists(filepath.Join(dir, "go.mod")) || hasGoSource(dir) {
		return toolchain{"go", wasmbuild.Go}, nil
	}
	cpp := append(glob(dir, "*.cpp"), glob(filepath.Join(dir, "src"), "*.cpp")...)
	switch {
	case len(cpp) == 1:
		return toolchain{"c++", func(string) (string, error) { return wasmbuild.CXX(cpp[0]) }}, nil
	case len(cpp) > 1:
		return toolchain{}, fmt.Errorf("%s: %d C++ files (%s, ...): the C++ build takes one", dir, len(cpp), cpp[0])
	case len(glob(dir, "*.c")) > 0 || len(glob(filepath.Join(dir, "src"), "*.c")) > 0:
		return toolchain{}, fmt.Errorf("%s: C sources: gojinn build has no C toolchain yet; build with clang as the README's \"Writing a filter in C\" shows", dir)
	}
	return toolchain{}, fmt.Errorf("%s: no Cargo.toml, go.mod, Go file or C++ file: nothing gojinn build knows how to build", dir)
}

func hasGoSource(dir string) bool {
	for _, f := range glob(dir, "*.go") {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func glob(dir, pattern string) []string {
	// The only error is a malformed pattern, and these are constants.
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}

// build builds the filter in a folder and checks the module as inspect
// does.
func build(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "the module file to write (default: the folder's name with .wasm, in the current folder)")
	config := fs.String("config", "", "the guest's config for the check: a file, or JSON written out (starts with { or [)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn build [-o module.wasm] [--config file|json] [dir]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	guestCfg, err := guestConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "gojinn build: %v\n", err)
		return exitUsage
	}
	ok, err := buildAndCheck(dir, *out, guestCfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "gojinn build: %v\n", err)
		return exitFailure
	}
	if !ok {
		return exitFailure
	}
	return exitOK
}

func buildAndCheck(dir, out string, guestCfg []byte, w io.Writer) (bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return false, err
	} else if !fi.IsDir() {
		return false, fmt.Errorf("%s: not a folder", dir)
	}
	tc, err := pickToolchain(abs)
	if err != nil {
		return false, err
	}
	if out == "" {
		out = filepath.Base(abs) + ".wasm"
	}
	built, err := tc.build(abs)
	if err != nil {
		return false, err
	}
	if err := copyFile(built, out); err != nil {
		return false, err
	}
	fmt.Fprintf(w, "built %s (%s)\n", out, tc.name)
	return inspectModule(context.Background(), out, guestCfg, w)
}

// copyFile copies the built module out of the build cache, which must
// not be modified, to its place.
func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, dst.Close()) }()
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("writing %s: %w", to, err)
	}
	return nil
}
