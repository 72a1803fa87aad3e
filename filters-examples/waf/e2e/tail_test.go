//go:build linux

package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/internal/cpumeter"
)

// BenchmarkChainTail is BenchmarkChain's calls to the Go build one at a time, reporting
// the distribution of each call's wall time and of its thread's CPU time
// (the goroutine locked to its thread): a call slow in wall time but not
// in CPU time waited for a core; one slow in CPU time did more work
// (the guest's collector, page faults). It places a latency tail seen
// through Caddy (docs/BENCHMARKS.md, "Tail latency through Caddy").
func BenchmarkChainTail(b *testing.B) {
	c := chain(b, builds[0], "", 0)
	runtime.GC()
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	for name, r := range map[string]*detect.Request{"GET": benchreq.GET(), "JSONPOST4K": benchreq.JSONPOST4K(), "ReviewPOST4K": benchreq.ReviewPOST4K()} {
		b.Run(name, func(b *testing.B) {
			w := httptest.NewRecorder()
			req := httpRequest(r)
			body := bytes.NewReader(r.Body)
			walls := make([]time.Duration, 0, 1<<16)
			cpus := make([]time.Duration, 0, 1<<16)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for b.Loop() {
				body.Reset(r.Body)
				req.Body, req.ContentLength = io.NopCloser(body), int64(len(r.Body))
				start, cpu := time.Now(), cpumeter.Thread()
				if err := c.Serve(w, req, next, nil); err != nil {
					b.Fatal(err)
				}
				cpus, walls = append(cpus, time.Duration(cpumeter.Thread()-cpu)), append(walls, time.Since(start))
			}
			for _, d := range []struct {
				unit string
				v    []time.Duration
			}{{"wall", walls}, {"cpu", cpus}} {
				slices.Sort(d.v)
				for _, p := range []struct {
					name string
					q    float64
				}{{"p50", 0.5}, {"p99", 0.99}, {"p99.9", 0.999}} {
					b.ReportMetric(float64(d.v[int(p.q*float64(len(d.v)-1))].Microseconds()), d.unit+"-"+p.name+"-us")
				}
			}
		})
	}
}
