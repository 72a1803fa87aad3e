//go:build !wasip1

// The tests in this file build the Rust filter from source (Debian's
// rustc, offline: `make deps` installs it) and run it in Gojinn's engine,
// as it is deployed, minus Caddy.
package apikey_test

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

func build(t testing.TB) []byte {
	t.Helper()
	return filtertest.BuildRust(t, ".")
}

const config = "# the keys\nci=k-ci-123\n\n  ops = k-ops-456  \n"

func TestWasmFilter(t *testing.T) {
	t.Parallel()
	c := filtertest.Chain(t, pipeline.Options{},
		filters.Config{Name: "apikey", Wasm: build(t), GuestConfig: []byte(config), PoolMin: 1})
	for _, tc := range []struct {
		name   string
		key    []string // X-Api-Key values sent
		status int
		client string // the chain variable apikey.name
	}{
		{"first key", []string{"k-ci-123"}, 200, "ci"},
		{"second key, trimmed in the config", []string{"k-ops-456"}, 200, "ops"},
		{"no key", nil, 401, ""},
		{"wrong key", []string{"k-ci-124"}, 401, ""},
		{"a prefix of a key", []string{"k-ci"}, 401, ""},
		{"empty key", []string{""}, 401, ""},
		{"longer than the filter's buffer", []string{strings.Repeat("k", 300)}, 401, ""},
		{"only the first value counts", []string{"nope", "k-ci-123"}, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, k := range tc.key {
				r.Header.Add("X-Api-Key", k)
			}
			w := httptest.NewRecorder()
			reached := false
			next := func(w http.ResponseWriter, r *http.Request) error {
				reached = true
				if got := r.Header.Values("X-Api-Key"); len(got) != 0 {
					t.Errorf("the upstream saw the key: %q", got)
				}
				w.WriteHeader(200)
				return nil
			}
			client := ""
			visit := func(ex *pipeline.Exchange) { client, _ = ex.Var([]byte("apikey.name")) }
			if err := c.Serve(w, r, next, visit); err != nil {
				t.Fatal(err)
			}
			if client != tc.client {
				t.Errorf("apikey.name = %q, want %q", client, tc.client)
			}
			if w.Code != tc.status || reached != (tc.status == 200) {
				t.Fatalf("status %d (upstream reached: %v), want %d; body %q", w.Code, reached, tc.status, w.Body)
			}
			if tc.status == 401 {
				if got := w.Header().Get("Www-Authenticate"); got != "ApiKey" {
					t.Errorf("Www-Authenticate %q", got)
				}
				if !strings.Contains(w.Body.String(), "X-Api-Key is required") {
					t.Errorf("body %q", w.Body)
				}
			}
		})
	}
}

func TestWasmBadConfig(t *testing.T) {
	t.Parallel()
	wasm := build(t)
	for _, tc := range []struct{ config, want string }{
		{"", "no keys"},
		{"# only a comment\n", "no keys"},
		{"ci=k\nnot a key line\n", "line 2: want name=key"},
		{"=k\n", "line 1: want name=key"},
		{"\xff=k\n", "not UTF-8"},
	} {
		f, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
			Name: "apikey", Wasm: wasm, GuestConfig: []byte(tc.config), Timeout: filtertest.PatientTimeout,
		})
		if err == nil {
			f.Close(context.Background())
			t.Errorf("config %q loaded", tc.config)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: load error %q does not say %q", tc.config, err, tc.want)
		}
	}
}

// TestWasmRestorable: the Rust filter is one the host can snapshot, so
// that its instances start from the snapshot, not from scratch.
func TestWasmRestorable(t *testing.T) {
	t.Parallel()
	f := filtertest.Load(t, filters.Config{Name: "apikey", Wasm: build(t), GuestConfig: []byte(config), PoolMin: 1})
	if s := f.Stats(); s.SnapshotBytes == 0 {
		t.Fatalf("no snapshot: %+v", s)
	}
}
