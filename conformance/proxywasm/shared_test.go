package proxywasm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/internal/redistest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// defaultStore grants a filter a memory store named "default", which its
// shared data then lives on.
func defaultStore(t *testing.T) host.KVStores {
	t.Helper()
	m, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return host.KVStores{filters.DefaultSharedDataStore: {Name: filters.DefaultSharedDataStore, Store: m}}
}

// redisStore is a store on srv, with a client of its own, as another
// Caddy process would have.
func redisStore(t *testing.T, srv *redistest.Server, failOpen bool) *host.KVStore {
	t.Helper()
	r, err := kvstore.NewRedis(kvstore.RedisConfig{URL: srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &host.KVStore{Name: "shared", Store: r, FailOpen: failOpen}
}

// newEngine is an engine of its own, as another process would have.
func newEngine(t *testing.T) *filters.Engine {
	t.Helper()
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	e, err := filters.NewEngine(filters.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(t.Context()) })
	return e
}

// sharedChain is a chain of the SDK guest's shared-data counter on its
// own engine, its shared data on store.
func sharedChain(t *testing.T, e *filters.Engine, name, key string, store *host.KVStore) *upstream {
	t.Helper()
	config, _ := json.Marshal(plugins.Config{Plugin: "shared", Key: key})
	f, err := e.Load(t.Context(), filters.Config{Name: name, Wasm: sdkGuest(t), GuestConfig: config,
		PoolMin: 2, PoolMax: 2, Timeout: time.Minute, KVStores: host.KVStores{store.Name: store}, SharedData: store.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(t.Context()) })
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{Name: name})
	return newUpstream(t, chain, sdkCase{name: "shared", req: get("/cas"), watchUp: []string{"x-shared-count"}})
}

// TestSharedDataOnRedis: two engines (two Caddy processes) on one Redis
// count requests in one shared-data key, each a get and a
// compare-and-swap the SDK guest retries: every count from 1 to n is
// seen once, whichever engine served it.
func TestSharedDataOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	key := fmt.Sprintf("pw-redis-%d", time.Now().UnixNano())
	c := sdkCase{name: "shared", req: get("/cas"), watchUp: []string{"x-shared-count"}}
	ups := []*upstream{
		sharedChain(t, newEngine(t), "one", key, redisStore(t, srv, false)),
		sharedChain(t, newEngine(t), "two", key, redisStore(t, srv, false)),
	}
	const n = 41
	seen := make(chan string, n)
	// The first count alone: the guest writes a key it did not find with
	// cas 0, unconditionally, which is only safe when nobody else does.
	seen <- doRequest(t, ups[0], c).UpHeader["x-shared-count"]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range (n - 1) / 4 {
				seen <- doRequest(t, ups[w%2], c).UpHeader["x-shared-count"]
			}
		}()
	}
	wg.Wait()
	close(seen)
	counts := map[string]int{}
	for s := range seen {
		counts[s]++
	}
	for i := 1; i <= n; i++ {
		if counts[fmt.Sprint(i)] != 1 {
			t.Fatalf("count %d seen %d times: %v", i, counts[fmt.Sprint(i)], counts)
		}
	}
}

// TestSharedDataRedisDown: with Redis stopped, a fail_closed store fails
// the request (503) and a fail_open one hands the guest NOT_FOUND and
// INTERNAL_FAILURE, which it survives (its counter says -1) and the
// request goes on.
func TestSharedDataRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	key := fmt.Sprintf("pw-down-%d", time.Now().UnixNano())
	c := sdkCase{name: "shared", req: get("/cas"), watchUp: []string{"x-shared-count"}}
	closed := sharedChain(t, newEngine(t), "closed", key, redisStore(t, srv, false))
	open := sharedChain(t, newEngine(t), "open", key, redisStore(t, srv, true))
	if got := doRequest(t, open, c); got.Status != http.StatusOK || got.UpHeader["x-shared-count"] != "1" {
		t.Fatalf("redis up: %+v, want the count 1", got)
	}
	srv.Stop()
	for _, tt := range []struct {
		name       string
		u          *upstream
		wantStatus int
		wantCount  string
	}{
		{"fail_closed", closed, http.StatusServiceUnavailable, ""},
		{"fail_open", open, http.StatusOK, "-1"},
	} {
		got := doRequest(t, tt.u, c)
		if got.Status != tt.wantStatus || got.UpHeader["x-shared-count"] != tt.wantCount {
			t.Errorf("%s, redis down: status %d, count %q; want %d, %q", tt.name, got.Status, got.UpHeader["x-shared-count"], tt.wantStatus, tt.wantCount)
		}
	}
	srv.Start(t)
	if got := doRequest(t, closed, c); got.Status != http.StatusOK || got.UpHeader["x-shared-count"] != "1" {
		t.Fatalf("redis back (empty: no persistence): %+v, want the count 1 again", got)
	}
}
