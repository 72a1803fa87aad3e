//go:build !wasip1

// The tests in this file build secheaders.wasm and run it in Gojinn's engine
// (filters, pipeline): the filter as it is deployed, minus Caddy.
package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// chain loads the filter with config into a one-stage chain.
func chain(t testing.TB, config string) *pipeline.Chain {
	t.Helper()
	return filtertest.Chain(t, pipeline.Options{},
		filters.Config{Name: "secheaders", Wasm: filtertest.Build(t, "."), GuestConfig: []byte(config), PoolMin: 1})
}

func TestWasmFilter(t *testing.T) {
	t.Parallel()
	c := chain(t, `{"override": false, "remove": ["Server", "X-Powered-By", "X-AspNet-Version"]}`)
	w := httptest.NewRecorder()
	next := func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h.Set("Server", "Caddy")
		h.Set("X-Powered-By", "PHP/8.3")
		h.Set("X-Frame-Options", "SAMEORIGIN") // the upstream's choice: kept
		h.Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		if _, err := w.Write([]byte("data: 1\n\n")); err != nil {
			return err
		}
		w.(http.Flusher).Flush()
		// Header-only hook: the event left before the handler finished.
		if rec := w.(interface{ Unwrap() http.ResponseWriter }).Unwrap().(*httptest.ResponseRecorder); !rec.Flushed || rec.Body.Len() == 0 {
			t.Error("the response was held back: a header-only hook must let it stream")
		}
		_, err := w.Write([]byte("data: 2\n\n"))
		return err
	}
	if err := c.Serve(w, httptest.NewRequest("GET", "/", nil), next, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Content-Security-Policy":   "default-src 'self'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "SAMEORIGIN",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"Permissions-Policy":        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
		"Server":                    "",
		"X-Powered-By":              "",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if w.Body.String() != "data: 1\n\ndata: 2\n\n" {
		t.Errorf("body %q", w.Body.String())
	}
}

func TestWasmBadConfig(t *testing.T) {
	t.Parallel()
	f, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
		Name: "secheaders", Wasm: filtertest.Build(t, "."), GuestConfig: []byte(`{"hst": "max-age=1"}`),
		Timeout: filtertest.PatientTimeout,
	})
	if err == nil {
		f.Close(context.Background())
		t.Fatal("a config with an unknown member loaded")
	}
	if !strings.Contains(err.Error(), "hst") {
		t.Fatalf("load error %q does not name the unknown member", err)
	}
}

// BenchmarkWasm is one response through the chain with the header hook.
func BenchmarkWasm(b *testing.B) {
	c := chain(b, "")
	r := httptest.NewRequest("GET", "/", nil)
	next := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Server", "Caddy")
		w.WriteHeader(200)
		return nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Serve(&filtertest.Discard{H: http.Header{}}, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
}
