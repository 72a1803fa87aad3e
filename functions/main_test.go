package functions

import (
	"context"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The test function (testdata/probe) in its two forms: the command with a
// plain go build and nothing of Gojinn in it, the reactor with the Go SDK.
func commandWasm(t testing.TB) []byte { return filtertest.BuildCommand(t, "testdata/probe/command") }
func reactorWasm(t testing.TB) []byte { return filtertest.Build(t, "testdata/probe/reactor") }

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
