// Package filtertest is what a test needs to run a filter as it is
// deployed, minus Caddy: the .wasm built from source (cached across test
// binaries by wasmbuild), an engine whose compiled code is cached on disk
// for every test binary of the machine, and a chain around the filter.
//
// The filters and pipeline packages cannot import it (it imports them);
// their tests use wasmbuild directly.
package filtertest

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// PatientTimeout is the time limit Load gives a filter whose test sets
// none: a test that is not about time must not meet the limit, however
// loaded the machine, and a Go guest's start-up runs under ten times the
// call limit. A test about time-outs sets its own, short, limit on a
// guest that can do nothing but loop.
const PatientTimeout = time.Minute

var (
	mu    sync.Mutex
	wasms = map[string][]byte{}
)

// Path builds the Go filter in pkgDir (relative to the test's package)
// and returns the path of its .wasm, for hosts that load files. The file
// is shared: do not modify it.
func Path(t testing.TB, pkgDir string) string {
	t.Helper()
	path, err := wasmbuild.Go(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// CommandPath builds the Go program in pkgDir as a WASI command (a plain
// go build: what a function's author makes) and returns its path. The
// file is shared: do not modify it.
func CommandPath(t testing.TB, pkgDir string) string {
	t.Helper()
	path, err := wasmbuild.GoCommand(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Build builds the Go filter in pkgDir (relative to the test's package)
// and returns its bytes, read once per test binary. Do not modify them.
func Build(t testing.TB, pkgDir string) []byte {
	t.Helper()
	return read(t, Path(t, pkgDir))
}

// BuildCommand is Build for a WASI command (see CommandPath).
func BuildCommand(t testing.TB, pkgDir string) []byte {
	t.Helper()
	return read(t, CommandPath(t, pkgDir))
}

// BuildRust builds the Rust crate in crateDir (its Cargo.toml's folder,
// relative to the test's package; see wasmbuild.Rust) and returns its
// module's bytes, read once per test binary. Do not modify them.
func BuildRust(t testing.TB, crateDir string) []byte {
	t.Helper()
	path, err := wasmbuild.Rust(crateDir)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, path)
}

// read returns the bytes of the built module at path, read once per test
// binary.
func read(t testing.TB, path string) []byte {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := wasms[path]; ok {
		return b
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wasms[path] = b
	return b
}

var engine = sync.OnceValues(func() (*filters.Engine, error) {
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		return nil, err
	}
	return filters.NewEngine(filters.EngineConfig{CacheDir: dir})
})

// Engine returns the test binary's engine, whose compiled code is kept in
// wasmbuild.CompilationCacheDir. It lives as long as the process.
func Engine(t testing.TB) *filters.Engine {
	t.Helper()
	e, err := engine()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Load loads a filter on the test binary's engine, with PatientTimeout
// when cfg sets no Timeout, and closes it when the test ends.
func Load(t testing.TB, cfg filters.Config) *filters.Filter {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = PatientTimeout
	}
	f, err := Engine(t).Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

// Chain loads the filters, as Load does, into a chain of that order.
func Chain(t testing.TB, opts pipeline.Options, cfgs ...filters.Config) *pipeline.Chain {
	t.Helper()
	stages := make([]pipeline.Stage, len(cfgs))
	for i, cfg := range cfgs {
		stages[i] = pipeline.Stage{Filter: Load(t, cfg)}
	}
	return pipeline.New(stages, opts)
}

// Discard is an http.ResponseWriter that keeps the header map and drops
// the rest, so that a benchmark measures the filter, not a recorder.
type Discard struct{ H http.Header }

func (w *Discard) Header() http.Header         { return w.H }
func (w *Discard) Write(b []byte) (int, error) { return len(b), nil }
func (w *Discard) WriteHeader(int)             {}
