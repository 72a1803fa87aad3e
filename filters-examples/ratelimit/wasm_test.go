//go:build !wasip1

// The tests in this file build ratelimit.wasm and its Rust twin
// (filters-examples/ratelimit-rust) and run each in Gojinn's engine
// (filters, pipeline) on a memory store: the filter as it is deployed,
// minus Caddy (caddy/ratelimit_e2e_test.go runs the Go one in Caddy).
// Every test runs both: the two must behave alike.
package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/pipeline"
)

// guest is one build of the filter.
type guest struct {
	name string
	wasm []byte
}

// guests builds the filter in Go and in Rust.
func guests(t testing.TB) []guest {
	t.Helper()
	return []guest{{"go", filtertest.Build(t, ".")}, {"rust", rustWasm(t)}}
}

// rustWasm builds filters-examples/ratelimit-rust.
func rustWasm(t testing.TB) []byte {
	t.Helper()
	return filtertest.BuildRust(t, "../ratelimit-rust")
}

// eachGuest runs test on each build of the filter, in parallel.
func eachGuest(t *testing.T, test func(t *testing.T, wasm []byte)) {
	for _, g := range guests(t) {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			test(t, g.wasm)
		})
	}
}

func memoryStore(t testing.TB) host.KVStores {
	t.Helper()
	m, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return host.KVStores{"default": {Name: "default", Store: m}}
}

func chain(t testing.TB, wasm []byte, config string, stores host.KVStores) *pipeline.Chain {
	t.Helper()
	return filtertest.Chain(t, pipeline.Options{}, filters.Config{Name: "ratelimit", Wasm: wasm,
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
	eachGuest(t, func(t *testing.T, wasm []byte) {
		// An hour's window: the test never straddles two, whatever the
		// machine's speed, unless it starts in the last seconds of an
		// hour, when the previous window's weight still refuses past the
		// limit.
		c := chain(t, wasm, `{"limit": 3, "window": "1h"}`, memoryStore(t))
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
			if want == 429 && w.Body.String() != "too many requests\n" {
				t.Errorf("request %d: body %q", i, w.Body)
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
		if w := serve(c, request("[2001:db8::1]:2000")); w.Code != 200 || w.Header().Get("RateLimit-Remaining") != "1" {
			t.Errorf("the IPv6 client from another port: status %d, remaining %q", w.Code, w.Header().Get("RateLimit-Remaining"))
		}
	})
}

func TestLimitsPerHeader(t *testing.T) {
	t.Parallel()
	eachGuest(t, func(t *testing.T, wasm []byte) {
		c := chain(t, wasm, `{"limit": 1, "window": "1h", "key": "header:X-Api-Key"}`, memoryStore(t))
		long := strings.Repeat("k", 1000) // longer than the Rust filter's buffer
		steps := []struct {
			key  string
			want int
		}{{"a", 200}, {"a", 429}, {"b", 200}, {"", 200}, {"", 429}, {long, 200}, {long, 429}, {long + "x", 200}}
		for i, s := range steps {
			var h []string
			if s.key != "" {
				h = []string{"X-Api-Key", s.key}
			}
			// A different address each time: the header is the key.
			if w := serve(c, request("192.0.2."+strconv.Itoa(i+1)+":1", h...)); w.Code != s.want {
				t.Errorf("step %d (key of %d bytes): status %d, want %d", i, len(s.key), w.Code, s.want)
			}
		}
	})
}

func TestLimitsPerVariable(t *testing.T) {
	t.Parallel()
	hello := filtertest.Build(t, "../hello") // sets hello.message to "hello, <X-Name>"
	eachGuest(t, func(t *testing.T, wasm []byte) {
		chainOn := func(variable string) *pipeline.Chain {
			return filtertest.Chain(t, pipeline.Options{},
				filters.Config{Name: "hello", Wasm: hello, PoolMin: 1},
				filters.Config{Name: "ratelimit", Wasm: wasm, PoolMin: 1, KVStores: memoryStore(t),
					GuestConfig: []byte(`{"limit": 1, "window": "1h", "key": "var:` + variable + `"}`)})
		}
		c := chainOn("hello.message")
		for i, s := range []struct {
			name string
			want int
		}{{"ada", 200}, {"ada", 429}, {"bob", 200}} {
			if w := serve(c, request("192.0.2."+strconv.Itoa(i+1)+":1", "X-Name", s.name)); w.Code != s.want {
				t.Errorf("step %d (X-Name %q): status %d, want %d", i, s.name, w.Code, s.want)
			}
		}
		// A variable no filter sets: every request shares one key.
		c = chainOn("nobody.sets.this")
		for i, want := range []int{200, 429} {
			if w := serve(c, request("192.0.2."+strconv.Itoa(i+1)+":1")); w.Code != want {
				t.Errorf("unset variable, request %d: status %d, want %d", i, w.Code, want)
			}
		}
	})
}

func TestSharedAcrossFilters(t *testing.T) {
	t.Parallel()
	// Two filters (two pools of instances) on one store count together,
	// and so do the Go and the Rust filter: they write the same keys.
	gs := guests(t)
	for _, pair := range [][2]guest{{gs[0], gs[0]}, {gs[1], gs[1]}, {gs[0], gs[1]}} {
		t.Run(pair[0].name+"+"+pair[1].name, func(t *testing.T) {
			t.Parallel()
			stores := memoryStore(t)
			a := chain(t, pair[0].wasm, `{"limit": 2, "window": "1h"}`, stores)
			b := chain(t, pair[1].wasm, `{"limit": 2, "window": "1h"}`, stores)
			codes := []int{serve(a, request("192.0.2.9:1")).Code, serve(b, request("192.0.2.9:1")).Code, serve(a, request("192.0.2.9:1")).Code}
			if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
				t.Errorf("statuses %v, want [200 200 429]", codes)
			}
		})
	}
}

func TestConfigRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, config, want, only string }{
		{"no limit", `{}`, "limit must be", ""},
		{"zero limit", `{"limit": 0}`, "limit must be", ""},
		{"negative limit", `{"limit": -5}`, "limit must be", ""},
		{"bad window", `{"limit": 1, "window": "soon"}`, "window must be", ""},
		{"short window", `{"limit": 1, "window": "500ms"}`, "window must be", ""},
		{"window not a string", `{"limit": 1, "window": 60}`, "window must be", ""},
		{"bad key", `{"limit": 1, "key": "cookie:x"}`, "key must be", ""},
		{"empty header name", `{"limit": 1, "key": "header:"}`, "key must be", ""},
		{"store not granted", `{"limit": 1, "store": "other"}`, `store "other" is not granted`, ""},
		{"not JSON", `limit=1`, "not valid JSON", ""},
		{"truncated", `{"limit": 1`, "not valid JSON", ""},
		{"trailing garbage", `{"limit": 1} x`, "not valid JSON", ""},
		{"bad escape", `{"limit": 1, "key": "\q"}`, "not valid JSON", ""},
		{"empty", ``, "not valid JSON", ""},
		// gjson has no bound on nesting; the Rust filter's parser has one.
		{"nested too deep", `{"limit": 1, "x": ` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + `}`, "not valid JSON", "rust"},
	}
	for _, g := range guests(t) {
		for _, tt := range tests {
			if tt.only != "" && tt.only != g.name {
				continue
			}
			t.Run(g.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				_, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "ratelimit", Wasm: g.wasm,
					GuestConfig: []byte(tt.config), KVStores: memoryStore(t), Timeout: filtertest.PatientTimeout})
				if err == nil {
					t.Fatal("loaded")
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %q does not say %q", err, tt.want)
				}
			})
		}
	}
}

