package proxywasm

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	pwhost "github.com/gojinn/gojinn/hostabi/proxywasm"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// sdkGuest is package plugins built for wasip1 as Envoy loads a Go SDK
// filter.
func sdkGuest(t testing.TB) []byte {
	t.Helper()
	return filtertest.Build(t, "testdata/sdkguest")
}

func get(path string, header ...[2]string) request {
	return request{method: http.MethodGet, path: path, header: header, status: 200, respBody: "hello from upstream\n",
		respHeader: [][2]string{{"content-type", "text/plain"}, {"x-upstream-secret", "s3cr3t"}}}
}

func post(path, body string, header ...[2]string) request {
	r := get(path, header...)
	r.method, r.body = http.MethodPost, body
	return r
}

func sdkCases() []sdkCase {
	upstreamReply := func(o outcome) outcome {
		o.Upstream, o.Status = true, 200
		if o.Body == "" {
			o.Body = "hello from upstream\n"
		}
		return o
	}
	return []sdkCase{
		{
			name:    "headers",
			config:  plugins.Config{Plugin: "headers", Header: "x-wasm-header", Value: "x-value"},
			req:     get("/hello", [2]string{"test", "x"}, [2]string{"x-remove-me", "1"}, [2]string{"x-echo", "hi"}),
			watchUp: []string{"test", "x-proxy-wasm", "x-remove-me", "x-echoed"},
			watch:   []string{"x-proxy-wasm-go-sdk-example", "x-wasm-header", "x-upstream-secret", "x-upstream-status", "content-type"},
			want: upstreamReply(outcome{UpPath: "/hello",
				UpHeader: map[string]string{"test": "best", "x-proxy-wasm": "go-sdk", "x-echoed": "hi"},
				Header: map[string]string{"x-proxy-wasm-go-sdk-example": "http_headers", "x-wasm-header": "x-value",
					"x-upstream-status": "200", "content-type": "text/plain"}}),
		},
		{
			name:   "body",
			config: plugins.Config{Plugin: "body"},
			req:    post("/echo", "hello"),
			want: upstreamReply(outcome{UpPath: "/echo", UpHeader: map[string]string{}, UpBody: "prepended|HELLO|appended",
				Header: map[string]string{}, Body: "hello from filtered\n"}),
		},
		{
			name:    "routing",
			config:  plugins.Config{Plugin: "routing"},
			req:     get("/items?x=1", [2]string{"x-route", "v2"}),
			watchUp: []string{"x-route"},
			want:    upstreamReply(outcome{UpPath: "/v2/items?x=1", UpHeader: map[string]string{}, Header: map[string]string{}}),
		},
		{
			name:   "routing without a route",
			config: plugins.Config{Plugin: "routing"},
			req:    get("/items?x=1"),
			want:   upstreamReply(outcome{UpPath: "/items?x=1", UpHeader: map[string]string{}, Header: map[string]string{}}),
		},
		{
			name:   "json valid",
			config: plugins.Config{Plugin: "json", Required: []string{"id", "token"}},
			req:    post("/api", `{"id": 1, "token": "t"}`),
			want: upstreamReply(outcome{UpPath: "/api", UpHeader: map[string]string{}, UpBody: `{"id": 1, "token": "t"}`,
				Header: map[string]string{}}),
		},
		{
			name:   "json missing key",
			config: plugins.Config{Plugin: "json", Required: []string{"id", "token"}},
			req:    post("/api", `{"id": 1}`),
			watch:  []string{"content-type"},
			want: outcome{LocalReply: true, Status: 403, Header: map[string]string{"content-type": "text/plain"},
				Body: "missing token\n"},
		},
		{
			name:   "json invalid",
			config: plugins.Config{Plugin: "json", Required: []string{"id"}},
			req:    post("/api", `{"id": `),
			want:   outcome{LocalReply: true, Status: 400, Header: map[string]string{}, Body: "invalid JSON\n"},
		},
		{
			name:   "auth denied",
			config: plugins.Config{Plugin: "auth"},
			req:    get("/private"),
			watch:  []string{"www-authenticate", "x-denied-by", "x-upstream-secret"},
			want: outcome{LocalReply: true, Status: 401,
				Header: map[string]string{"www-authenticate": "Bearer", "x-denied-by": "proxy-wasm"}, Body: "access denied\n"},
		},
		{
			name:   "auth allowed",
			config: plugins.Config{Plugin: "auth"},
			req:    get("/private", [2]string{"authorization", "Bearer let-me-in"}),
			watch:  []string{"x-denied-by"},
			want:   upstreamReply(outcome{UpPath: "/private", UpHeader: map[string]string{}, Header: map[string]string{}}),
		},
		{
			name:   "properties",
			config: plugins.Config{Plugin: "properties"},
			req:    get("/props/a?b=c"),
			watch: []string{"x-prop-request-path", "x-prop-request-url_path", "x-prop-request-method", "x-prop-request-host",
				"x-prop-request-scheme", "x-prop-request-protocol", "x-prop-plugin_name", "x-prop-response-code"},
			properties: map[string][]byte{
				"request.path": []byte("/props/a?b=c"), "request.url_path": []byte("/props/a"),
				"request.method": []byte("GET"), "request.host": []byte(authority), "request.scheme": []byte("http"),
				"request.protocol": []byte("HTTP/1.1"), "plugin_name": []byte("pw-properties"), "response.code": le64(200),
			},
			want: upstreamReply(outcome{UpPath: "/props/a?b=c", UpHeader: map[string]string{}, Header: map[string]string{
				"x-prop-request-path": "/props/a?b=c", "x-prop-request-url_path": "/props/a", "x-prop-request-method": "GET",
				"x-prop-request-host": authority, "x-prop-request-scheme": "http", "x-prop-request-protocol": "HTTP/1.1",
				"x-prop-plugin_name": "pw-properties", "x-prop-response-code": "200"}}),
		},
	}
}

