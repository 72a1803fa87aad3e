package httpwasm

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/internal/cpumeter"

	httpwasmhandler "github.com/http-wasm/http-wasm-host-go/handler"
	wasm "github.com/http-wasm/http-wasm-host-go/handler/nethttp"
	"github.com/tetratelabs/wazero"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// The benchmarks run guests of the same logic, in the same language, on
// both hosts, each as net/http middleware in front of a handler that does
// nothing: Gojinn's pipeline.Chain.Middleware against http-wasm-host-go's
// handler (nested, one per filter, for a chain). The logic is no-op (pass
// the request on) or readset (read X-In, set X-Out to its first value,
// which is deleted between iterations so that each set is a new header).
//
// Each sub-benchmark runs the Gojinn and the http-wasm guest of one kind
// in turn; for ratios from one interleaved run, loop over -count 1 (see
// docs/BENCHMARKS.md).

// guest is how one guest is built for each host.
type guest struct {
	name     string
	gojinn   func(testing.TB) []byte
	httpwasm func(testing.TB) []byte
}

func wat(path string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		tb.Helper()
		out := filepath.Join(tb.TempDir(), filepath.Base(path)+".wasm")
		if b, err := exec.Command("wat2wasm", path, "-o", out).CombinedOutput(); err != nil {
			tb.Fatalf("wat2wasm %s (wabt): %v\n%s", path, err, b)
		}
		return readFile(tb, out)
	}
}

// c builds a C file with clang and wasi-libc (wasmbuild.C).
func c(path string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		tb.Helper()
		built, err := wasmbuild.C(path)
		if err != nil {
			tb.Fatal(err)
		}
		return readFile(tb, built)
	}
}

func goGuest(dir string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		tb.Helper()
		path, err := wasmbuild.Go(dir)
		if err != nil {
			tb.Fatal(err)
		}
		return readFile(tb, path)
	}
}

// rustGuest builds a crate with Debian's rustc (wasmbuild.Rust).
func rustGuest(dir string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		tb.Helper()
		path, err := wasmbuild.Rust(dir)
		if err != nil {
			tb.Fatal(err)
		}
		return readFile(tb, path)
	}
}

// cxxGuest builds a C++ file with clang++ and libc++ (wasmbuild.CXX).
func cxxGuest(file string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		tb.Helper()
		path, err := wasmbuild.CXX(file)
		if err != nil {
			tb.Fatal(err)
		}
		return readFile(tb, path)
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const mainModule = "../.."

var noopGuests = []guest{
	{"wat", wat("testdata/gojinn/noop.wat"), wat("testdata/httpwasm/noop.wat")},
	{"c", c("testdata/gojinn/noop.c"), c("testdata/httpwasm/noop.c")},
	{"go", goGuest("testdata/gojinn/noopgo"), goGuest("testdata/httpwasm/noopgo")},
}

var readsetGuests = []guest{
	{"wat", wat("testdata/gojinn/readset.wat"), wat("testdata/httpwasm/readset.wat")},
	{"c", c("testdata/gojinn/readset.c"), c("testdata/httpwasm/readset.c")},
	// The bare Go guests, on raw imports: the same code for both ABIs.
	{"go", goGuest(mainModule + "/pipeline/testdata/readsetraw"), goGuest("testdata/httpwasm/readsetgo")},
	// Gojinn's SDK against the same bare guest on http-wasm: what a
	// filter written the usual way costs against the other host's floor.
	{"gosdk", goGuest(mainModule + "/pipeline/testdata/readset"), goGuest("testdata/httpwasm/readsetgo")},
	// Gojinn's Rust SDK and C++ layer (hostabi/rust, hostabi/gojinn.hpp),
	// the header read into the filter's own buffer. They run on Gojinn
	// only: the http-wasm side has no guest in those languages here.
	{"rustsdk", rustGuest("testdata/gojinn/readsetrust"), nil},
	{"cxxsdk", cxxGuest("testdata/gojinn/readset.cpp"), nil},
}

var sharedEngine = sync.OnceValues(func() (*filters.Engine, error) {
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		return nil, err
	}
	return filters.NewEngine(filters.EngineConfig{CacheDir: dir})
})

// gojinnChain is n filters of wasmBytes as one Gojinn chain around next.
func gojinnChain(tb testing.TB, wasmBytes []byte, n int, next http.Handler) http.Handler {
	tb.Helper()
	e, err := sharedEngine()
	if err != nil {
		tb.Fatal(err)
	}
	stages := make([]pipeline.Stage, n)
	for i := range stages {
		f, err := e.Load(context.Background(), filters.Config{Name: "bench", Wasm: wasmBytes, PoolMin: 1})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { f.Close(context.Background()) })
		stages[i] = pipeline.Stage{Filter: f}
	}
	return pipeline.New(stages, pipeline.Options{}).Middleware(next)
}

// httpwasmChain is n http-wasm handlers of wasmBytes, nested, around next.
func httpwasmChain(tb testing.TB, wasmBytes []byte, n int, next http.Handler) http.Handler {
	tb.Helper()
	ctx := context.Background()
	h := next
	for range n {
		// Go and C reactors initialise in _initialize, which wazero does
		// not run unless asked; the wat guests have none.
		mw, err := wasm.NewMiddleware(ctx, wasmBytes, httpwasmhandler.ModuleConfig(
			wazero.NewModuleConfig().WithStartFunctions("_initialize")))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { mw.Close(ctx) })
		h = mw.NewHandler(ctx, h)
	}
	return h
}

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

// serve runs h over one request per iteration; wantOut is the X-Out the
// guests must have set ("" for the no-op).
func serve(b *testing.B, h http.Handler, wantOut string) {
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu := cpumeter.Start()
	for b.Loop() {
		delete(r.Header, "X-Out")
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	cpu.Report(b)
	if got := r.Header.Get("X-Out"); got != wantOut {
		b.Fatalf("X-Out = %q, want %q", got, wantOut)
	}
}

var nothing = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func benchHosts(b *testing.B, guests []guest, n int, wantOut string) {
	for _, g := range guests {
		b.Run(g.name, func(b *testing.B) {
			b.Run("gojinn", func(b *testing.B) { serve(b, gojinnChain(b, g.gojinn(b), n, nothing), wantOut) })
			if g.httpwasm != nil {
				// The http-wasm guest itself, unchanged, on Gojinn (its
				// http-wasm dialect) and on the reference host: the same
				// bytes on both.
				b.Run("gojinn-httpwasm", func(b *testing.B) { serve(b, gojinnChain(b, g.httpwasm(b), n, nothing), wantOut) })
				b.Run("httpwasm", func(b *testing.B) { serve(b, httpwasmChain(b, g.httpwasm(b), n, nothing), wantOut) })
			}
		})
	}
}

// BenchmarkNoop is one no-op filter on each host.
func BenchmarkNoop(b *testing.B) { benchHosts(b, noopGuests, 1, "") }

// BenchmarkReadSet is one filter that reads a header and sets another.
func BenchmarkReadSet(b *testing.B) { benchHosts(b, readsetGuests, 1, "some-value-1234") }

// BenchmarkChain5 is five read+set filters in a row.
func BenchmarkChain5(b *testing.B) { benchHosts(b, readsetGuests, 5, "some-value-1234") }