// TestWindowSpellings: each spelling of a window is the window Go's
// time.ParseDuration reads, as RateLimit-Reset shows it: the seconds
// left in the current fixed window, bounded by the clock read before and
// after the request.
func TestWindowSpellings(t *testing.T) {
	t.Parallel()
	eachGuest(t, func(t *testing.T, wasm []byte) {
		for _, spelling := range []string{"90s", "1m30s", "1.5m", "2h", "7200000ms", "1h0m0.5s", "5000000us"} {
			size, err := time.ParseDuration(spelling)
			if err != nil {
				t.Fatal(err)
			}
			c := chain(t, wasm, `{"limit": 10, "window": "`+spelling+`"}`, memoryStore(t))
			left := func(now time.Time) int64 { // whole seconds left in now's window, rounded up
				ns := int64(size) - now.UnixNano()%int64(size)
				return (ns + int64(time.Second) - 1) / int64(time.Second)
			}
			before := time.Now()
			w := serve(c, request("192.0.2.1:1"))
			after := time.Now()
			if before.UnixNano()/int64(size) != after.UnixNano()/int64(size) {
				continue // a window ended during the request: no bound
			}
			reset, err := strconv.ParseInt(w.Header().Get("RateLimit-Reset"), 10, 64)
			if err != nil || reset < left(after) || reset > left(before) {
				t.Errorf("window %q: RateLimit-Reset %q, want %d-%d", spelling, w.Header().Get("RateLimit-Reset"), left(after), left(before))
			}
		}
	})
}

// TestConfigAccepted: the configs both filters take, spelled as JSON
// allows (escapes, spacing, exponents, a string limit as gjson reads
// one, members the filter does not know).
func TestConfigAccepted(t *testing.T) {
	t.Parallel()
	configs := []string{
		`{"limit": 1}`,
		` { "limit" : 1e1 , "window" : "1m30s" } `,
		`{"limit": "7", "window": "1.5h", "other": [1, {"a": null}], "flag": true}`,
		`{"limit": 1, "key": "header:X-\u0041pi", "prefix": "r\u00e9\ud83d\ude00"}`,
		`{"limit": 1, "window": "90s", "store": "default", "limit": 2}`,
	}
	for _, g := range guests(t) {
		for i, config := range configs {
			t.Run(g.name+"/"+strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				c := chain(t, g.wasm, config, memoryStore(t))
				if w := serve(c, request("192.0.2.1:1")); w.Code != 200 {
					t.Fatalf("status %d", w.Code)
				}
			})
		}
	}
}

// FuzzRustConfig: whatever the config, the Rust filter's parser answers
// with a load or a refusal, never a trap (a panic in configure is one).
func FuzzRustConfig(f *testing.F) {
	for _, seed := range []string{`{"limit": 1}`, `{"limit": 1, "window": "1m", "key": "header:X", "x": [{"y": null}]}`,
		`{"limit": "\ud800"}`, `{"limit": 1e400}`, `{"window": "9999999999h", "limit": 1}`, `{"a":` + strings.Repeat("[", 70), "\xff"} {
		f.Add([]byte(seed))
	}
	wasm := rustWasm(f)
	eng := filtertest.Engine(f)
	f.Fuzz(func(t *testing.T, config []byte) {
		fl, err := eng.Load(t.Context(), filters.Config{Name: "ratelimit", Wasm: wasm, GuestConfig: config,
			KVStores: memoryStore(t), Timeout: filtertest.PatientTimeout})
		if err == nil {
			fl.Close(t.Context())
			return
		}
		if !strings.Contains(err.Error(), "refused the config") {
			t.Fatalf("config %q: %v", config, err)
		}
	})
}
