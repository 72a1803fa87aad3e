package filters

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/kvstore"
)

// TestSharedDataStore: which store a filter's shared data lives on, and
// the configs refused for it.
func TestSharedDataStore(t *testing.T) {
	t.Parallel()
	store := func(name string) *host.KVStore {
		m, err := kvstore.NewMemory(kvstore.MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return &host.KVStore{Name: name, Store: m}
	}
	def, other, hosts := store(DefaultSharedDataStore), store("other"), store(DefaultSharedDataStore)
	fallback := func() (*host.KVStore, error) { return hosts, nil }
	broken := func() (*host.KVStore, error) { return nil, errors.New("no such app") }
	both := host.KVStores{def.Name: def, other.Name: other}
	pw := pwGuest(nil).Encode()
	gojinn := probeWasm(t)
	tests := []struct {
		name     string
		wasm     []byte
		stores   host.KVStores
		shared   string
		fallback func() (*host.KVStore, error)
		want     *host.KVStore
		wantErr  string
	}{
		{"named", pw, both, "other", fallback, other, ""},
		{"default when granted", pw, both, "", fallback, def, ""},
		{"the host's without a grant", pw, host.KVStores{other.Name: other}, "", fallback, hosts, ""},
		{"the host's without stores", pw, nil, "", fallback, hosts, ""},
		{"none without a default", pw, host.KVStores{other.Name: other}, "", nil, nil, ""},
		{"none without stores", pw, nil, "", nil, nil, ""},
		{"the host's store fails", pw, nil, "", broken, nil, "shared data: the default store: no such app"},
		{"not granted", pw, host.KVStores{other.Name: other}, "default", fallback, nil,
			`shared_data: store "default" is not one of the filter's stores (other)`},
		{"no stores at all", pw, nil, "x", fallback, nil, `shared_data: store "x" is not one of the filter's stores (none)`},
		{"another dialect", gojinn, both, "other", fallback, nil, "shared_data: a gojinn filter has no shared data"},
		{"another dialect never asks the host", gojinn, both, "", broken, nil, ""},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "shared-data-filter", Wasm: tt.wasm, Timeout: patientTimeout,
				KVStores: tt.stores, SharedData: tt.shared, SharedDataFallback: tt.fallback})
			if tt.wantErr != "" {
				if err == nil {
					f.Close(context.Background())
					t.Fatalf("loaded; want an error with %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "shared-data-filter") {
					t.Fatalf("error %q, want it to name the filter and contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close(context.Background())
			if f.dialect != dialectProxyWasm {
				return // its instances have no Proxy-Wasm binding
			}
			if f.sharedData != tt.want {
				t.Fatalf("shared data on %v, want %v", f.sharedData, tt.want)
			}
			in, err := f.pool.get(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer f.pool.put(in)
			if in.pw.binding.Shared != tt.want {
				t.Fatalf("an instance's shared data on %v, want %v", in.pw.binding.Shared, tt.want)
			}
		})
	}
}
