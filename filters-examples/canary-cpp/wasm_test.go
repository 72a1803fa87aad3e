//go:build !wasip1

// The tests in this file build the C++ filter from source (clang++ and
// libc++ for wasm32-wasi: `make deps` installs them) and run it in
// Gojinn's engine, as it is deployed, minus Caddy.
package canary_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

func build(t testing.TB) []byte {
	t.Helper()
	path, err := wasmbuild.CXX("src/canary.cpp")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve sends one request through c and returns the track the route saw
// and the chain variable.
func serve(t *testing.T, c *pipeline.Chain, header http.Header) (track, variable string) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	for k, v := range header {
		r.Header[k] = v
	}
	next := func(w http.ResponseWriter, r *http.Request) error {
		track = strings.Join(r.Header.Values("X-Canary-Track"), ",")
		w.WriteHeader(200)
		return nil
	}
	visit := func(ex *pipeline.Exchange) { variable, _ = ex.Var([]byte("canary.track")) }
	w := httptest.NewRecorder()
	if err := c.Serve(w, r, next, visit); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 {
		t.Fatalf("status %d: %q", w.Code, w.Body)
	}
	return track, variable
}

// want is the track the filter must pick for user at percent.
func want(user string, percent uint32) string {
	h := fnv.New32a()
	h.Write([]byte(user))
	if h.Sum32()%100 < percent {
		return "canary"
	}
	return "stable"
}

func TestWasmFilter(t *testing.T) {
	t.Parallel()
	wasm := build(t)
	for _, percent := range []uint32{0, 30, 100} {
		t.Run(fmt.Sprint(percent, "%"), func(t *testing.T) {
			c := filtertest.Chain(t, pipeline.Options{},
				filters.Config{Name: "canary", Wasm: wasm, GuestConfig: []byte(fmt.Sprintf(" %d\n", percent)), PoolMin: 1})
			canaries := 0
			for i := range 200 {
				user := fmt.Sprintf("user-%d", i)
				for range 2 { // one user, one track
					track, v := serve(t, c, http.Header{"X-User": {user}})
					if w := want(user, percent); track != w || v != w {
						t.Fatalf("%s: track %q, variable %q, want %q", user, track, v, w)
					}
				}
				if want(user, percent) == "canary" {
					canaries++
				}
			}
			// The hash spreads users: the share is near the one asked for.
			if lo, hi := int(percent)*2-30, int(percent)*2+30; canaries < max(lo, 0) || canaries > min(hi, 200) {
				t.Errorf("%d of 200 users on the canary at %d%%", canaries, percent)
			}
			// httptest's client is 192.0.2.1:1234: without X-User, the address
			// without its port is the user.
			if track, _ := serve(t, c, nil); track != want("192.0.2.1", percent) {
				t.Errorf("no X-User: track %q, want %q", track, want("192.0.2.1", percent))
			}
		})
	}
	c := filtertest.Chain(t, pipeline.Options{},
		filters.Config{Name: "canary", Wasm: wasm, GuestConfig: []byte("0"), PoolMin: 1})
	for _, tc := range []struct{ sent, track string }{
		{"canary", "canary"}, // named by the request: kept
		{"stable", "stable"},
		{"beta", "stable"}, // not a track: replaced
		{"", "stable"},
	} {
		if track, v := serve(t, c, http.Header{"X-Canary-Track": {tc.sent}, "X-User": {"u"}}); track != tc.track || v != tc.track {
			t.Errorf("sent %q: track %q, variable %q, want %q", tc.sent, track, v, tc.track)
		}
	}
}

func TestWasmBadConfig(t *testing.T) {
	t.Parallel()
	wasm := build(t)
	for _, config := range []string{"101", "1000", "-1", "ten", "10%", "5 5"} {
		f, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
			Name: "canary", Wasm: wasm, GuestConfig: []byte(config), Timeout: filtertest.PatientTimeout,
		})
		if err == nil {
			f.Close(context.Background())
			t.Errorf("config %q loaded", config)
			continue
		}
		if !strings.Contains(err.Error(), "a percentage from 0 to 100") {
			t.Errorf("config %q: load error %q does not say what the config is", config, err)
		}
	}
}

// TestWasmRestorable: the C++ filter is one the host can snapshot, so
// that its instances start from the snapshot, not from scratch.
func TestWasmRestorable(t *testing.T) {
	t.Parallel()
	f := filtertest.Load(t, filters.Config{Name: "canary", Wasm: build(t), GuestConfig: []byte("10"), PoolMin: 1})
	if s := f.Stats(); s.SnapshotBytes == 0 {
		t.Fatalf("no snapshot: %+v", s)
	}
}
