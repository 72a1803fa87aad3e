package gojinn

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/internal/redistest"
	"github.com/gojinn/gojinn/pipeline"
)

// BenchmarkRateLimitFilter is one request through the rate-limit example
// (filters-examples/ratelimit: an increment and a get per request under
// the limit), in the engine without HTTP, on a memory store and on a
// redis-server on loopback. The limit is never reached: every request
// costs the same two store operations.
func BenchmarkRateLimitFilter(b *testing.B) {
	srv := redistest.Start(b)
	mem, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	red, err := kvstore.NewRedis(kvstore.RedisConfig{URL: srv.URL(), Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = red.Close() })
	wasm := filtertest.Build(b, "../filters-examples/ratelimit")
	for _, s := range []struct {
		name  string
		store kvstore.Store
	}{{"memory", mem}, {"redis", red}} {
		b.Run(s.name, func(b *testing.B) {
			stores := host.KVStores{"default": {Name: "default", Store: s.store, FailOpen: true}}
			c := filtertest.Chain(b, pipeline.Options{}, filters.Config{Name: "ratelimit", Wasm: wasm, PoolMin: 1, PoolMax: 1,
				GuestConfig: []byte(fmt.Sprintf(`{"limit": 1000000000, "window": "1h", "prefix": "bench-%d"}`, time.Now().UnixNano())),
				KVStores:    stores})
			h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }))
			r := httptest.NewRequest("GET", "/", nil)
			w := &filtertest.Discard{H: http.Header{}}
			for b.Loop() {
				clear(w.H)
				h.ServeHTTP(w, r)
			}
			if w.H.Get("RateLimit-Limit") == "" {
				b.Fatal("the filter did not count the request")
			}
		})
	}
}
