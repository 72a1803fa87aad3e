package httpwasm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// These tests run the probe guest (testdata/probe, built against the
// http-wasm ABI alone) in a chain, as Caddy runs one, in front of a route
// that echoes what it was sent.

func loadProbe(t *testing.T, name, config string, poolMax int) *filters.Filter {
	t.Helper()
	return filtertest.Load(t, filters.Config{Name: name, Wasm: filtertest.Build(t, "testdata/probe"),
		GuestConfig: []byte(config), PoolMax: poolMax})
}

// route echoes the request it got in X-Next-* response headers and its
// body, with status 202 and an X-Route header; calls counts its calls.
type route struct{ calls atomic.Int64 }

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.calls.Add(1)
	h := w.Header()
	h.Set("X-Next-Method", r.Method)
	h.Set("X-Next-URI", r.RequestURI)
	for k, vs := range r.Header {
		h["X-Next-"+k] = vs
	}
	body, _ := io.ReadAll(r.Body)
	h.Set("X-Route", "r")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, "route body:"+string(body))
}

// serve sends one request through chain to rt and returns the response
// and the chain's error.
func serve(chain *pipeline.Chain, rt http.Handler, req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	next := func(w http.ResponseWriter, r *http.Request) error {
		rt.ServeHTTP(w, r)
		return nil
	}
	err := chain.Serve(rec, req, next, nil)
	return rec.Result(), err
}

