// Package e2e runs the WAF filter as Gojinn runs it: built to wasm from
// source, loaded by the filters engine, called by a pipeline chain on
// real *http.Request values. It checks the filter's adapter (blocking,
// detect mode, variables, the body limit) and times the filter in wasm,
// host calls included, in both of its builds: the Go filter
// (filters-examples/waf) and its Rust port (filters-examples/waf-rust),
// which must answer every request alike.
package e2e

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/internal/cpumeter"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

var requestID = regexp.MustCompile(`Request id: [0-9a-f]{16}\n`)

// build is one of the WAF filter's builds, made from source.
type build struct {
	name string
	wasm func(testing.TB) []byte
}

// builds are the Go filter and its Rust port.
var builds = []build{
	{"go", func(tb testing.TB) []byte { return filtertest.Build(tb, "..") }},
	{"rust", func(tb testing.TB) []byte { return filtertest.BuildRust(tb, "../../waf-rust") }},
}

// eachBuild runs test once for each build, as a subtest named after it.
func eachBuild(t *testing.T, test func(t *testing.T, b build)) {
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// chain loads the WAF's build b with config into a one-stage chain.
func chain(tb testing.TB, b build, config string, maxBody int64) *pipeline.Chain {
	tb.Helper()
	return filtertest.Chain(tb, pipeline.Options{MaxBodyBytes: maxBody},
		filters.Config{Name: "waf", Wasm: b.wasm(tb), GuestConfig: []byte(config), PoolMin: 1})
}

// httpRequest turns an engine request into the *http.Request a server
// hands Gojinn.
func httpRequest(r *detect.Request) *http.Request {
	req := httptest.NewRequest(r.Method, "http://example.com"+r.URI, bytes.NewReader(r.Body))
	req.RequestURI = r.URI
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	return req
}

// serve runs one request and reports whether it reached the upstream,
// with the response and the chain variables the filter left.
func serve(t *testing.T, c *pipeline.Chain, r *http.Request) (reached bool, w *httptest.ResponseRecorder, vars map[string]string) {
	t.Helper()
	w = httptest.NewRecorder()
	vars = map[string]string{}
	next := func(http.ResponseWriter, *http.Request) error { reached = true; return nil }
	visit := func(ex *pipeline.Exchange) { ex.Vars(func(k, v string) { vars[k] = v }) }
	if err := c.Serve(w, r, next, visit); err != nil {
		t.Fatal(err)
	}
	return reached, w, vars
}

func attack() *http.Request {
	r := httptest.NewRequest("GET", "http://example.com/items?id=1%27%20UNION%20SELECT%20password%20FROM%20users--", nil)
	r.RequestURI = "/items?id=1%27%20UNION%20SELECT%20password%20FROM%20users--"
	return r
}

func TestBlockMode(t *testing.T) {
	t.Parallel()
	eachBuild(t, testBlockMode)
}

func testBlockMode(t *testing.T, b build) {
	c := chain(t, b, "", 0)
	reached, w, _ := serve(t, c, attack())
	if reached || w.Code != http.StatusForbidden {
		t.Fatalf("attack: reached=%v status=%d", reached, w.Code)
	}
	if !requestID.MatchString(w.Body.String()) {
		t.Errorf("body %q names no request id", w.Body.String())
	}
	// The client's X-Request-Id, when sane, is the one reported.
	r := attack()
	r.Header.Set("X-Request-Id", "req-42")
	if _, w, _ := serve(t, c, r); !strings.Contains(w.Body.String(), "Request id: req-42\n") {
		t.Errorf("body %q does not carry the client's request id", w.Body.String())
	}
	for _, r := range []*detect.Request{benchreq.GET(), benchreq.JSONPOST4K()} {
		if reached, w, vars := serve(t, c, httpRequest(r)); !reached {
			t.Errorf("%s %s refused: %d %v", r.Method, r.URI, w.Code, vars)
		}
	}
}

func TestDetectMode(t *testing.T) {
	t.Parallel()
	eachBuild(t, func(t *testing.T, b build) {
		c := chain(t, b, `{"mode":"detect"}`, 0)
		reached, _, vars := serve(t, c, attack())
		if !reached || vars["waf.score"] == "" || vars["waf.request_id"] == "" || !strings.Contains(vars["waf.matches"], "@arg:id") {
			t.Errorf("detect mode: reached=%v vars=%v", reached, vars)
		}
	})
}

// TestBodyOverHostLimit: the filter declares that it reads bodies, so
// the chain reads them first and refuses one over its limit (413): no
// body passes uninspected for being large.
func TestBodyOverHostLimit(t *testing.T) {
	t.Parallel()
	eachBuild(t, func(t *testing.T, b build) {
		c := chain(t, b, "", 64)
		body := "q=" + strings.Repeat("a", 100) + "&x=1%27%20UNION%20SELECT%20password%20FROM%20users--"
		r := httptest.NewRequest("POST", "http://example.com/form", strings.NewReader(body))
		r.RequestURI = "/form"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		next := func(http.ResponseWriter, *http.Request) error { t.Error("the body reached the upstream"); return nil }
		var f *pipeline.Failure
		if err := c.Serve(httptest.NewRecorder(), r, next, nil); !errors.As(err, &f) || f.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("body over the host limit: %v, want a 413 failure", err)
		}
	})
}

