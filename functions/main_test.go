package functions

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The test function (testdata/probe) in its two forms, each built once per
// test binary (and once per machine for the same sources: wasmbuild keeps
// builds): the command with a plain go build and nothing of Gojinn in it,
// the reactor with the Go SDK.
var (
	buildCommand = sync.OnceValues(func() ([]byte, error) { return readBuilt(wasmbuild.GoCommand("testdata/probe/command")) })
	buildReactor = sync.OnceValues(func() ([]byte, error) { return readBuilt(wasmbuild.Go("testdata/probe/reactor")) })
)

func readBuilt(path string, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func commandWasm(t testing.TB) []byte { return must(t, buildCommand) }
func reactorWasm(t testing.TB) []byte { return must(t, buildReactor) }

func must(t testing.TB, build func() ([]byte, error)) []byte {
	t.Helper()
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newEngine returns an engine closed when the test ends, whose compiled
// code is kept in the folder every test binary of the machine shares.
func newEngine(t testing.TB) *filters.Engine {
	t.Helper()
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	e, err := filters.NewEngine(filters.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// forms are the probe's two builds, for tests that hold for both.
var forms = []struct {
	kind filters.FunctionKind
	wasm func(testing.TB) []byte
}{
	{filters.Command, commandWasm},
	{filters.Reactor, reactorWasm},
}