// TestSDKGuestsAgree runs each case in the SDK's emulator and through a
// Gojinn chain and requires the same outcome in both, and the one the
// case expects.
func TestSDKGuestsAgree(t *testing.T) {
	wasm := sdkGuest(t)
	for _, c := range sdkCases() {
		t.Run(c.name, func(t *testing.T) {
			config, err := json.Marshal(c.config)
			if err != nil {
				t.Fatal(err)
			}
			emu := runEmulator(t, c, config)
			got := runGojinn(t, c, config, wasm)
			if !reflect.DeepEqual(emu, got) {
				t.Errorf("emulator and Gojinn disagree:\nemulator %+v\ngojinn   %+v", emu, got)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("outcome:\ngot  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// sequence runs the same request n times in the emulator (one host, one
// plugin: the state a single Envoy worker keeps) and through one Gojinn
// chain, and returns the watched response fields of each.
func sequence(t *testing.T, cfg plugins.Config, n int, watch []string) (emu, got []map[string]string) {
	t.Helper()
	config, _ := json.Marshal(cfg)
	c := sdkCase{name: cfg.Plugin, config: cfg, req: post("/count", "12345"), watch: watch}
	emu = emulatorSequence(t, c, config, n)
	chain := filtertest.Chain(t, pipeline.Options{Name: "pw"}, filters.Config{Name: "pw-" + cfg.Plugin, Wasm: sdkGuest(t),
		GuestConfig: config, KVStores: defaultStore(t)})
	srv := newUpstream(t, chain, c)
	for range n {
		got = append(got, doRequest(t, srv, c).Header)
	}
	return emu, got
}

func TestSDKMetrics(t *testing.T) {
	key := fmt.Sprintf("pw_metrics_%p", t)
	emu, got := sequence(t, plugins.Config{Plugin: "metrics", Key: key}, 3, []string{"x-requests", "x-inflight"})
	want := []map[string]string{{"x-requests": "1", "x-inflight": "1"}, {"x-requests": "2", "x-inflight": "1"},
		{"x-requests": "3", "x-inflight": "1"}}
	if !reflect.DeepEqual(emu, want) || !reflect.DeepEqual(got, want) {
		t.Fatalf("emulator %v, gojinn %v, want %v", emu, got, want)
	}
	// The host holds the metrics, for Caddy's Prometheus registry.
	values := map[string]int64{}
	var histCount, histSum uint64
	filtertest.Engine(t).ProxyWasmMetrics().Each(func(m *pwhost.Metric) {
		if strings.HasPrefix(m.Name, key) {
			values[m.Name] = m.Value()
			if strings.HasSuffix(m.Name, "_body_bytes") {
				histCount, histSum = m.Observations()
			}
		}
	})
	wantValues := map[string]int64{key + "_requests_total": 3, key + "_inflight": 0, key + "_body_bytes": 5}
	if !reflect.DeepEqual(values, wantValues) || histCount != 3 || histSum != 15 {
		t.Fatalf("engine metrics %v (histogram count %d sum %d), want %v (3, 15)", values, histCount, histSum, wantValues)
	}
}

func TestSDKSharedData(t *testing.T) {
	key := fmt.Sprintf("pw-shared-%p", t)
	emu, got := sequence(t, plugins.Config{Plugin: "shared", Key: key}, 3, []string{"x-shared-now"})
	want := []map[string]string{{"x-shared-now": "1"}, {"x-shared-now": "2"}, {"x-shared-now": "3"}}
	if !reflect.DeepEqual(emu, want) || !reflect.DeepEqual(got, want) {
		t.Fatalf("emulator %v, gojinn %v, want %v", emu, got, want)
	}
}

// TestSDKSharedDataCAS counts concurrent requests in shared data from
// several instances: compare-and-swap must lose none.
func TestSDKSharedDataCAS(t *testing.T) {
	key := fmt.Sprintf("pw-cas-%p", t)
	config, _ := json.Marshal(plugins.Config{Plugin: "shared", Key: key})
	c := sdkCase{name: "shared", req: get("/cas"), watchUp: []string{"x-shared-count"}}
	chain := filtertest.Chain(t, pipeline.Options{Name: "pw"},
		filters.Config{Name: "pw-cas", Wasm: sdkGuest(t), GuestConfig: config, PoolMin: 4, PoolMax: 4, KVStores: defaultStore(t)})
	srv := newUpstream(t, chain, c)
	const n = 41
	seen := make(chan string, n)
	// The first count alone: the guest writes a key it did not find with
	// cas 0, unconditionally, which is only safe when nobody else does.
	seen <- doRequest(t, srv, c).UpHeader["x-shared-count"]
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range (n - 1) / 4 {
				seen <- doRequest(t, srv, c).UpHeader["x-shared-count"]
			}
		}()
	}
	wg.Wait()
	close(seen)
	counts := map[string]bool{}
	for s := range seen {
		counts[s] = true
	}
	for i := 1; i <= n; i++ {
		if !counts[fmt.Sprint(i)] {
			t.Fatalf("count %d never seen: %v", i, counts)
		}
	}
}

func TestSDKRefusedConfiguration(t *testing.T) {
	for _, cfg := range []string{`{"plugin": "fault", "refuse": true}`, `not json`, `{"plugin": "nope"}`} {
		_, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "refuses", Wasm: sdkGuest(t), GuestConfig: []byte(cfg),
			Timeout: filtertest.PatientTimeout})
		if err == nil || !strings.Contains(err.Error(), "proxy_on_configure refused the plugin configuration") {
			t.Fatalf("config %s: error %v, want the refusal", cfg, err)
		}
	}
	_, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "refuses", Wasm: sdkGuest(t),
		GuestConfig: []byte(`{"plugin": "fault", "refuse": true}`), Timeout: filtertest.PatientTimeout})
	if !strings.Contains(err.Error(), "refusing: the configuration asks for it") {
		t.Fatalf("error %v, want the reason the guest logged", err)
	}
}

