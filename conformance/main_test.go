package conformance

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/filters"
)

// Built once for every test of the package.
var (
	guests []Guest
	engine *filters.Engine
	// buildErr is why the guests could not be built; the tests that need
	// them fail with it rather than skip.
	buildErr error
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gojinn-conformance")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	guests, buildErr = BuildGuests(dir)
	if engine, err = filters.NewEngine(filters.EngineConfig{CacheDir: dir}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer engine.Close(context.Background())
	return m.Run()
}

func needGuests(t *testing.T) {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func gojinnHost() *Gojinn { return &Gojinn{Engine: engine} }
