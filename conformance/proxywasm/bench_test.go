package proxywasm

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/cpumeter"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// BenchmarkHeaders serves one request through a chain of the SDK's
// headers example (package plugins' "headers" filter, Proxy-Wasm) and,
// in the same process, through its Gojinn-ABI equivalent
// (testdata/gojinnheaders): pipeline's middleware around a handler that
// sets two response headers and writes a short body, as in
// docs/BENCHMARKS.md. Loop over -count 1 for interleaved runs.
func BenchmarkHeaders(b *testing.B) {
	config, _ := json.Marshal(plugins.Config{Plugin: "headers", Header: "x-wasm-header", Value: "x-value"})
	gojinnConfig, _ := json.Marshal(map[string]string{"header": "X-Wasm-Header", "value": "x-value"})
	for _, g := range []struct {
		name   string
		dir    string
		config []byte
	}{
		{"proxy-wasm", "testdata/sdkguest", config},
		{"gojinn", "testdata/gojinnheaders", gojinnConfig},
	} {
		b.Run(g.name, func(b *testing.B) {
			chain := filtertest.Chain(b, pipeline.Options{Name: "bench"},
				filters.Config{Name: "headers", Wasm: filtertest.Build(b, g.dir), GuestConfig: g.config, PoolMin: 1})
			h := chain.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("X-Upstream-Secret", "s3cr3t")
				_, _ = io.WriteString(w, "hello")
			}))
			req := httptest.NewRequest(http.MethodGet, "/hello", nil)
			// Once, checked: both filters did their work.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.Clone(req.Context()))
			if rec.Header().Get("X-Proxy-Wasm-Go-Sdk-Example") != "http_headers" || rec.Header().Get("X-Upstream-Secret") != "" ||
				rec.Header().Get("X-Wasm-Header") != "x-value" {
				b.Fatalf("%s: response headers %v", g.name, rec.Header())
			}
			w := &filtertest.Discard{H: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpumeter.Start()
			for b.Loop() {
				r := req.Clone(req.Context())
				r.Header = http.Header{"X-Echo": {"hi"}, "X-Remove-Me": {"1"}, "User-Agent": {"bench"}}
				clear(w.H)
				h.ServeHTTP(w, r)
			}
			cpu.Report(b)
		})
	}
}
