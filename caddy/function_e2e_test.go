package gojinn

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// functionEcho is what the function probe's "echo" answers.
type functionEcho struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	Args    []string            `json:"args"`
	Env     map[string]string   `json:"env"`
}

// logFile is a Caddy log written as JSON lines, for tests that check what
// was logged.
type logFile string

func newLogFile(t *testing.T) logFile {
	return logFile(filepath.Join(t.TempDir(), "caddy.log"))
}

func (l logFile) globalOption() string {
	return fmt.Sprintf("log {\n\t\toutput file %s\n\t\tformat json\n\t}", l)
}

func (l logFile) read(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(string(l))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stranglerConfig is the strangler fig: /api/v2/* served by a function,
// everything else still proxied to the legacy upstream.
func stranglerConfig(logs logFile, up *upstream, name, wasm string) string {
	return fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	metrics
	%s
}
http://localhost:%d {
	handle /api/v2/* {
		gojinn %s {
			name %s
			timeout 1s
			memory_limit 32MiB
			env GREETING "hello there"
			env SECRET {env.GOJINN_TEST_SECRET}
			args --mode fast
			pool_size 2
			max_body 1KiB
			max_output 64KiB
		}
	}
	handle {
		reverse_proxy %s
	}
}
`, adminPort, caddyPort, logs.globalOption(), caddyPort, wasm, name, strings.TrimPrefix(up.URL, "http://"))
}

func do(t *testing.T, client *http.Client, method, path string, header map[string]string, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, fmt.Sprintf("http://localhost:%d%s", caddyPort, path), strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestCaddyFunction runs a function written to the original Gojinn's
// contract, in its command form (a plain go build) and its reactor form
// (the Go SDK), with the original's Caddyfile: it answers with its
// environment and arguments, every violation of the contract answers its
// status with the broken rule in Caddy's log, and Caddy serves on.
func TestCaddyFunction(t *testing.T) {
	const secret = "s3cret-value-never-logged"
	t.Setenv("GOJINN_TEST_SECRET", secret)
	for _, form := range []struct{ name, wasm string }{{"command", fnCommandWasm(t)}, {"reactor", fnReactorWasm(t)}} {
		t.Run(form.name, func(t *testing.T) {
			up := newUpstream(t)
			logs := newLogFile(t)
			tc := newTester(t)
			name := "probe-" + form.name
			tc.InitServer(stranglerConfig(logs, up, name, form.wasm), "caddyfile")

			code, body, header := do(t, tc.Client, http.MethodPost, "/api/v2/contact?id=123",
				map[string]string{"Content-Type": "application/json"}, `{"user": "john"}`)
			if code != 200 || header.Get("Content-Type") != "application/json" {
				t.Fatalf("echo: %d %v %s", code, header, body)
			}
			var got functionEcho
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if got.Method != "POST" || got.URI != "/api/v2/contact?id=123" || got.Body != `{"user": "john"}` ||
				strings.Join(got.Headers["Content-Type"], ",") != "application/json" {
				t.Errorf("the function got %+v", got)
			}
			if strings.Join(got.Args, " ") != "--mode fast" || got.Env["GREETING"] != "hello there" || got.Env["SECRET"] != secret {
				t.Errorf("args %q, env %v", got.Args, got.Env)
			}
			before := up.calls.Load()
			if code, body, _ := do(t, tc.Client, http.MethodGet, "/api/v1/contact", nil, ""); code != 200 || up.calls.Load() != before+1 ||
				!strings.Contains(body, `"path":"/api/v1/contact"`) {
				t.Fatalf("the legacy route: %d %s", code, body)
			}

			for _, tt := range []struct {
				name, op, arg, body string
				status              int
				reason              string
			}{
				{"string status", "string-status", "", "", 502, `status is a string (\"200\"), want an integer`},
				{"non-array headers", "non-array-headers", "", "", 502, "header Content-Type is a string, want an array of strings"},
				{"stray debug line", "debug-line", "", "", 502, `not a JSON object: it starts with \"debug: handling /api/v2/x\"`},
				{"trailing output", "trailing", "", "", 502, "the output goes on after its JSON object"},
				{"exit with an error", "exit", "", "", 502, "the function exited with code 3"},
				{"trap", "trap", "", "", 502, "the function trapped: wasm error: out of bounds memory access"},
				{"panic", "panic", "", "", 502, "panic: probe panics on purpose"},
				{"time-out", "loop", "", "", 504, "the function ran past its timeout of 1s"},
				{"memory limit", "alloc", "", "", 502, "the function hit its memory limit of 33554432 bytes"},
				{"stdout over its limit", "big-stdout", "1000000", "", 502, "the function wrote more than its limit of 65536 bytes on stdout"},
				{"body over max_body", "body-length", "", strings.Repeat("b", 1025), 413, "request body over the function's limit"},
			} {
				code, body, _ := do(t, tc.Client, http.MethodPost, "/api/v2/x", map[string]string{"X-Op": tt.op, "X-Arg": tt.arg}, tt.body)
				if code != tt.status {
					t.Errorf("%s: %d %q, want %d", tt.name, code, body, tt.status)
				}
				if strings.Contains(body, "function") {
					t.Errorf("%s: the client was told %q", tt.name, body)
				}
				if l := logs.read(t); !strings.Contains(l, tt.reason) {
					t.Errorf("%s: the log does not say %q", tt.name, tt.reason)
				}
				if code, body, _ := do(t, tc.Client, http.MethodGet, "/api/v2/after", map[string]string{"X-Op": "status", "X-Arg": "201"}, ""); code != 201 {
					t.Fatalf("after %s: %d %q", tt.name, code, body)
				}
			}
			if l := logs.read(t); strings.Contains(l, secret) {
				t.Error("the secret is in the log")
			}

			// Every request counted by its outcome: the echo and the
			// request after each violation answered by the function
			// (ok); a panic is an exit or a trap depending on how the
			// guest's runtime dies, so those two are counted together.
			count := func(outcome string) float64 {
				v, _ := metricValue(t, tc, fmt.Sprintf(`gojinn_function_requests_total{function=%q,outcome=%q}`, name, outcome))
				return v
			}
			for outcome, want := range map[string]float64{
				"ok": 12, "contract": 4, "timeout": 1, "memory_limit": 1, "output_too_large": 1, "body_too_large": 1,
			} {
				if got := count(outcome); got != want {
					t.Errorf("%s: %v requests, want %v", outcome, got, want)
				}
			}
			if got := count("exit") + count("trap"); got != 3 {
				t.Errorf("exit and trap: %v requests, want 3", got)
			}
			if got, _ := metricValue(t, tc, fmt.Sprintf(`gojinn_function_request_duration_seconds_count{function=%q}`, name)); got != 23 {
				t.Errorf("%v durations observed, want 23", got)
			}
			if _, ok := metricValue(t, tc, fmt.Sprintf(`gojinn_function_instances{function=%q,state="busy"}`, name)); !ok {
				t.Error("no instance gauge")
			}
		})
	}
}

// TestCaddyFunctionAfterChain: a function is the last stage after a
// gojinn_chain, with no order line: the chain's filter answers some
// requests itself and sets a header on the others, which the function
// sees.
func TestCaddyFunctionAfterChain(t *testing.T) {
	tc := newTester(t)
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
}
http://localhost:%d {
	gojinn %s
	gojinn_chain {
		filter hello %s {
			config `+"`"+`{"greeting": "hi", "deny_prefix": "/admin"}`+"`"+`
			timeout 1m
		}
	}
}
`, adminPort, caddyPort, caddyPort, fnReactorWasm(t), helloWasm(t)), "caddyfile")
	if code, body, _ := do(t, tc.Client, http.MethodGet, "/admin/users", nil, ""); code != 403 || body != "hello filter: /admin is closed\n" {
		t.Fatalf("the chain's answer: %d %q", code, body)
	}
	code, body, _ := do(t, tc.Client, http.MethodGet, "/users", map[string]string{"X-Name": "ada"}, "")
	var got functionEcho
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if strings.Join(got.Headers["X-Hello"], ",") != "hi, ada" {
		t.Fatalf("the function got headers %v", got.Headers)
	}
}

// TestCaddyFunctionDirectives: the directive straight in a site, as the
// only handler with an absolute path (one argument is the module, though
// it starts with "/"), and with a matcher before reverse_proxy, with no
// order line.
func TestCaddyFunctionDirectives(t *testing.T) {
	if !filepath.IsAbs(fnCommandWasm(t)) {
		t.Fatalf("the test wants an absolute module path, has %s", fnCommandWasm(t))
	}
	up := newUpstream(t)
	tc := newTester(t)
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
}
http://localhost:%d {
	reverse_proxy %s
	gojinn /api/* %s
}
`, adminPort, caddyPort, caddyPort, strings.TrimPrefix(up.URL, "http://"), fnCommandWasm(t)), "caddyfile")
	if code, body, _ := do(t, tc.Client, http.MethodGet, "/api/x", map[string]string{"X-Op": "status", "X-Arg": "202"}, ""); code != 202 {
		t.Fatalf("the function's path: %d %s", code, body)
	}
	if code, body, _ := do(t, tc.Client, http.MethodGet, "/other", nil, ""); code != 200 || up.calls.Load() != 1 {
		t.Fatalf("the proxied path: %d %s", code, body)
	}
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
}
http://localhost:%d {
	gojinn %s
}
`, adminPort, caddyPort, caddyPort, fnCommandWasm(t)), "caddyfile")
	if code, body, _ := do(t, tc.Client, http.MethodGet, "/anything", map[string]string{"X-Op": "status", "X-Arg": "203"}, ""); code != 203 {
		t.Fatalf("a site of one function: %d %s", code, body)
	}
}

// TestFunctionBadConfigFailsLoad: what `caddy validate` and `caddy run`
// say of a bad gojinn directive: the file and line, or the module and the
// reason.
func TestFunctionBadConfigFailsLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.wasm")
	tests := []struct {
		name      string
		directive string
		want      []string
	}{
		{"no module", "gojinn", []string{"Caddyfile:2", "gojinn wants the function's module"}},
		{"two paths", "gojinn a.wasm b.wasm", []string{`"a.wasm" is not a matcher`}},
		{"an unknown option", "gojinn fn.wasm {\n bogus 1\n}", []string{"Caddyfile:3", `unknown gojinn option "bogus"`}},
		{"env without a value", "gojinn fn.wasm {\n env KEY\n}", []string{"env wants a name and a value"}},
		{"env twice", "gojinn fn.wasm {\n env KEY 1\n env KEY 2\n}", []string{"env KEY is set twice"}},
		{"a bad size", "gojinn fn.wasm {\n memory_limit lots\n}", []string{"memory_limit"}},
		{"a bad pool", "gojinn fn.wasm {\n pool_size 0\n}", []string{"pool_size wants a number of instances"}},
		{"a missing module", "gojinn " + missing, []string{missing, "no such file"}},
		{"a filter", "gojinn " + probeWasm(t), []string{probeWasm(t), "is a filter, for gojinn_chain"}},
		{"an unknown placeholder", "gojinn " + fnCommandWasm(t) + " {\n env SECRET {nosuch.placeholder}\n}",
			[]string{"env SECRET", "unrecognized placeholder {nosuch.placeholder}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fmt.Sprintf("http://localhost:9999 {\n%s\n}\n", tt.directive)
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