func probeRequest(method, target, probe, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Header.Set("X-Probe", probe)
	return req
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRequestSide(t *testing.T) {
	f := loadProbe(t, "probe", "buffer_request", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	rt := &route{}
	req := probeRequest(http.MethodGet, "/start?x=1", "request", "")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("X-Remove", "gone")
	resp, err := serve(chain, rt, req)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	for _, c := range []struct{ name, want string }{
		{"X-Next-Method", "PATCH"},
		{"X-Next-URI", "/rewritten?q=a%26b"},
		{"X-Next-X-Got-Method", "GET"},
		{"X-Next-X-Got-Uri", "/start?x=1"},
		{"X-Next-X-Got-Proto", "HTTP/1.1"},
		{"X-Next-X-Got-Addr", req.RemoteAddr},
		{"X-Next-X-Got-Names", "host,x-multi,x-probe,x-remove"},
		{"X-Next-X-Got-Multi", "a,b"},
		{"X-Next-X-Got-Absent", "0"},
		{"X-Next-X-Got-Config", "buffer_request"},
		{"X-Next-X-Got-Features", "1"},
		{"X-Next-X-Added", "one"},
		{"X-Next-X-Remove", ""},
	} {
		if got := h.Get(c.name); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if got := h.Values("X-Next-X-Added"); len(got) != 2 || got[1] != "two" {
		t.Errorf("X-Added reached the route as %q, want [one two]", got)
	}
}

func TestRequestBody(t *testing.T) {
	// Without buffer_request at start-up: handle_request reads the body on
	// demand and the route still gets the one it wrote.
	for _, config := range []string{"", "buffer_request"} {
		t.Run("config="+config, func(t *testing.T) {
			f := loadProbe(t, "probe", config, 0)
			chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
			resp, err := serve(chain, &route{}, probeRequest(http.MethodPost, "/", "body", "a body longer than a chunk of seven"))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := bodyOf(t, resp), "route body:<a body longer than a chunk of seven>"; got != want {
				t.Fatalf("body = %q, want %q", got, want)
			}
		})
	}
}

func TestBodyInPieces(t *testing.T) {
	f := loadProbe(t, "probe", "", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	resp, err := serve(chain, &route{}, probeRequest(http.MethodPost, "/", "pieces", "replaced"))
	if err != nil {
		t.Fatal(err)
	}
	want := "route body:" + strings.Repeat("0123456789", 100*300)
	if got := bodyOf(t, resp); got != want || resp.Header.Get("X-Next-X-Readback-Len") != "300000" {
		t.Fatalf("route got %d bytes (want %d), read back %s", len(got), len(want), resp.Header.Get("X-Next-X-Readback-Len"))
	}
	// Over the chain's limit (1 MiB by default), the call fails.
	_, err = serve(chain, &route{}, probeRequest(http.MethodPost, "/", "too-big", "replaced"))
	if !errors.Is(err, httpwasm.ErrTooLarge) {
		t.Fatalf("err = %v, want it to wrap ErrTooLarge", err)
	}
}

func TestAnswers(t *testing.T) {
	f := loadProbe(t, "probe", "", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	tests := []struct {
		probe, body, header string
		status              int
	}{
		// A response written in handle_request is the guest's answer, and
		// the route is skipped even though it returned next=1.
		{"answer", "short-circuit", "yes", http.StatusTeapot},
		// next=0 without a response: the default empty 200.
		{"empty-answer", "", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.probe, func(t *testing.T) {
			rt := &route{}
			resp, err := serve(chain, rt, probeRequest(http.MethodGet, "/", tt.probe, ""))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || bodyOf(t, resp) != tt.body || resp.Header.Get("X-Answer") != tt.header {
				t.Fatalf("got %d %q %v, want %d %q", resp.StatusCode, bodyOf(t, resp), resp.Header, tt.status, tt.body)
			}
			if n := rt.calls.Load(); n != 0 {
				t.Fatalf("the route ran %d times after the guest answered", n)
			}
		})
	}
}

func TestResponseHeaderBeforeNext(t *testing.T) {
	f := loadProbe(t, "probe", "", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	resp, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "early-header", ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Early") != "1" || resp.Header.Get("X-Route") != "r" {
		t.Fatalf("got %d %v, want the route's response with X-Early", resp.StatusCode, resp.Header)
	}
}

func TestFeatures(t *testing.T) {
	// Per request, buffer_request is granted; trailers never are.
	f := loadProbe(t, "probe", "", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	resp, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "features", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("X-Next-X-Got-Features"); got != "1" {
		t.Fatalf("enable_features(buffer_request|trailers) in handle_request = %s, want 1", got)
	}
	if f := loadProbe(t, "trailers", "trailers,buffer_response", 0); f.Features() != 3 {
		// FeatureResponse (handle_response) | FeatureResponseBody.
		t.Fatalf("features %b at start-up with trailers asked for, want 11", f.Features())
	}
}

func TestResponseSide(t *testing.T) {
	tests := []struct {
		config, body string
		status       int
	}{
		// Buffered: handle_response reads and rewrites the body and status.
		{"buffer_response", "ROUTE BODY:!", http.StatusCreated},
		// Not buffered: the headers can still change (the hook runs
		// before they go out), the body streams as the route wrote it.
		{"", "route body:", http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run("config="+tt.config, func(t *testing.T) {
			f := loadProbe(t, "probe", tt.config, 1)
			chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
			for i := range 3 {
				resp, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "response", ""))
				if err != nil {
					t.Fatal(err)
				}
				h := resp.Header
				if h.Get("X-Same-Instance") != "yes" || h.Get("X-Is-Error") != "0" || h.Get("X-Route-Status") != "202" ||
					h.Get("X-Route-Header") != "r" {
					t.Fatalf("request %d: handle_response reported %v", i, h)
				}
				if got := bodyOf(t, resp); resp.StatusCode != tt.status || got != tt.body {
					t.Fatalf("request %d: %d %q, want %d %q", i, resp.StatusCode, got, tt.status, tt.body)
				}
			}
			if s := f.Stats(); s.Busy != 0 || s.Live != 1 {
				t.Fatalf("stats %+v: want the one instance idle", s)
			}
		})
	}
}

func TestHTTPWasmTraps(t *testing.T) {
	oob := []string{"get_config", "log", "get_method", "set_method", "get_uri", "set_uri", "get_protocol_version",
		"get_source_addr", "get_header_names", "get_header_values", "get_header_values/buf", "set_header_value",
		"add_header_value", "remove_header", "read_body", "write_body"}
	type trapCase struct {
		probe string
		want  error
	}
	tests := []trapCase{
		{"next7", filters.ErrBadAction},
		{"trailers", httpwasm.ErrTrailers},
		{"invalid-header", httpwasm.ErrInvalid},
		{"invalid-status", httpwasm.ErrInvalid},
		{"late-method", httpwasm.ErrAfterNext},
		{"response-trap", filters.ErrTrap},
	}
	for _, fn := range oob {
		tests = append(tests, trapCase{"oob:" + fn, host.ErrGuestPointer})
	}
	// One instance at most: each trap must leave it closed, and the next
	// request gets a new one.
	f := loadProbe(t, "probe", "buffer_response", 1)
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	made := func() int64 { s := f.Stats(); return s.Fresh + s.Restored }
	if _, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "response", "")); err != nil {
		t.Fatal(err) // the pool's one instance, which the first trap closes
	}
	for _, tt := range tests {
		t.Run(tt.probe, func(t *testing.T) {
			before := made()
			resp, err := serve(chain, &route{}, probeRequest(http.MethodPost, "/", tt.probe, "body"))
			var failure *pipeline.Failure
			if !errors.As(err, &failure) || failure.Status != http.StatusInternalServerError {
				t.Fatalf("err = %v (status %d), want a 500 failure", err, resp.StatusCode)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.want)
			}
			if s := f.Stats(); s.Live != 0 || s.Busy != 0 {
				t.Fatalf("after the trap: stats %+v, want the instance closed", s)
			}
			resp, err = serve(chain, &route{}, probeRequest(http.MethodGet, "/", "response", ""))
			if err != nil || resp.Header.Get("X-Same-Instance") != "yes" {
				t.Fatalf("after the trap: err %v, headers %v", err, resp.Header)
			}
			if got := made() - before; got != 1 {
				t.Fatalf("%d instances made for the request after the trap, want 1", got)
			}
		})
	}
}

// TestHTTPWasmHeldInstanceReleased: an instance held for handle_response goes back
// to the pool when the response phase never comes (a later filter
// answered), so a pool of one serves the next request.
func TestHTTPWasmHeldInstanceReleased(t *testing.T) {
	holder := loadProbe(t, "holder", "", 1)
	answerer := loadProbe(t, "answerer", "op=answer", 1)
	chain := pipeline.New([]pipeline.Stage{{Filter: holder}, {Filter: answerer}}, pipeline.Options{})
	for i := range 3 {
		resp, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "response", ""))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Same-Instance") != "" {
			t.Fatalf("request %d: %d %v, want the answerer's 418 without the holder's response phase", i,
				resp.StatusCode, resp.Header)
		}
		if s := holder.Stats(); s.Busy != 0 || s.Live != 1 {
			t.Fatalf("request %d: holder stats %+v, want its instance back in the pool", i, s)
		}
	}
}

