package gojinn

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// upstream is a real HTTP server that reports what reached it.
type upstream struct {
	*httptest.Server
	calls atomic.Int64
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "header": r.Header})
	}))
	t.Cleanup(u.Close)
	return u
}

// seen decodes the upstream's report.
type seen struct {
	Path   string              `json:"path"`
	Header map[string][]string `json:"header"`
}

func siteConfig(up *upstream, chain string) string {
	return fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	metrics
}
http://localhost:%d {
	%s
	reverse_proxy %s {
		header_up X-From-Var "{gojinn.var.hello.message}"
	}
}
`, adminPort, caddyPort, caddyPort, chain, strings.TrimPrefix(up.URL, "http://"))
}

func newTester(t *testing.T) *caddytest.Tester {
	return caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{
		AdminPort:          adminPort,
		LoadRequestTimeout: 5 * time.Minute,
		TestRequestTimeout: time.Minute, // a hang guard for each request
	})
}

func get(t *testing.T, tc *caddytest.Tester, path string, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://localhost:%d%s", caddyPort, path), nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := tc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestCaddyChain(t *testing.T) {
	up := newUpstream(t)
	tc := newTester(t)
	// Under /slow/, a chain whose only business is the loop, with a short
	// limit: the loop is the one thing in these tests that may meet a
	// limit. Ten times it (a replacement instance's start-up) still
	// covers the probe's start-up on a loaded machine.
	upstream := strings.TrimPrefix(up.URL, "http://")
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	metrics
}
http://localhost:%d {
	handle /slow/* {
		gojinn_chain {
			name slow
			filter probe %s {
				timeout 2s
			}
		}
		reverse_proxy %s
	}
	handle {
		gojinn_chain {
			filter hello %s {
				config `+"`"+`{"greeting": "hi", "deny_prefix": "/admin"}`+"`"+`
				%s
			}
			filter probe %s {
				config `+"`"+`{"tag": "probe-was-here"}`+"`"+`
				%s
			}
		}
		reverse_proxy %s {
			header_up X-From-Var "{gojinn.var.hello.message}"
		}
	}
}
`, adminPort, caddyPort, caddyPort, probeWasm(t), upstream, helloWasm(t), patient, probeWasm(t), patient, upstream), "caddyfile")

	t.Run("headers and variables reach the upstream", func(t *testing.T) {
		code, body, _ := get(t, tc, "/api", map[string]string{"X-Name": "ada"})
		if code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		var s seen
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		for name, want := range map[string]string{"X-Hello": "hi, ada", "X-Tags": "probe-was-here", "X-From-Var": "hi, ada"} {
			if got := strings.Join(s.Header[name], ","); got != want {
				t.Errorf("upstream got %s = %q, want %q", name, got, want)
			}
		}
	})
	t.Run("short-circuit answers without the upstream", func(t *testing.T) {
		before := up.calls.Load()
		code, body, _ := get(t, tc, "/admin/users", nil)
		if code != 403 || body != "hello filter: /admin is closed\n" {
			t.Fatalf("got %d %q", code, body)
		}
		if up.calls.Load() != before {
			t.Fatal("the upstream was called")
		}
	})
	t.Run("a trapping filter fails one request, Caddy serves on", func(t *testing.T) {
		for _, c := range []struct {
			path, op string
			want     int
		}{
			{"/", "panic", 500},
			{"/", "oob-body", 500},
			{"/slow/", "loop", 504},
		} {
			if code, _, _ := get(t, tc, c.path, map[string]string{"X-Op": c.op}); code != c.want {
				t.Fatalf("%s: status %d, want %d", c.op, code, c.want)
			}
			if code, body, _ := get(t, tc, c.path, nil); code != 200 {
				t.Fatalf("after %s: %d %s", c.op, code, body)
			}
		}
	})
	t.Run("metrics", func(t *testing.T) {
		resp, err := tc.Client.Get(fmt.Sprintf("http://localhost:%d/metrics", adminPort))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, want := range []string{
			`gojinn_filter_calls_total{chain="hello+probe",filter="hello",outcome="respond",phase="request"}`,
			`gojinn_filter_calls_total{chain="hello+probe",filter="probe",outcome="trap",phase="request"}`,
			`gojinn_filter_calls_total{chain="slow",filter="probe",outcome="timeout",phase="request"}`,
			`gojinn_filter_call_duration_seconds_bucket{chain="hello+probe",filter="hello",phase="request"`,
			`gojinn_filter_instances{chain="hello+probe",filter="probe",state="idle"}`,
		} {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestCaddyErrorPolicyAllow(t *testing.T) {
	up := newUpstream(t)
	tc := newTester(t)
	tc.InitServer(siteConfig(up, fmt.Sprintf(`gojinn_chain {
		filter probe %s {
			on_error allow
			%s
		}
	}`, probeWasm(t), patient)), "caddyfile")
	if code, body, _ := get(t, tc, "/", map[string]string{"X-Op": "panic"}); code != 200 {
		t.Fatalf("allow policy: %d %s", code, body)
	}
}

// TestCaddyReload reloads the config under load: every request gets an
// answer, and the unchanged module is not compiled again.
func TestCaddyReload(t *testing.T) {
	up := newUpstream(t)
	tc := newTester(t)
	hello := helloWasm(t)
	config := func(greeting string) string {
		return siteConfig(up, fmt.Sprintf(`gojinn_chain {
			filter hello %s {
				config `+"`"+`{"greeting": %q}`+"`"+`
				%s
			}
		}`, hello, greeting, patient))
	}
	tc.InitServer(config("one"), "caddyfile")
	eng, _ := sharedEngine()
	modules := eng.Modules()

	// What is tested is that every answer across the reloads is the
	// chain's, never a failure of a filter closed under a request, and
	// that the race detector sees nothing. A request that gets no answer
	// at all was lost by the transport, not the chain: Caddy closes the
	// old server's idle keep-alive connections at a reload, and the kernel
	// resets the connections queued on the old listening socket (Caddy
	// binds them with SO_REUSEPORT) when it closes. Such a request is
	// sent again, as HTTP lets a client do for a GET.
	var failures, sent, resent atomic.Int64
	var firstFailure atomic.Value
	send := func() (*http.Response, error) {
		for attempt := 1; ; attempt++ {
			resp, err := tc.Client.Get(fmt.Sprintf("http://localhost:%d/", caddyPort))
			if err != nil && attempt < 20 {
				resent.Add(1)
				continue
			}
			return resp, err
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := send()
				sent.Add(1)
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, b))
				}
			}
		}()
	}
	// The reloads start once requests are flowing (a guard against a
	// hang, not a timing assertion).
	for give := time.Now().Add(30 * time.Second); sent.Load() < 4; time.Sleep(time.Millisecond) {
		if time.Now().After(give) {
			t.Fatal("no requests were sent")
		}
	}
	for _, g := range []string{"two", "three"} {
		tc.InitServer(config(g), "caddyfile")
		if n := eng.Modules(); n != modules {
			t.Errorf("after a reload the engine holds %d compiled modules, want %d", n, modules)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d requests across two reloads, %d sent again after the transport lost them", sent.Load(), resent.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed across reloads; the first: %v", failures.Load(), sent.Load(), firstFailure.Load())
	}
	code, body, _ := get(t, tc, "/", map[string]string{"X-Name": "z"})
	var s seen
	_ = json.Unmarshal([]byte(body), &s)
	if code != 200 || strings.Join(s.Header["X-Hello"], "") != "three, z" {
		t.Fatalf("after reloads: %d %s", code, body)
	}
}