// TestSDKConnectionProperties: source.* is the client's end of the
// connection, destination.* the server's, as the upstream sees them.
func TestSDKConnectionProperties(t *testing.T) {
	config, _ := json.Marshal(plugins.Config{Plugin: "properties"})
	chain := filtertest.Chain(t, pipeline.Options{Name: "pw"}, filters.Config{Name: "pw-conn", Wasm: sdkGuest(t), GuestConfig: config})
	var remote, local string
	srv := httptest.NewServer(chain.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote = r.RemoteAddr
		local = r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/conn")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, remotePort, _ := net.SplitHostPort(remote)
	_, localPort, _ := net.SplitHostPort(local)
	for k, want := range map[string]string{
		"X-Prop-Source-Address": remote, "X-Prop-Source-Port": remotePort,
		"X-Prop-Destination-Address": local, "X-Prop-Destination-Port": localPort,
	} {
		if got := resp.Header.Get(k); got != want || want == "" {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

// TestSDKServerProperties: request.time is when the chain began the
// request and request.duration the time since, in nanoseconds;
// connection.id and upstream.address are what the server tells the chain
// (pipeline.Options.ServerValues), and not found where it tells nothing.
func TestSDKServerProperties(t *testing.T) {
	config, _ := json.Marshal(plugins.Config{Plugin: "properties"})
	server := func(_ *http.Request, v host.ServerValue) (string, bool) {
		switch v {
		case host.ServerConnectionID:
			return "42", true
		case host.ServerUpstreamAddress:
			return "192.0.2.9:8080", true
		}
		return "", false
	}
	for _, tt := range []struct {
		name                 string
		server               host.ServerValues
		wantConn, wantUpAddr string
	}{
		{"a server that tells", server, "42", "192.0.2.9:8080"},
		{"no server", nil, "error: error status returned by host: not found", "error: error status returned by host: not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := filtertest.Load(t, filters.Config{Name: "pw-server", Wasm: sdkGuest(t), GuestConfig: config})
			chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{ServerValues: tt.server})
			srv := httptest.NewServer(chain.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
			defer srv.Close()
			before := time.Now()
			resp, err := srv.Client().Get(srv.URL + "/server")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			after := time.Now()
			started, err1 := strconv.ParseInt(resp.Header.Get("X-Prop-Request-Time"), 10, 64)
			took, err2 := strconv.ParseInt(resp.Header.Get("X-Prop-Request-Duration"), 10, 64)
			if err1 != nil || err2 != nil || started < before.UnixNano() || started > after.UnixNano() ||
				took < 0 || took > int64(after.Sub(before)) {
				t.Errorf("request.time %q, request.duration %q: want a time within [%d, %d] and a duration within it",
					resp.Header.Get("X-Prop-Request-Time"), resp.Header.Get("X-Prop-Request-Duration"), before.UnixNano(), after.UnixNano())
			}
			if got := resp.Header.Get("X-Prop-Connection-Id"); got != tt.wantConn {
				t.Errorf("connection.id %q, want %q", got, tt.wantConn)
			}
			if got := resp.Header.Get("X-Prop-Upstream-Address"); got != tt.wantUpAddr {
				t.Errorf("upstream.address %q, want %q", got, tt.wantUpAddr)
			}
		})
	}
}