// TestHTTPWasmCloseWhileHeld: a filter closed (a reload) while one of its
// instances is held across a slow route leaves no instance behind once
// the request ends.
func TestHTTPWasmCloseWhileHeld(t *testing.T) {
	e := filtertest.Engine(t)
	f, err := e.Load(context.Background(), filters.Config{Name: "probe", Wasm: filtertest.Build(t, "testdata/probe"),
		Timeout: filtertest.PatientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.WriteHeader(http.StatusAccepted)
	})
	done := make(chan *http.Response, 1)
	go func() {
		resp, _ := serve(chain, slow, probeRequest(http.MethodGet, "/", "response", ""))
		done <- resp
	}()
	<-entered
	if s := f.Stats(); s.Busy != 1 || s.Live != 1 {
		t.Fatalf("while the route runs: stats %+v, want the instance held", s)
	}
	f.Close(context.Background())
	close(release)
	resp := <-done
	if resp.Header.Get("X-Same-Instance") != "yes" {
		t.Fatalf("handle_response did not run on the held instance: %v", resp.Header)
	}
	if s := f.Stats(); s.Live != 0 || s.Busy != 0 {
		t.Fatalf("after close: stats %+v, want no instance left", s)
	}
}

// TestMixedChain: a Gojinn filter and an http-wasm one in one chain, over
// the same exchange.
func TestMixedChain(t *testing.T) {
	gojinn := filtertest.Load(t, filters.Config{Name: "secheaders", Wasm: filtertest.Build(t, "../../filters-examples/secheaders")})
	hw := loadProbe(t, "probe", "", 0)
	chain := pipeline.New([]pipeline.Stage{{Filter: gojinn}, {Filter: hw}}, pipeline.Options{})
	resp, err := serve(chain, &route{}, probeRequest(http.MethodGet, "/", "response", ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Same-Instance") != "yes" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v, want both filters' work", resp.Header)
	}
}

// TestHTTPWasmReloadCycles: loading and closing an http-wasm filter again
// and again (what a Caddy reload does), with requests that held instances
// in between, leaves no instance and no compiled module behind.
func TestHTTPWasmReloadCycles(t *testing.T) {
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	e, err := filters.NewEngine(filters.EngineConfig{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	wasm := filtertest.Build(t, "testdata/probe")
	for cycle := range 5 {
		f, err := e.Load(context.Background(), filters.Config{Name: "probe", Wasm: wasm, Timeout: filtertest.PatientTimeout})
		if err != nil {
			t.Fatal(err)
		}
		chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
		for _, probe := range []string{"response", "next7", "response"} {
			_, _ = serve(chain, &route{}, probeRequest(http.MethodGet, "/", probe, ""))
		}
		if s := f.Stats(); s.Busy != 0 {
			t.Fatalf("cycle %d: stats %+v before the close, want nothing busy", cycle, s)
		}
		f.Close(context.Background())
		if s := f.Stats(); s.Live != 0 || s.Busy != 0 {
			t.Fatalf("cycle %d: stats %+v after the close, want no instance", cycle, s)
		}
		if n := e.Modules(); n != 0 {
			t.Fatalf("cycle %d: the engine holds %d compiled modules after the close, want 0", cycle, n)
		}
	}
}
