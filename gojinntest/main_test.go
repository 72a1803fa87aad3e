package gojinntest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The modules the tests run, built from the repository's examples
// (internal/wasmbuild's cache) and copied, with the example's cases
// file, into the folder the tests run in, so that the examples read as a
// filter's own tests would: "hello.wasm", "cases.json".
var (
	helloWasm, quoteCommand, quoteReactor string
	cacheDir                              string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if cacheDir, err = wasmbuild.CompilationCacheDir(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "gojinntest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, g := range []struct {
		path  *string
		src   string
		build func(string) (string, error)
	}{
		{&helloWasm, "../filters-examples/hello", wasmbuild.Go},
		{&quoteCommand, "../functions-examples/quote/command", wasmbuild.GoCommand},
		{&quoteReactor, "../functions-examples/quote/reactor", wasmbuild.Go},
	} {
		built, err := g.build(g.src)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		b, err := os.ReadFile(built)
		if err == nil {
			*g.path = filepath.Join(dir, filepath.Base(g.src)+".wasm")
			err = os.WriteFile(*g.path, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cases.json"), []byte(exampleCases), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	wd, err := os.Getwd()
	if err == nil {
		err = os.Chdir(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.Chdir(wd)
	return m.Run()
}

const exampleCases = `{
  "config": {"greeting": "hi"},
  "cases": [
    {"name": "greets", "request": {"headers": {"X-Name": "ada"}},
     "expect": {"decision": "continue", "request_headers": {"X-Hello": "hi, ada"}}},
    {"name": "admin closed", "request": {"url": "http://localhost/admin"},
     "expect": {"decision": "answer", "status": 403}}
  ]
}`
