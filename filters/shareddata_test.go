package filters

import (
	"context"
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
	def, other := store(DefaultSharedDataStore), store("other")
	both := host.KVStores{def.Name: def, other.Name: other}
	pw := pwGuest(nil).Encode()
	gojinn := probeWasm(t)
	tests := []struct {
		name    string
		wasm    []byte
		stores  host.KVStores
		shared  string
		want    *host.KVStore
		wantErr string
	}{
		{"named", pw, both, "other", other, ""},
		{"default when granted", pw, both, "", def, ""},
		{"none without a default", pw, host.KVStores{other.Name: other}, "", nil, ""},
		{"none without stores", pw, nil, "", nil, ""},
		{"not granted", pw, host.KVStores{other.Name: other}, "default", nil,
			`shared_data: store "default" is not one of the filter's stores (other)`},
		{"no stores at all", pw, nil, "x", nil, `shared_data: store "x" is not one of the filter's stores (none)`},
		{"another dialect", gojinn, both, "other", nil, "shared_data: a gojinn filter has no shared data"},
		{"another dialect, default unnamed", gojinn, both, "", def, ""},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := e.Load(context.Background(), Config{Name: "shared-data-filter", Wasm: tt.wasm, Timeout: patientTimeout,
				KVStores: tt.stores, SharedData: tt.shared})
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
