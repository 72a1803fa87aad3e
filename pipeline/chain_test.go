package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// seen is what the upstream reports of the request it got.
type seen struct {
	Method        string              `json:"method"`
	URI           string              `json:"uri"`
	Host          string              `json:"host"`
	Header        map[string][]string `json:"header"`
	BodyLen       int                 `json:"body_len"`
	BodySum       string              `json:"body_sum"`
	ContentLength int64               `json:"content_length"`
}

// upstream answers with what it received, as JSON, and counts its calls.
type upstream struct {
	mu    sync.Mutex
	calls int
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.calls++
	u.mu.Unlock()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("X-Upstream", "yes")
	_ = json.NewEncoder(w).Encode(seen{
		Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header,
		BodyLen: len(b), BodySum: checksum(b), ContentLength: r.ContentLength,
	})
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls
}

// checksum matches the probe's FNV-1a.
func checksum(b []byte) string {
	h := fnv.New32a()
	h.Write(b)
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}

type stageSpec struct {
	config   string
	onError  Policy
	timeout  time.Duration
	poolMax  int
	poolWait time.Duration
	// traceLogs turns the filter's TraceLogs on.
	traceLogs bool
}

type harness struct {
	srv      *httptest.Server
	up       *upstream
	chain    *Chain
	logs     *observer.ObservedLogs
	observed *callLog
	visited  map[string]string
	mu       sync.Mutex
}

// callLog is an Observer that records calls.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (c *callLog) FilterCall(stage int, phase Phase, outcome Outcome, _ time.Duration, _ trace.SpanContext) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("probe%d:%s:%s", stage, phase, outcome))
}

