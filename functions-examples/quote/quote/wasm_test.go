//go:build !wasip1

// The tests in this file build the function in its two forms and serve
// it with Gojinn's function handler (package functions): the function as
// it is deployed, minus Caddy.
package quote_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/functions"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

var forms = []struct {
	name  string
	dir   string
	build func(pkgDir string) (string, error)
}{
	{"command", "../command", wasmbuild.GoCommand},
	{"reactor", "../reactor", wasmbuild.Go},
}

func load(t testing.TB, dir string, build func(pkgDir string) (string, error)) *functions.Handler {
	t.Helper()
	path, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := filters.NewEngine(filters.EngineConfig{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	h, err := functions.Load(context.Background(), eng, functions.Config{
		Path: path, Args: []string{"--currency", "USD"}, Env: []string{"TAX_RATE_PERCENT=10"}, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close(context.Background())
		_ = eng.Close(context.Background())
	})
	return h
}

const order = `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}, {"sku": "cup", "price_cents": 1299, "qty": 1}]}`

func TestWasmFunction(t *testing.T) {
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			h := load(t, form.dir, form.build)
			r := httptest.NewRequest(http.MethodPost, "/api/v2/quote", strings.NewReader(order))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			want := `{"currency":"USD","subtotal_cents":2199,"tax_cents":220,"total_cents":2419,"items":2}`
			if w.Code != 200 || w.Body.String() != want || w.Header().Get("X-Served-By") != "quote v2" {
				t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v2/quote", nil))
			if w.Code != 405 || w.Header().Get("Allow") != "POST" {
				t.Fatalf("a GET: %d %v", w.Code, w.Header())
			}
		})
	}
}

// BenchmarkWasmFunction is one quote through the function handler, in
// each form.
func BenchmarkWasmFunction(b *testing.B) {
	for _, form := range forms {
		b.Run(form.name, func(b *testing.B) {
			h := load(b, form.dir, form.build)
			body := strings.NewReader(order)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(order)
				r := httptest.NewRequest(http.MethodPost, "/api/v2/quote", body)
				clear(w.h)
				if err := h.Serve(w, r); err != nil || w.status != 200 {
					b.Fatalf("%d %v", w.status, err)
				}
			}
		})
	}
}

type discard struct {
	h      http.Header
	status int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(p []byte) (int, error) { return len(p), nil }
func (w *discard) WriteHeader(status int)      { w.status = status }
