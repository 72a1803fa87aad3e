package filters_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/pipeline"
)

func memoryStore(t *testing.T) *kvstore.Memory {
	t.Helper()
	m, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStoresAcrossASharedSnapshot: two filters of one module and config
// share a snapshot, each with a store of its own under the same name; an
// instance restored for the second filter must reach the second's
// store, not the one the first filter's configure opened. A filter not
// granted the store configures on its own (the grants are part of the
// snapshot's key) and is refused.
func TestStoresAcrossASharedSnapshot(t *testing.T) {
	t.Parallel()
	wasm := filtertest.Build(t, "../hostabi/guest/testdata/kvprobe")
	// The config makes this test's snapshot its own.
	cfg := func(name string, stores host.KVStores) filters.Config {
		return filters.Config{Name: name, Wasm: wasm, GuestConfig: []byte("TestStoresAcrossASharedSnapshot"), KVStores: stores}
	}
	memA, memB := memoryStore(t), memoryStore(t)
	filtertest.Load(t, cfg("a", host.KVStores{"probe": {Name: "probe", Store: memA}})) // configures, and makes the snapshot
	b := filtertest.Load(t, cfg("b", host.KVStores{"probe": {Name: "probe", Store: memB}}))
	chain := pipeline.New([]pipeline.Stage{{Filter: b}}, pipeline.Options{})
	w := httptest.NewRecorder()
	if err := chain.Serve(w, httptest.NewRequest("GET", "/", nil), nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.Body.String(), "incr_shared=1 <nil>") {
		t.Fatalf("b's answer: %s", w.Body)
	}
	if s := b.Stats(); s.Fresh != 0 || s.Restored == 0 {
		t.Errorf("b's instances: %d fresh, %d restored; want every one restored from a's snapshot", s.Fresh, s.Restored)
	}
	ctx := context.Background()
	if v, ok, _ := memB.Get(ctx, []byte("count"), nil); !ok || string(v) != "1" {
		t.Errorf("b's store holds count %q (%v), want 1", v, ok)
	}
	if v, ok, _ := memA.Get(ctx, []byte("count"), nil); ok {
		t.Errorf("a's store holds count %q: b's instance reached a's store", v)
	}

	_, err := filtertest.Engine(t).Load(ctx, cfg("c", host.KVStores{"other": {Name: "other", Store: memA}}))
	if err == nil || !strings.Contains(err.Error(), `store "probe" is not granted`) {
		t.Fatalf("a filter without the grant: load error %v", err)
	}
}
