//go:build !wasip1

// The tests in this file build ratelimit.wasm and run it in Gojinn's
// engine (filters, pipeline) on a memory store: the filter as it is
// deployed, minus Caddy (caddy/ratelimit_e2e_test.go runs it in Caddy).
package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/pipeline"
)

func memoryStore(t testing.TB) host.KVStores {
	t.Helper()
	m, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return host.KVStores{"default": {Name: "default", Store: m}}
}

func chain(t testing.TB, config string, stores host.KVStores) *pipeline.Chain {
	t.Helper()
	return filtertest.Chain(t, pipeline.Options{}, filters.Config{Name: "ratelimit", Wasm: filtertest.Build(t, "."),
		GuestConfig: []byte(config), PoolMin: 1, KVStores: stores})
}

func serve(c *pipeline.Chain, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })).ServeHTTP(w, r)
	return w
}

func request(addr string, header ...string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func TestLimitsPerClient(t *testing.T) {
	t.Parallel()
	// An hour's window: the test never straddles two, whatever the
	// machine's speed, unless it starts in the last seconds of an hour,
	// when the previous window's weight still refuses past the limit.
	c := chain(t, `{"limit": 3, "window": "1h"}`, memoryStore(t))
	for i := 1; i <= 5; i++ {
		w := serve(c, request("192.0.2.1:1000"))
		want := 200
		if i > 3 {
			want = 429
		}
		if w.Code != want {
			t.Fatalf("request %d: status %d, want %d", i, w.Code, want)
		}
		if got := w.Header().Get("RateLimit-Limit"); got != "3" {
			t.Errorf("request %d: RateLimit-Limit %q", i, got)
		}
		wantRemaining := strconv.Itoa(max(3-i, 0))
		if got := w.Header().Get("RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: RateLimit-Remaining %q, want %s", i, got, wantRemaining)
		}
		reset, err := strconv.Atoi(w.Header().Get("RateLimit-Reset"))
		if err != nil || reset < 1 || reset > 3600 {
			t.Errorf("request %d: RateLimit-Reset %q", i, w.Header().Get("RateLimit-Reset"))
		}
		if ra := w.Header().Get("Retry-After"); (want == 429) != (ra != "") {
			t.Errorf("request %d: Retry-After %q with status %d", i, ra, w.Code)
		}
	}
	// Another client, and the same client from another port.
	if w := serve(c, request("192.0.2.2:1000")); w.Code != 200 {
		t.Errorf("another client: status %d", w.Code)
	}
	if w := serve(c, request("192.0.2.1:2000")); w.Code != 429 {
		t.Errorf("the same client from another port: status %d", w.Code)
	}
	if w := serve(c, request("[2001:db8::1]:1000")); w.Code != 200 {
		t.Errorf("an IPv6 client: status %d", w.Code)
	}
}

func TestLimitsPerHeader(t *testing.T) {
	t.Parallel()
	c := chain(t, `{"limit": 1, "window": "1h", "key": "header:X-Api-Key"}`, memoryStore(t))
	steps := []struct {
		key  string
		want int
	}{{"a", 200}, {"a", 429}, {"b", 200}, {"", 200}, {"", 429}}
	for i, s := range steps {
		var h []string
		if s.key != "" {
			h = []string{"X-Api-Key", s.key}
		}
		// A different address each time: the header is the key.
		if w := serve(c, request("192.0.2."+strconv.Itoa(i+1)+":1", h...)); w.Code != s.want {
			t.Errorf("step %d (key %q): status %d, want %d", i, s.key, w.Code, s.want)
		}
	}
}

func TestSharedAcrossFilters(t *testing.T) {
	t.Parallel()
	// Two filters (two pools of instances) on one store count together.
	stores := memoryStore(t)
	a := chain(t, `{"limit": 2, "window": "1h"}`, stores)
	b := chain(t, `{"limit": 2, "window": "1h"}`, stores)
	codes := []int{serve(a, request("192.0.2.9:1")).Code, serve(b, request("192.0.2.9:1")).Code, serve(a, request("192.0.2.9:1")).Code}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("statuses %v, want [200 200 429]", codes)
	}
}

func TestConfigRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, config, want string }{
		{"no limit", `{}`, "limit must be"},
		{"bad window", `{"limit": 1, "window": "soon"}`, "window must be"},
		{"bad key", `{"limit": 1, "key": "cookie:x"}`, "key must be"},
		{"store not granted", `{"limit": 1, "store": "other"}`, `store "other" is not granted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "ratelimit", Wasm: filtertest.Build(t, "."),
				GuestConfig: []byte(tt.config), KVStores: memoryStore(t)})
			if err == nil {
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}