// TestBodyWithoutLengthInspected: a body without a length, as a server
// parses one (no Content-Length; for HTTP/1.1 the chunked coding out of
// the header map, for HTTP/2 no coding at all), is inspected like any
// other.
func TestBodyWithoutLengthInspected(t *testing.T) {
	eachBuild(t, testBodyWithoutLengthInspected)
}

func testBodyWithoutLengthInspected(t *testing.T, b build) {
	c := chain(t, b, "", 0)
	for _, proto := range []string{"HTTP/1.1", "HTTP/2.0"} {
		for body, want := range map[string]bool{
			"x=1%27%20UNION%20SELECT%20password%20FROM%20users--": false,
			"x=red+running+shoes": true,
		} {
			r := httptest.NewRequest("POST", "http://example.com/form", io.NopCloser(strings.NewReader(body)))
			r.RequestURI = "/form"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.ContentLength = -1
			if r.Proto = proto; proto == "HTTP/1.1" {
				r.TransferEncoding = []string{"chunked"}
			} else {
				r.ProtoMajor, r.ProtoMinor = 2, 0
			}
			if reached, w, _ := serve(t, c, r); reached != want {
				t.Errorf("%s %q: reached=%v status=%d, want reached=%v", proto, body, reached, w.Code, want)
			}
		}
	}
}

// BenchmarkChain times a one-filter chain around each build of the WAF:
// the whole cost the filter adds to a request, wasm and host calls
// included. The request is built once, as a server builds it before any
// handler runs; only its body is renewed, since the chain reads it. With
// -count the builds take turns, so their ratio holds on a noisy machine.
func BenchmarkChain(b *testing.B) {
	chains := make([]*pipeline.Chain, len(builds))
	for i, bd := range builds {
		chains[i] = chain(b, bd, "", 0)
	}
	// Compiling the modules leaves garbage whose collection would
	// otherwise run, on this 2-core machine, during the timed loop.
	runtime.GC()
	var reached bool
	next := func(http.ResponseWriter, *http.Request) error { reached = true; return nil }
	for i, bd := range builds {
		c := chains[i]
		b.Run(bd.name, func(b *testing.B) {
			// In a fixed order: the first to run pays the instance's first
			// touch of its memory, which the others then share.
			for _, bc := range []struct {
				name string
				r    *detect.Request
			}{{"GET", benchreq.GET()}, {"JSONPOST4K", benchreq.JSONPOST4K()}, {"ReviewPOST4K", benchreq.ReviewPOST4K()}} {
				r := bc.r
				b.Run(bc.name, func(b *testing.B) {
					w := httptest.NewRecorder()
					req := httpRequest(r)
					body := bytes.NewReader(r.Body)
					b.ReportAllocs()
					cpu := cpumeter.Start()
					for b.Loop() {
						body.Reset(r.Body)
						req.Body, req.ContentLength = io.NopCloser(body), int64(len(r.Body))
						reached = false
						if err := c.Serve(w, req, next, nil); err != nil {
							b.Fatal(err)
						}
						if !reached {
							b.Fatal("the benign request was refused")
						}
					}
					cpu.Report(b)
				})
			}
		})
	}
}

// TestRequestIDsDistinctAcrossRestoredInstances: the filter's instances
// are restored from one snapshot, and so share its random generator's
// state; the request ids of refused requests must differ all the same.
func TestRequestIDsDistinctAcrossRestoredInstances(t *testing.T) {
	eachBuild(t, testRequestIDsDistinct)
}

func testRequestIDsDistinct(t *testing.T, b build) {
	f := filtertest.Load(t, filters.Config{Name: "waf", Wasm: b.wasm(t), PoolMax: 4,
		// Eight workers share four instances: on a loaded machine a wait can
		// pass the default second, and this test is not about waiting.
		PoolWait: filtertest.PatientTimeout})
	c := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	const workers, each = 8, 1250
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				var id string
				visit := func(ex *pipeline.Exchange) {
					ex.Vars(func(k, v string) {
						if k == "waf.request_id" {
							id = v
						}
					})
				}
				if err := c.Serve(httptest.NewRecorder(), attack(), func(http.ResponseWriter, *http.Request) error { return nil }, visit); err != nil {
					t.Error(err)
					return
				}
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if id == "" {
			t.Fatal("a refused request had no id")
		}
		seen[id] = true
	}
	if s := f.Stats(); s.Restored < 2 {
		t.Fatalf("%d restored instances served the requests; the test needs several", s.Restored)
	}
	if len(seen) != workers*each {
		t.Fatalf("%d distinct ids for %d requests", len(seen), workers*each)
	}
}
