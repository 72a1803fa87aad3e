package proxywasm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/caddyserver/caddy/v2/caddytest"

	gojinn "github.com/gojinn/gojinn/caddy"
	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/loopback"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// TestCaddyThreeDialects runs, in a real Caddy, a gojinn_chain that mixes
// the three dialects: Gojinn's hello filter, the http-wasm probe, and a
// Proxy-Wasm filter built with the Go SDK, in front of a reverse proxy;
// and, on another route, the SDK's metrics filter, whose counter Caddy's
// /metrics shows.
func TestCaddyThreeDialects(t *testing.T) {
	adminPort, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	caddyPort, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	useCompilationCache(t)

	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Upstream-Saw", fmt.Sprintf("hello=%s;pw=%s;test=%s", r.Header.Get("X-Hello"),
			r.Header.Get("X-Proxy-Wasm"), r.Header.Get("Test")))
		_, _ = io.WriteString(w, "upstream")
	}))
	t.Cleanup(up.Close)

	hello := filtertest.Path(t, "../../filters-examples/hello")
	httpWasmProbe := filtertest.Path(t, "../../hostabi/httpwasm/testdata/probe")
	sdk := filtertest.Path(t, "testdata/sdkguest")
	headersCfg, _ := json.Marshal(plugins.Config{Plugin: "headers", Header: "x-wasm-header", Value: "from-caddy"})
	key := fmt.Sprintf("caddy_e2e_%d", os.Getpid())
	metricsCfg, _ := json.Marshal(plugins.Config{Plugin: "metrics", Key: key})
	sharedCfg, _ := json.Marshal(plugins.Config{Plugin: "shared", Key: key})
	// The http-wasm probe's config is not JSON, which a Caddyfile's
	// inline config must be: it comes from a file.
	earlyCfg := filepath.Join(t.TempDir(), "early.conf")
	if err := os.WriteFile(earlyCfg, []byte("op=early-header"), 0o600); err != nil {
		t.Fatal(err)
	}
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{
		AdminPort:          adminPort,
		LoadRequestTimeout: 5 * time.Minute,
		TestRequestTimeout: time.Minute,
	})
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	metrics
}
http://localhost:%d {
	handle /props/* {
		gojinn_chain {
			filter props %s {
				config `+"`"+`{"plugin": "properties"}`+"`"+`
			}
		}
		reverse_proxy %s
	}
	handle /shared/* {
		gojinn_chain {
			filter shared %s {
				config `+"`%s`"+`
			}
		}
		reverse_proxy %s
	}
	handle /counted/* {
		gojinn_chain {
			filter counted %s {
				config `+"`%s`"+`
			}
		}
		reverse_proxy %s
	}
	handle {
		gojinn_chain {
			filter hello %s {
				config `+"`"+`{"greeting": "hi", "deny_prefix": "/admin"}`+"`"+`
			}
			filter early %s {
				config_file %s
			}
			filter sdkheaders %s {
				config `+"`%s`"+`
			}
		}
		reverse_proxy %s
	}
}
`, adminPort, caddyPort, caddyPort, sdk, strings.TrimPrefix(up.URL, "http://"),
		sdk, sharedCfg, strings.TrimPrefix(up.URL, "http://"), sdk, metricsCfg, strings.TrimPrefix(up.URL, "http://"),
		hello, httpWasmProbe, earlyCfg, sdk, headersCfg, strings.TrimPrefix(up.URL, "http://")), "caddyfile")

	get := func(url string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := tc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	site := fmt.Sprintf("http://localhost:%d", caddyPort)
	resp, body := get(site+"/page", map[string]string{"X-Name": "ana", "Test": "x"})
	if resp.StatusCode != http.StatusOK || body != "upstream" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		// The upstream saw each dialect's request-phase change.
		"X-Upstream-Saw": "hello=hi, ana;pw=go-sdk;test=best",
		// http-wasm: a response header set before the next handler.
		"X-Early": "1",
		// Proxy-Wasm: response headers from its response phase.
		"X-Proxy-Wasm-Go-Sdk-Example": "http_headers",
		"X-Wasm-Header":               "from-caddy",
		"X-Upstream-Status":           "200",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// Gojinn's filter answers itself: the later filters and the upstream
	// never see it.
	if resp, body := get(site+"/admin/x", nil); resp.StatusCode != http.StatusForbidden ||
		resp.Header.Get("X-Proxy-Wasm-Go-Sdk-Example") != "" {
		t.Fatalf("/admin: status %d body %q headers %v", resp.StatusCode, body, resp.Header)
	}

	// Shared data without a store granted: the gojinn app's default.
	for i := 1; i <= 2; i++ {
		if resp, _ := get(site+"/shared/x", nil); resp.Header.Get("X-Shared-Now") != fmt.Sprint(i) {
			t.Fatalf("shared data, request %d: X-Shared-Now %q", i, resp.Header.Get("X-Shared-Now"))
		}
	}

	for range 2 {
		if resp, _ := get(site+"/counted/x", nil); resp.Header.Get("X-Requests") == "" {
			t.Fatalf("the metrics filter did not run: %v", resp.Header)
		}
	}
	checkConnectionAndUpstream(t, site, strings.TrimPrefix(up.URL, "http://"))

	_, metrics := get(fmt.Sprintf("http://localhost:%d/metrics", adminPort), nil)
	want := fmt.Sprintf(`gojinn_proxywasm_counter_total{metric="%s_requests_total"} 2`, key)
	if !strings.Contains(metrics, want) {
		t.Fatalf("/metrics has no %q:\n%s", want, grepLines(metrics, "gojinn_proxywasm"))
	}
	if want := fmt.Sprintf(`gojinn_proxywasm_gauge{metric="%s_inflight"} 0`, key); !strings.Contains(metrics, want) {
		t.Fatalf("/metrics has no %q:\n%s", want, grepLines(metrics, "gojinn_proxywasm"))
	}
}

// useCompilationCache points the Caddy a test runs at the tests'
// compilation cache (wasmbuild's), so that its filters are not compiled
// again, or at none when the tests keep none.
func useCompilationCache(t *testing.T) {
	t.Helper()
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		dir = "off"
	}
	t.Setenv(gojinn.CacheDirEnv, dir)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkConnectionAndUpstream: through Caddy, connection.id is the same on
// two requests over one keep-alive connection and another on a second
// connection, and upstream.address is the upstream reverse_proxy used.
func checkConnectionAndUpstream(t *testing.T, site, upstream string) {
	t.Helper()
	props := func(c *http.Client) (connID, upstreamAddr string) {
		t.Helper()
		resp, err := c.Get(site + "/props/x")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // read to the end: the connection is kept
		resp.Body.Close()
		return resp.Header.Get("X-Prop-Connection-Id"), resp.Header.Get("X-Prop-Upstream-Address")
	}
	newClient := func() *http.Client {
		tr := &http.Transport{MaxIdleConnsPerHost: 1}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: time.Minute}
	}
	one, two := newClient(), newClient()
	first, addr := props(one)
	again, _ := props(one)
	other, _ := props(two)
	if _, err := strconv.ParseUint(first, 10, 64); err != nil {
		t.Fatalf("connection.id %q: want a number", first)
	}
	if again != first || other == first {
		t.Fatalf("connection.id %q then %q on one connection, %q on another: want equal, then different", first, again, other)
	}
	if addr != upstream {
		t.Fatalf("upstream.address %q, want %q", addr, upstream)
	}
}
