//go:build !wasip1

package guest_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/pipeline"
)

// TestStore runs every method of Store (testdata/kvprobe) on a memory
// store, twice: the second request sees the first's shared count.
func TestStore(t *testing.T) {
	t.Parallel()
	mem, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c := filtertest.Chain(t, pipeline.Options{}, filters.Config{Name: "kvprobe", Wasm: filtertest.Build(t, "testdata/kvprobe"),
		PoolMin: 1, PoolMax: 1, KVStores: host.KVStores{"probe": {Name: "probe", Store: mem}}})
	for _, count := range []string{"1", "2"} {
		w := httptest.NewRecorder()
		if err := c.Serve(w, httptest.NewRequest("GET", "/", nil), nil, nil); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n")
		want := []string{
			"ungranted=gojinn: not found",
			"get_absent= false <nil>",
			"set=<nil>",
			"get=value true <nil>",
			"append_get_grown=value true <nil>",
			"set_if_absent_present=false <nil>",
			"set_if_absent=true <nil>",
			"cas=true <nil>",
			"cas_mismatch=false <nil>",
			"incr_shared=" + count + " <nil>",
			"incr_big=4294967294 <nil>",
			"incr_not_integer=gojinn: invalid argument",
			"ttl_too_long=gojinn: invalid argument",
			"ttl_under_a_millisecond=<nil>",
			"delete=true <nil>",
			"delete_absent=false <nil>",
		}
		for i := 0; i < len(got) || i < len(want); i++ {
			var g, wl string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				wl = want[i]
			}
			if g != wl {
				t.Errorf("request %s, line %d: got %q, want %q", count, i, g, wl)
			}
		}
	}
}
