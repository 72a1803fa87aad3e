package functions

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The test function (testdata/probe) in its two forms, built in TestMain:
// the command with a plain go build and nothing of Gojinn in it, the
// reactor with the Go SDK.
var commandWasm, reactorWasm []byte

// cacheDir holds compiled code shared by the tests' engines.
var cacheDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gojinn-functions-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cacheDir = dir
	for _, g := range []struct {
		build func(pkgDir, outDir string) (string, error)
		dir   string
		dst   *[]byte
	}{
		{wasmbuild.GoCommand, "testdata/probe/command", &commandWasm},
		{wasmbuild.Go, "testdata/probe/reactor", &reactorWasm},
	} {
		path, err := g.build(g.dir, dir)
		if err == nil {
			*g.dst, err = os.ReadFile(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

func newEngine(t testing.TB) *filters.Engine {
	t.Helper()
	e, err := filters.NewEngine(filters.EngineConfig{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// forms are the probe's two builds, for tests that hold for both.
var forms = []struct {
	kind filters.FunctionKind
	wasm *[]byte
}{
	{filters.Command, &commandWasm},
	{filters.Reactor, &reactorWasm},
}
