// Package filtertest is what a filter's own tests need to run it as it is
// deployed, minus Caddy: the .wasm built from source, once per test
// binary, and a writer that drops a response for benchmarks.
package filtertest

import (
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

var (
	mu     sync.Mutex
	wasms  = map[string][]byte{}
	errors = map[string]error{}
)

// Build builds the Go filter in pkgDir (relative to the test's package)
// and returns its bytes. Building takes seconds, so -short skips the test.
func Build(t testing.TB, pkgDir string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a wasm filter")
	}
	mu.Lock()
	defer mu.Unlock()
	if b, ok := wasms[pkgDir]; ok {
		return b
	}
	if err, ok := errors[pkgDir]; ok {
		t.Fatal(err)
	}
	path, err := wasmbuild.Go(pkgDir)
	var b []byte
	if err == nil {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		errors[pkgDir] = err
		t.Fatal(err)
	}
	wasms[pkgDir] = b
	return b
}

// Discard is an http.ResponseWriter that keeps the header map and drops
// the rest, so that a benchmark measures the filter, not a recorder.
type Discard struct{ H http.Header }

func (w *Discard) Header() http.Header         { return w.H }
func (w *Discard) Write(b []byte) (int, error) { return len(b), nil }
func (w *Discard) WriteHeader(int)             {}