func (c *callLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// loadStages loads one probe filter per spec, closed when the test ends.
// A spec without a time limit gets patientTimeout.
func loadStages(t *testing.T, logger *zap.Logger, specs ...stageSpec) []Stage {
	t.Helper()
	var stages []Stage
	for i, s := range specs {
		if s.timeout == 0 {
			s.timeout = patientTimeout
		}
		f, err := engine(t).Load(context.Background(), filters.Config{
			Name:        "probe" + strconv.Itoa(i),
			Wasm:        guest(t, probeGuest),
			GuestConfig: []byte(s.config),
			Timeout:     s.timeout,
			PoolMax:     s.poolMax,
			PoolWait:    s.poolWait,
			Logger:      logger,
			TraceLogs:   s.traceLogs,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close(context.Background()) })
		stages = append(stages, Stage{Filter: f, OnError: s.onError})
	}
	return stages
}

func newHarness(t *testing.T, maxBody int64, specs ...stageSpec) *harness {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	logger := zap.New(core)
	stages := loadStages(t, logger, specs...)
	h := &harness{up: &upstream{}, logs: logs, observed: &callLog{}}
	h.chain = New(stages, Options{MaxBodyBytes: maxBody, Logger: logger, Observer: h.observed})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.chain.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			h.up.ServeHTTP(w, r)
			return nil
		}, func(ex *Exchange) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.visited = map[string]string{}
			ex.Vars(func(k, v string) { h.visited[k] = v })
		})
		var f *Failure
		switch {
		case errors.As(err, &f):
			writeFailure(w, r, f.Status)
		case err != nil:
			t.Errorf("Serve: %v", err)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

type result struct {
	status int
	header http.Header
	body   string
	seen   *seen // nil when the upstream did not answer
}

func (h *harness) do(t *testing.T, method, target string, body io.Reader, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if resp.Header.Get("X-Upstream") == "yes" {
		r.seen = new(seen)
		if err := json.Unmarshal(b, r.seen); err != nil {
			t.Fatalf("upstream answer %q: %v", b, err)
		}
	}
	return r
}

func op(o, arg string) map[string]string { return map[string]string{"X-Op": o, "X-Arg": arg} }

// TestRequestFunctions covers each request-phase host function through a
// real server: what the guest reads, and what the upstream then receives.
func TestRequestFunctions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0, stageSpec{})
	host := strings.TrimPrefix(h.srv.URL, "http://")
	big := strings.Repeat("v", 5000) // larger than the SDK's first buffer
	tests := []struct {
		name   string
		method string
		target string
		header map[string]string
		status int
		body   string             // the guest's answer, when it answers
		check  func(*seen) string // what the upstream saw, when it is reached
	}{
		{name: "method GET", target: "/", header: op("method", ""), body: "GET"},
		{name: "method PATCH", method: "PATCH", target: "/", header: op("method", ""), body: "PATCH"},
		{name: "set method", target: "/", header: op("set-method", "PURGE"), check: func(s *seen) string {
			return s.Method
		}, body: "PURGE"},
		{name: "set bad method", target: "/", header: op("set-method", "NO WAY"), status: 400, body: "gojinn: invalid argument"},
		{name: "uri", target: "/a/b%20c?x=1&y=%2F", header: op("uri", ""), body: "/a/b%20c?x=1&y=%2F|/a/b%20c|x=1&y=%2F"},
		{name: "uri no query", target: "/a", header: op("uri", ""), body: "/a|/a|"},
		{name: "set uri", target: "/old?q=1", header: op("set-uri", "/new/path?z=%20"), check: func(s *seen) string {
			return s.URI
		}, body: "/new/path?z=%20"},
		{name: "set uri relative", target: "/", header: op("set-uri", "no-slash"), status: 400, body: "gojinn: invalid argument"},
		{name: "proto", target: "/", header: op("proto", ""), body: "HTTP/1.1"},
		{name: "header get", target: "/", header: map[string]string{"X-Op": "header-get", "X-Arg": "x-ARG"}, body: "true|x-ARG|x-ARG"},
		{name: "header missing", target: "/", header: op("header-get", "X-Nope"), body: "false||"},
		{name: "header empty value", target: "/", header: map[string]string{"X-Op": "header-get", "X-Arg": "X-Empty", "X-Empty": ""}, body: "true||"},
		{name: "header host", target: "/", header: op("header-get", "host"), body: "true|" + host + "|" + host},
		{name: "header bad name", target: "/", header: op("header-get", "bad name"), body: "false||"},
		{name: "header larger than the guest buffer", target: "/", header: map[string]string{"X-Op": "header-len", "X-Arg": "X-Big", "X-Big": big}, body: "5000"},
		{name: "header set", target: "/", header: op("header-set", "x-new=fresh"), check: func(s *seen) string {
			return strings.Join(s.Header["X-New"], ",")
		}, body: "fresh"},
		{name: "header set replaces", target: "/", header: map[string]string{"X-Op": "header-set", "X-Arg": "X-Old=new", "X-Old": "old"}, check: func(s *seen) string {
			return strings.Join(s.Header["X-Old"], ",")
		}, body: "new"},
		{name: "header add", target: "/", header: map[string]string{"X-Op": "header-add", "X-Arg": "X-Old=two", "X-Old": "one"}, check: func(s *seen) string {
			return strings.Join(s.Header["X-Old"], ",")
		}, body: "one,two"},
		{name: "header set host", target: "/", header: op("header-set", "Host=internal.example"), check: func(s *seen) string {
			return s.Host
		}, body: "internal.example"},
		{name: "header set content-length", target: "/", header: op("header-set", "Content-Length=5"), status: 400, body: "gojinn: invalid argument"},
		{name: "header set bad name", target: "/", header: op("header-set", "a b=c"), status: 400, body: "gojinn: invalid argument"},
		{name: "header set over limit", target: "/", header: op("header-set-big", strconv.Itoa(hostabi.MaxHeaderValueLen+1)), body: "gojinn: over the host's limit"},
		{name: "header set at limit", target: "/", header: op("header-set-big", strconv.Itoa(hostabi.MaxHeaderValueLen)), body: "ok"},
		{name: "header remove", target: "/", header: map[string]string{"X-Op": "header-remove", "X-Arg": "x-gone", "X-Gone": "1"}, check: func(s *seen) string {
			return fmt.Sprint(len(s.Header["X-Gone"]))
		}, body: "0"},
		{name: "header remove missing", target: "/", header: op("header-remove", "X-Never"), check: func(s *seen) string { return "reached" }, body: "reached"},
		{name: "status out of range", target: "/", header: op("status-bad", ""), body: "gojinn: invalid argument"},
		{name: "config", target: "/", header: op("config", ""), body: ""},
		{name: "unknown kind", target: "/", header: op("bad-kind", ""), body: "-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := h.do(t, method, tt.target, nil, tt.header)
			if tt.check != nil {
				if r.seen == nil {
					t.Fatalf("upstream not reached: %d %q", r.status, r.body)
				}
				if got := tt.check(r.seen); got != tt.body {
					t.Fatalf("upstream saw %q, want %q", got, tt.body)
				}
				return
			}
			want := tt.status
			if want == 0 {
				want = 200
			}
			if r.seen != nil || r.status != want || r.body != tt.body {
				t.Fatalf("got %d %q (upstream reached: %v), want %d %q", r.status, r.body, r.seen != nil, want, tt.body)
			}
		})
	}
	t.Run("client address", func(t *testing.T) {
		r := h.do(t, http.MethodGet, "/", nil, op("client", ""))
		if !strings.HasPrefix(r.body, "127.0.0.1:") {
			t.Fatalf("client = %q", r.body)
		}
	})
	t.Run("header names", func(t *testing.T) {
		r := h.do(t, http.MethodGet, "/", nil, map[string]string{"X-Op": "header-names", "x-lower": "1"})
		want := "Accept-Encoding,Host,User-Agent,X-Lower,X-Op"
		if r.body != want {
			t.Fatalf("names = %q, want %q", r.body, want)
		}
	})
}

func TestMultiValueHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0, stageSpec{})
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/", nil)
	req.Header.Set("X-Op", "header-get")
	req.Header.Set("X-Arg", "X-Multi")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "")
	req.Header.Add("X-Multi", "c, d")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if want := "true|a|a,,c, d"; string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	h := newHarness(t, limit, stageSpec{})
	peek := newHarness(t, limit, stageSpec{config: `{"op":"body-peek"}`})
	for _, n := range []int{0, 1, 4096, limit, limit + 1} {
		body := strings.Repeat("x", n)
		sum := checksum([]byte(body))
		t.Run(fmt.Sprintf("read %d", n), func(t *testing.T) {
			r := h.do(t, http.MethodPost, "/", strings.NewReader(body), op("body", ""))
			want := fmt.Sprintf("len=%d sum=%s", n, sum)
			if n > limit {
				want = "error: gojinn: over the host's limit"
			}
			if r.body != want {
				t.Fatalf("guest read %q, want %q", r.body, want)
			}
		})
		t.Run(fmt.Sprintf("peek then upstream %d", n), func(t *testing.T) {
			r := peek.do(t, http.MethodPost, "/", strings.NewReader(body), nil)
			if r.seen == nil {
				t.Fatalf("upstream not reached: %d %q", r.status, r.body)
			}
			if r.seen.BodyLen != n || r.seen.BodySum != sum {
				t.Fatalf("upstream got %d bytes (sum %s), want %d (sum %s)", r.seen.BodyLen, r.seen.BodySum, n, sum)
			}
			wantErr := "ok"
			if n > limit {
				wantErr = "gojinn: over the host's limit"
			}
			if got := r.seen.Header["X-Body-Err"]; len(got) != 1 || got[0] != wantErr {
				t.Fatalf("X-Body-Err = %q, want %q", got, wantErr)
			}
		})
	}
	t.Run("chunked body gets a length", func(t *testing.T) {
		// io.MultiReader hides the length, so the client sends chunks.
		body := io.MultiReader(strings.NewReader("abc"), strings.NewReader("def"))
		r := peek.do(t, http.MethodPost, "/", body, nil)
		if r.seen == nil || r.seen.BodyLen != 6 || r.seen.ContentLength != 6 {
			t.Fatalf("upstream saw %+v", r.seen)
		}
	})
	t.Run("chunked body over the limit passes whole", func(t *testing.T) {
		big := strings.Repeat("y", limit+10)
		body := io.MultiReader(strings.NewReader(big[:10]), strings.NewReader(big[10:]))
		r := peek.do(t, http.MethodPost, "/", body, nil)
		if r.seen == nil || r.seen.BodyLen != len(big) || r.seen.BodySum != checksum([]byte(big)) {
			t.Fatalf("upstream saw %+v", r.seen)
		}
	})
	t.Run("replace", func(t *testing.T) {
		r := h.do(t, http.MethodPost, "/", strings.NewReader("original body"), op("body-write", "replaced"))
		if r.body != "ok" {
			t.Fatalf("guest said %q", r.body)
		}
		w := newHarness(t, limit, stageSpec{config: `{"op":"body-write","arg":"4096"}`})
		r = w.do(t, http.MethodPost, "/", strings.NewReader("original body"), nil)
		if r.seen == nil || r.seen.BodyLen != 4096 || r.seen.ContentLength != 4096 {
			t.Fatalf("upstream saw %+v", r.seen)
		}
	})
	t.Run("replace over the limit", func(t *testing.T) {
		r := h.do(t, http.MethodPost, "/", nil, op("body-write", strconv.Itoa(limit+1)))
		if r.body != "error: gojinn: over the host's limit" {
			t.Fatalf("guest said %q", r.body)
		}
	})
}

func TestVariablesPassBetweenFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0,
		stageSpec{config: `{"op":"var-set","arg":"user.id=42"}`},
		stageSpec{config: `{"op":"var-get","arg":"user.id"}`},
	)
	r := h.do(t, http.MethodGet, "/", nil, nil)
	if r.body != "true|42" {
		t.Fatalf("second filter read %q, want true|42", r.body)
	}
	h = newHarness(t, 0, stageSpec{config: `{"op":"var-set","arg":"user.id=42"}`}, stageSpec{})
	if r := h.do(t, http.MethodGet, "/", nil, nil); r.seen == nil {
		t.Fatal("upstream not reached")
	}
	h.mu.Lock()
	got := h.visited["user.id"]
	h.mu.Unlock()
	if got != "42" {
		t.Fatalf("host saw user.id = %q, want 42", got)
	}
	h = newHarness(t, 0,
		stageSpec{config: `{"op":"var-set","arg":"waf.request_id=abc"}`},
		stageSpec{config: `{"op":"respond","arg":"403"}`},
	)
	if r := h.do(t, http.MethodGet, "/", nil, nil); r.status != 403 {
		t.Fatalf("status %d", r.status)
	}
	h.mu.Lock()
	got = h.visited["waf.request_id"]
	h.mu.Unlock()
	if got != "abc" {
		t.Fatalf("host saw waf.request_id = %q on an answered request, want abc", got)
	}
	h = newHarness(t, 0, stageSpec{config: `{"op":"var-get","arg":"never.set"}`})
	if r := h.do(t, http.MethodGet, "/", nil, nil); r.body != "false|" {
		t.Fatalf("missing var: %q", r.body)
	}
	h = newHarness(t, 0, stageSpec{config: fmt.Sprintf(`{"op":"var-many","arg":"%d"}`, hostabi.MaxVars+1)})
	want := fmt.Sprintf("error at %d: gojinn: over the host's limit", hostabi.MaxVars)
	if r := h.do(t, http.MethodGet, "/", nil, nil); r.body != want {
		t.Fatalf("too many vars: %q, want %q", r.body, want)
	}
}

func TestOrderAndShortCircuit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0,
		stageSpec{config: `{"tag":"a"}`},
		stageSpec{config: `{"tag":"b"}`},
		stageSpec{config: `{"tag":"c"}`},
	)
	r := h.do(t, http.MethodGet, "/", nil, nil)
	if r.seen == nil || strings.Join(r.seen.Header["X-Tags"], ",") != "a,b,c" {
		t.Fatalf("upstream saw %+v", r.seen)
	}
	h = newHarness(t, 0,
		stageSpec{config: `{"op":"respond","arg":"418"}`},
		stageSpec{config: `{"tag":"never"}`},
	)
	r = h.do(t, http.MethodGet, "/", nil, nil)
	if r.status != 418 || r.body != "answered by probe\n" || r.seen != nil {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if r.header.Get("X-From") != "probe" || len(r.header.Values("Set-Cookie")) != 2 || r.header.Get("Content-Length") != "18" {
		t.Fatalf("headers %v", r.header)
	}
	if h.up.count() != 0 {
		t.Fatal("upstream was called after a short-circuit")
	}
	if calls := h.observed.list(); len(calls) != 1 || calls[0] != "probe0:request:respond" {
		t.Fatalf("calls = %q, want only probe0's", calls)
	}
	r = h.do(t, http.MethodHead, "/", nil, nil)
	if r.status != 418 || r.body != "" {
		t.Fatalf("HEAD: %d %q", r.status, r.body)
	}
}

func TestErrorPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spec    stageSpec
		header  map[string]string
		status  int
		body    string
		outcome Outcome
	}{
		{"trap blocks", stageSpec{}, op("panic", ""), 500, "filter error\n", OutcomeTrap},
		{"timeout blocks", stageSpec{timeout: loopTimeout}, op("loop", ""), 504, "filter timed out\n", OutcomeTimeout},
		{"bad action blocks", stageSpec{}, op("bad-action", ""), 500, "filter error\n", OutcomeAction},
		{"bad pointer blocks", stageSpec{}, op("oob-header", ""), 500, "filter error\n", OutcomeTrap},
		{"trap allowed", stageSpec{onError: Allow}, op("panic", ""), 200, "", OutcomeTrap},
		{"timeout allowed", stageSpec{onError: Allow, timeout: loopTimeout}, op("loop", ""), 200, "", OutcomeTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, 0, tt.spec)
			r := h.do(t, http.MethodGet, "/", nil, tt.header)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%q)", r.status, tt.status, r.body)
			}
			if tt.status == 200 {
				if r.seen == nil {
					t.Fatal("allow policy did not reach the upstream")
				}
				if h.logs.FilterMessageSnippet("skipped by its on_error allow policy").Len() != 1 {
					t.Fatal("the skipped failure was not logged")
				}
			} else if r.body != tt.body || r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Fatalf("body %q, content type %q", r.body, r.header.Get("Content-Type"))
			}
			if calls := h.observed.list(); len(calls) != 1 || calls[0] != "probe0:request:"+tt.outcome.String() {
				t.Fatalf("observed %q, want outcome %s", calls, tt.outcome)
			}
			// The filter serves the next request on a fresh instance.
			if r := h.do(t, http.MethodGet, "/", nil, nil); r.seen == nil {
				t.Fatalf("after the fault: %d %q", r.status, r.body)
			}
		})
	}
}

// TestBusyAnswers503: the one instance is held by a request whose guest
// reads a body the client has not sent yet, so it stays busy until the
// test sends it, however slow the machine; meanwhile another request
// waits pool_wait and gets 503.
func TestBusyAnswers503(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0, stageSpec{poolMax: 1, poolWait: 20 * time.Millisecond})
	f := h.chain.stages[0].Filter
	body, send := io.Pipe()
	type answer struct {
		status int
		body   string
		err    error
	}
	held := make(chan answer, 1)
	go func() {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/", body)
		if err != nil {
			held <- answer{err: err}
			return
		}
		req.Header.Set("X-Op", "body")
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			held <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		held <- answer{resp.StatusCode, string(b), err}
	}()
	// A guard against a hang, not a timing assertion.
	for give := time.Now().Add(30 * time.Second); f.Stats().Busy == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(give) {
			t.Fatal("the held request never took the instance")
		}
	}
	r := h.do(t, http.MethodGet, "/", nil, nil)
	if r.status != 503 || r.body != "filter busy, try again\n" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if _, err := io.WriteString(send, "abc"); err != nil {
		t.Fatal(err)
	}
	send.Close()
	a := <-held
	if a.err != nil || a.status != 200 || a.body != "len=3 sum="+checksum([]byte("abc")) {
		t.Fatalf("held request: %d %q %v", a.status, a.body, a.err)
	}
}

func TestGuestLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0, stageSpec{})
	r := h.do(t, http.MethodGet, "/", nil, op("log", "hi"))
	if r.body != "true" {
		t.Fatalf("log_enabled(debug) = %q with a debug logger", r.body)
	}
	entries := h.logs.FilterMessage("probe says hi").All()
	if len(entries) != 1 || entries[0].ContextMap()["filter"] != "probe0" || entries[0].Level != zap.WarnLevel {
		t.Fatalf("log entries %+v", entries)
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want int
	}{
		{&filters.CallError{Kind: filters.ErrTrap}, 500},
		{&filters.CallError{Kind: filters.ErrMemoryLimit}, 500},
		{&filters.CallError{Kind: filters.ErrBadAction}, 500},
		{&filters.CallError{Kind: filters.ErrBusy}, 503},
		{&filters.CallError{Kind: filters.ErrClosed}, 503},
		{&filters.CallError{Kind: filters.ErrTimeout}, 504},
		{errors.New("other"), 500},
	} {
		if got := statusFor(tt.err); got != tt.want {
			t.Errorf("statusFor(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestAppendFunctions holds the SDK's Append functions (a filter's
// zero-allocation reads) to the functions that allocate, on a header
// longer than the SDK's scratch buffer, a header with two values, and
// bodies under and over the limit.
func TestAppendFunctions(t *testing.T) {
	t.Parallel()
	const limit = 8 << 10
	h := newHarness(t, limit, stageSpec{})
	for _, n := range []int{0, 100, limit, limit + 1} {
		t.Run(fmt.Sprintf("body %d", n), func(t *testing.T) {
			hdr := op("append", "X-Long")
			hdr["X-Long"] = strings.Repeat("v", 5000)
			r := h.do(t, http.MethodPost, "/p?q=1", strings.NewReader(strings.Repeat("b", n)), hdr)
			if r.body != "ok" {
				t.Fatal(r.body)
			}
		})
	}
}
