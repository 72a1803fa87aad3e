package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// toolchain is how a kind of source folder is built: one of the builders
// of internal/wasmbuild, which hold the flags each language needs (the
// Makefile's) and return a module in the cache of built guests.
type toolchain struct {
	name  string
	build func(dir string) (string, error)
}

// pickToolchain tells by what dir holds which toolchain builds it:
// Cargo.toml is a Rust crate, go.mod or Go files a Go package, one C++
// or C file (in dir or its src folder) a C++ or C module. Test files are
// no Go package: the Rust and C++ examples have Go tests beside their
// sources. Each language builds a filter or a function's module, as
// its sources tell (isReactorGo, isFilterSource; Cargo itself for Rust:
// a cdylib or a binary).
func pickToolchain(dir string) (toolchain, error) {
	if exists(filepath.Join(dir, "Cargo.toml")) {
		return toolchain{"rust", wasmbuild.Rust}, nil
	}
	if exists(filepath.Join(dir, "go.mod")) || hasGoSource(dir) {
		reactor, err := isReactorGo(dir)
		switch {
		case err != nil:
			return toolchain{}, err
		case reactor:
			return toolchain{"go", wasmbuild.Go}, nil
		}
		return toolchain{"go, a WASI command", wasmbuild.GoCommand}, nil
	}
	cpp := append(glob(dir, "*.cpp"), glob(filepath.Join(dir, "src"), "*.cpp")...)
	c := append(glob(dir, "*.c"), glob(filepath.Join(dir, "src"), "*.c")...)
	switch {
	case len(cpp) > 1:
		return toolchain{}, fmt.Errorf("%s: %d C++ files (%s, ...): the C++ build takes one", dir, len(cpp), cpp[0])
	case len(cpp) == 1 && len(c) > 0:
		return toolchain{}, fmt.Errorf("%s: both C++ (%s) and C (%s) sources: the build takes one file", dir, cpp[0], c[0])
	case len(cpp) == 1:
		filter, err := isFilterSource(cpp[0])
		switch {
		case err != nil:
			return toolchain{}, err
		case filter:
			return toolchain{"c++", func(string) (string, error) { return wasmbuild.CXX(cpp[0]) }}, nil
		}
		return toolchain{"c++, a WASI command", func(string) (string, error) { return wasmbuild.CXXCommand(cpp[0]) }}, nil
	case len(c) > 1:
		return toolchain{}, fmt.Errorf("%s: %d C files (%s, ...): the C build takes one", dir, len(c), c[0])
	case len(c) == 1:
		filter, err := isFilterSource(c[0])
		switch {
		case err != nil:
			return toolchain{}, err
		case filter:
			return toolchain{"c", func(string) (string, error) { return wasmbuild.C(c[0]) }}, nil
		}
		return toolchain{"c, a WASI command", func(string) (string, error) { return wasmbuild.CCommand(c[0]) }}, nil
	}
	return toolchain{}, fmt.Errorf("%s: no Cargo.toml, go.mod, Go, C++ or C file: nothing gojinn build knows how to build", dir)
}

// isReactorGo tells whether the Go package in dir is built as a reactor
// (-buildmode=c-shared: a filter, or a function of the Go SDK
// hostabi/function), which it is when it imports one of Gojinn's guest
// SDKs, exports functions itself (//go:wasmexport, as an http-wasm guest
// does), or has an empty main (a reactor's main never runs: an SDK of
// someone else's exports the functions); otherwise it is a WASI command,
// a function in the command form.
func isReactorGo(dir string) (bool, error) {
	for _, f := range glob(dir, "*.go") {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, src, parser.SkipObjectResolution)
		if err != nil {
			return false, err
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" && fn.Body != nil && len(fn.Body.List) == 0 {
				return true, nil
			}
		}
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, gojinnModule+"/hostabi/") {
				return true, nil
			}
		}
		if bytes.Contains(src, []byte("//go:wasmexport ")) {
			return true, nil
		}
	}
	return false, nil
}

// isFilterSource tells whether a C or C++ file is a filter's (a
// reactor): one that includes Gojinn's header. A file that does not is a
// function's, a WASI command whose main runs per request.
func isFilterSource(path string) (bool, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return bytes.Contains(src, []byte(`#include "gojinn.h`)), nil
}

// gojinnModule is this repository's module path.
const gojinnModule = "github.com/gojinn/gojinn"

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