// TestBadConfigFailsLoad checks that what `caddy validate` and `caddy run`
// do with a bad config names the file and the reason.
func TestBadConfigFailsLoad(t *testing.T) {
	dir := t.TempDir()
	notWasm := filepath.Join(dir, "notwasm.wasm")
	if err := os.WriteFile(notWasm, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.wasm")
	probe := probeWasm(t)
	tests := []struct {
		name  string
		chain string
		want  []string
	}{
		{"missing module", fmt.Sprintf("gojinn_chain {\n filter f %s\n}", missing), []string{missing, "no such file"}},
		{"not wasm", fmt.Sprintf("gojinn_chain {\n filter f %s\n}", notWasm), []string{notWasm, "not a wasm module"}},
		{"refused config", fmt.Sprintf("gojinn_chain {\n filter f %s {\n config `{\"refuse\": \"no key given\"}`\n %s\n }\n}", probe, patient), []string{probe, "no key given"}},
		{"caddyfile error", "gojinn_chain {\n filter f x.wasm {\n on_error sometimes\n }\n}", []string{"Caddyfile:4", `on_error is "sometimes"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fmt.Sprintf("http://localhost:9999 {\n%s\n}\n", tt.chain)
			adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": "Caddyfile"})
			if err == nil {
				var cfg caddy.Config
				if err = json.Unmarshal(adapted, &cfg); err != nil {
					t.Fatal(err)
				}
				err = caddy.Validate(&cfg)
			}
			if err == nil {
				t.Fatal("the config was accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
