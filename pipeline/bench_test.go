package pipeline

import (
	"context"
	"net/http"
	"testing"

	"github.com/gojinn/gojinn/internal/cpumeter"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// The benchmarks measure the cost a filter adds to a request: the guest
// reads X-In and sets X-Out. The native middleware does the same in Go,
// for the ratio. X-Out is deleted between iterations so that each set is
// a real one, as on a fresh request.

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchRequest() *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://example.com/api/items?id=7", nil)
	r.RequestURI = "/api/items?id=7"
	r.Header.Set("X-In", "some-value-1234")
	r.Header.Set("User-Agent", "bench")
	return r
}

func loadReadset(b *testing.B, name string) *filters.Filter {
	return loadBench(b, name, guest(b, readsetGuest))
}

func loadBench(b *testing.B, name string, wasm []byte) *filters.Filter {
	b.Helper()
	f, err := engine(b).Load(context.Background(), filters.Config{Name: name, Wasm: wasm, PoolMin: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close(context.Background()) })
	return f
}

// BenchmarkFilterCall is one filter call: pool take, guest call with two
// host calls, pool return.
func BenchmarkFilterCall(b *testing.B) {
	f := loadReadset(b, "readset")
	r := benchRequest()
	ex := &Exchange{req: r, maxBody: hostabi.DefaultMaxBodyBytes}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		delete(r.Header, "X-Out")
		if _, err := f.Call(ctx, hostabi.PhaseRequest, ex); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
	if r.Header.Get("X-Out") != "some-value-1234" {
		b.Fatal("the filter did not set X-Out")
	}
}

// BenchmarkGoGuest is the SDK's cost: the readset logic written with the
// SDK (sdk) and on the raw imports (raw), as FilterCall measures a call.
// For a ratio from one interleaved run, run it in a loop with -count 1
// (-count repeats each sub-benchmark before the next):
//
//	go test -c -o /tmp/pipeline.test ./pipeline
//	for i in $(seq 8); do (cd pipeline && /tmp/pipeline.test -test.run '^$' -test.bench GoGuest); done
func BenchmarkGoGuest(b *testing.B) {
	for _, g := range []struct{ name, dir string }{
		{"sdk", readsetGuest},
		{"raw", readsetRawGuest},
	} {
		b.Run(g.name, func(b *testing.B) {
			f := loadBench(b, g.name, guest(b, g.dir))
			r := benchRequest()
			ex := &Exchange{req: r, maxBody: hostabi.DefaultMaxBodyBytes}
			ctx := context.Background()
			b.ReportAllocs()
			cpu := cpumeter.Start()
			for b.Loop() {
				delete(r.Header, "X-Out")
				if _, err := f.Call(ctx, hostabi.PhaseRequest, ex); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report(b)
			if r.Header.Get("X-Out") != "some-value-1234" {
				b.Fatal("the filter did not set X-Out")
			}
		})
	}
}

// BenchmarkFilterCallNoop is the floor under every filter: a Go guest
// that returns at once, so pool, time limit and the wasm call itself.
func BenchmarkFilterCallNoop(b *testing.B) {
	f := loadBench(b, "noop", guest(b, noopGuest))
	ex := &Exchange{req: benchRequest(), maxBody: hostabi.DefaultMaxBodyBytes}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		if _, err := f.Call(ctx, hostabi.PhaseRequest, ex); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

func benchChain(b *testing.B, n int) {
	stages := make([]Stage, n)
	for i := range stages {
		stages[i] = Stage{Filter: loadReadset(b, "readset")}
	}
	c := New(stages, Options{})
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		delete(r.Header, "X-Out")
		if err := c.Serve(w, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
	if r.Header.Get("X-Out") != "some-value-1234" {
		b.Fatal("the chain did not set X-Out")
	}
}

func BenchmarkChain1(b *testing.B) { benchChain(b, 1) }
func BenchmarkChain5(b *testing.B) { benchChain(b, 5) }

// nativeReadSet is the same logic as the readset guest, in Go.
func nativeReadSet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("X-In"); v != "" {
			r.Header.Set("X-Out", v)
		}
		next.ServeHTTP(w, r)
	})
}

func benchNative(b *testing.B, n int) {
	var h http.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for range n {
		h = nativeReadSet(h)
	}
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		delete(r.Header, "X-Out")
		h.ServeHTTP(w, r)
	}
	cpu.Report(b)
}

func BenchmarkNative1(b *testing.B) { benchNative(b, 1) }
func BenchmarkNative5(b *testing.B) { benchNative(b, 5) }

// benchResponse serves a 16 KiB JSON-like body through one response hook.
func benchResponse(b *testing.B, wasm []byte) {
	c := New([]Stage{{Filter: loadBench(b, "hook", wasm)}}, Options{})
	body := make([]byte, 16<<10)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	next := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(body)
		return err
	}
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	cpu := cpumeter.Start()
	for b.Loop() {
		clear(w.h)
		if err := c.Serve(w, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}

// BenchmarkResponseHeaderHook: a hook that sets one header; the body
// streams through.
func BenchmarkResponseHeaderHook(b *testing.B) { benchResponse(b, guest(b, resphdrGuest)) }

// BenchmarkResponseBodyHook: a hook that reads and rewrites a 16 KiB body.
func BenchmarkResponseBodyHook(b *testing.B) { benchResponse(b, guest(b, respbodyGuest)) }
