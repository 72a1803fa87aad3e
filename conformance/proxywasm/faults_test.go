package proxywasm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	pwhost "github.com/gojinn/gojinn/hostabi/proxywasm"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// TestProxyWasmFaultPolicy traps a Go SDK filter (a Go panic: the guest
// exits) in each callback of a request, under each on_error policy: Block
// answers 500 and the upstream never sees a request trapped before it;
// Allow passes the request on, or the response back, as if the filter
// were not there. Either way the trapped VM is never reused.
func TestProxyWasmFaultPolicy(t *testing.T) {
	wasm := sdkGuest(t)
	for _, where := range []string{"request_headers", "request_body", "response_headers", "response_body", "log"} {
		for _, policy := range []pipeline.Policy{pipeline.Block, pipeline.Allow} {
			name := where + "/block"
			if policy == pipeline.Allow {
				name = where + "/allow"
			}
			t.Run(name, func(t *testing.T) {
				config, _ := json.Marshal(plugins.Config{Plugin: "fault", Trap: where})
				f := filtertest.Load(t, filters.Config{Name: "fault", Wasm: wasm, GuestConfig: config, PoolMin: 1, PoolMax: 1})
				chain := pipeline.New([]pipeline.Stage{{Filter: f, OnError: policy}}, pipeline.Options{})
				upstreamCalls := 0
				srv := httptest.NewServer(chain.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					upstreamCalls++
					_, _ = io.WriteString(w, "from upstream")
				})))
				defer srv.Close()
				before := f.Stats()
				const requests = 2
				for i := range requests {
					resp, err := srv.Client().Post(srv.URL, "text/plain", strings.NewReader("a body"))
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if policy == pipeline.Block {
						// A response-phase trap too: the response is
						// held until the filter is done with it.
						if resp.StatusCode != http.StatusInternalServerError {
							t.Fatalf("request %d: status %d %q, want 500", i, resp.StatusCode, b)
						}
					} else if resp.StatusCode != http.StatusOK || string(b) != "from upstream" {
						t.Fatalf("request %d: status %d %q, want the upstream's answer", i, resp.StatusCode, b)
					}
				}
				wantUpstream := requests
				if policy == pipeline.Block && strings.HasPrefix(where, "request") {
					wantUpstream = 0
				}
				if upstreamCalls != wantUpstream {
					t.Fatalf("upstream called %d times, want %d", upstreamCalls, wantUpstream)
				}
				s := f.Stats()
				if made := s.Fresh + s.Restored - before.Fresh - before.Restored; made != requests-1 {
					t.Fatalf("%d instances made for %d trapping requests on a pool of one, want %d: a trapped VM was reused",
						made, requests, requests-1)
				}
			})
		}
	}
}

// TestProxyWasmTrapInConfigure: a filter that panics in OnPluginStart
// does not load, and says where.
func TestProxyWasmTrapInConfigure(t *testing.T) {
	config, _ := json.Marshal(plugins.Config{Plugin: "fault", Trap: "configure"})
	_, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "fault", Wasm: sdkGuest(t), GuestConfig: config,
		Timeout: filtertest.PatientTimeout})
	if !errors.Is(err, filters.ErrTrap) || !strings.Contains(err.Error(), "proxy_on_configure") {
		t.Fatalf("error %v, want a trap in proxy_on_configure", err)
	}
}

// TestProxyWasmHeldContextEnds: a Proxy-Wasm filter whose response phase
// never comes (a later filter answered) still gets its context ended
// (proxy_on_done, proxy_on_log, proxy_on_delete) when the exchange ends,
// and its instance goes back to the pool.
func TestProxyWasmHeldContextEnds(t *testing.T) {
	key := fmt.Sprintf("pw_held_%p", t)
	config, _ := json.Marshal(plugins.Config{Plugin: "metrics", Key: key})
	pw := filtertest.Load(t, filters.Config{Name: "held", Wasm: sdkGuest(t), GuestConfig: config, PoolMin: 1, PoolMax: 1})
	hello := filtertest.Load(t, filters.Config{Name: "hello", Wasm: filtertest.Build(t, "../../filters-examples/hello"),
		GuestConfig: []byte(`{"greeting": "hi", "deny_prefix": "/admin"}`)})
	chain := pipeline.New([]pipeline.Stage{{Filter: pw}, {Filter: hello}}, pipeline.Options{})
	srv := httptest.NewServer(chain.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer srv.Close()
	for i := range 3 {
		resp, err := srv.Client().Get(srv.URL + "/admin/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("request %d: status %d, want hello's 403", i, resp.StatusCode)
		}
	}
	var inflight, requests int64 = -1, -1
	filtertest.Engine(t).ProxyWasmMetrics().Each(func(m *pwhost.Metric) {
		switch m.Name {
		case key + "_inflight":
			inflight = m.Value()
		case key + "_requests_total":
			requests = m.Value()
		}
	})
	// Three contexts began (the counter) and all three ended (on_log
	// took the gauge back down), on one instance, never discarded.
	if requests != 3 || inflight != 0 {
		t.Fatalf("requests %d, in flight %d; want 3 and 0", requests, inflight)
	}
	if s := pw.Stats(); s.Busy != 0 || s.Live != 1 {
		t.Fatalf("stats %+v: want the one instance back in the pool", s)
	}
}
