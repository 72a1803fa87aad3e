//go:build linux

package e2e

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/cpumeter"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// The report of issue 16: compiling a pattern set at configure doubled
// the WAF's per-call cost, with no scan. testdata/setcost is the WAF's
// engine with and without a one-word set compiled at configure, in one
// module.

// setcostFilters loads the guest once without the set and once with it.
func setcostFilters(tb testing.TB) (without, with *filters.Filter) {
	wasm := filtertest.Build(tb, "testdata/setcost")
	load := func(config string) *filters.Filter {
		return filtertest.Load(tb, filters.Config{Name: "setcost", Wasm: wasm, GuestConfig: []byte(config), PoolMin: 1})
	}
	return load(""), load("patterns")
}

// TestPatternSetKeepsTheSnapshot: a filter whose configure compiles a
// pattern set is restored from its snapshot like one whose configure
// does not, and its instances are kept by the pool between calls (none
// is made per call).
func TestPatternSetKeepsTheSnapshot(t *testing.T) {
	t.Parallel()
	without, with := setcostFilters(t)
	for name, f := range map[string]*filters.Filter{"without the set": without, "with the set": with} {
		c := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
		const calls = 50
		for range calls {
			if err := c.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil),
				func(http.ResponseWriter, *http.Request) error { return nil }, nil); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		s := f.Stats()
		if s.SnapshotBytes == 0 {
			t.Errorf("%s: no snapshot", name)
		}
		// The configure that made the snapshot is the one fresh instance;
		// one restored instance serves every sequential call.
		if s.Fresh != 1 || s.Restored != 1 {
			t.Errorf("%s: %d fresh and %d restored instances for %d calls, want 1 and 1", name, s.Fresh, s.Restored, calls)
		}
	}
}

// BenchmarkPatternSetAtConfigure serves the same request through both
// filters in turn, each call's thread CPU time counted to its filter:
// the two share every moment of the machine's load, so a difference is
// the set's, not the neighbours'.
func BenchmarkPatternSetAtConfigure(b *testing.B) {
	without, with := setcostFilters(b)
	chains := []*pipeline.Chain{
		pipeline.New([]pipeline.Stage{{Filter: without}}, pipeline.Options{}),
		pipeline.New([]pipeline.Stage{{Filter: with}}, pipeline.Options{}),
	}
	req := httptest.NewRequest("GET", "/", nil)
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := httptest.NewRecorder()
	runtime.GC()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu [2]int64
	for b.Loop() {
		for i, c := range chains {
			start := cpumeter.Thread()
			if err := c.Serve(w, req, next, nil); err != nil {
				b.Fatal(err)
			}
			cpu[i] += cpumeter.Thread() - start
		}
	}
	b.ReportMetric(float64(cpu[0])/float64(b.N), "without-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/float64(b.N), "with-cpu-ns/op")
}
