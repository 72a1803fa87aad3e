package proxywasm

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// tableCase is one case of the Proxy-Wasm table: the request (its
// X-Probe header names the case to both guests) and what must come of
// it. Header names in want and wantUp are canonical; an empty value
// means the header must be absent.
type tableCase struct {
	probe   string
	body    string
	header  map[string]string
	status  int
	want    map[string]string
	wantUp  map[string]string
	upPath  string
	upBody  string
	body2   string // the client's body
	noRoute bool   // the route must not run
}

var tableCases = []tableCase{
	{probe: "headers", header: map[string]string{"X-In": "v", "X-Replace": "old", "X-Drop": "x"}, status: 202,
		wantUp: map[string]string{"X-Out": "v!", "X-Replace": "new", "X-Drop": ""},
		want:   map[string]string{"X-Resp": "seen 202", "X-Route": ""}},
	{probe: "pairs", status: 202, wantUp: map[string]string{"X-Names": ":authority,:path,:method,:scheme,x-probe"}},
	{probe: "local", status: 418, want: map[string]string{"X-Local": "yes", "X-Route": ""}, body2: "teapot", noRoute: true},
	{probe: "path", status: 202, upPath: "/rewritten/case?q=1"},
	{probe: "body", body: "payload", status: 202, upBody: "<payload>", body2: "[route body:<payload>!"},
	{probe: "property", status: 202, want: map[string]string{"X-Path": "/case?q=1", "X-Method": "POST",
		"X-Plugin": "table", "X-Missing": "status 1"}},
	{probe: "pause", status: 500, noRoute: true},
	{probe: "continue", status: 202},
	{probe: "metric", status: 202, wantUp: map[string]string{"X-Metric": "2"}},
	{probe: "shared", status: 202, wantUp: map[string]string{"X-Shared": "v1,0,0,8,v2"}},
	// An HTTP call and a shared queue are unimplemented; a tick period
	// from an HTTP context is BAD_ARGUMENT (only the plugin context ticks).
	{probe: "unimplemented", status: 202, wantUp: map[string]string{"X-Statuses": "12,2,12"}},
}

// tableRoute echoes what reached it: X-Up-* headers for the request's,
// the path, and the body after "route body:"; it answers 202 with an
// X-Route header.
func tableRoute(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, vs := range r.Header {
		h["X-Up-"+k] = vs
	}
	h.Set("X-Up-Path", r.URL.RequestURI())
	h.Set("X-Route", "r")
	b, _ := io.ReadAll(r.Body)
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, "route body:"+string(b))
}

// TestCaseTable runs every case of the table with the Go SDK guest and
// the C one through a chain, and requires both to answer as the case
// says.
func TestCaseTable(t *testing.T) {
	cprobe, err := wasmbuild.C("testdata/cprobe/probe.c")
	if err != nil {
		t.Fatal(err)
	}
	guests := []struct{ lang, path string }{
		{"go", filtertest.Path(t, "testdata/sdkguest")},
		{"c", cprobe},
	}
	for _, g := range guests {
		t.Run(g.lang, func(t *testing.T) {
			// Its own names for the metric and the shared data, so that
			// the two guests (one engine) and repeated runs start fresh.
			key := strings.ReplaceAll(fmt.Sprintf("table_%s_%p", g.lang, t), "+", "p")
			config := fmt.Sprintf(`{"plugin": "probe", "key": %q}`, key)
			if g.lang == "c" {
				config = key
			}
			f := filtertest.Load(t, filters.Config{Name: "table", Path: g.path, GuestConfig: []byte(config), KVStores: defaultStore(t)})
			chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
			for _, c := range tableCases {
				t.Run(c.probe, func(t *testing.T) { runTableCase(t, chain, c) })
			}
		})
	}
}

func runTableCase(t *testing.T, chain *pipeline.Chain, c tableCase) {
	req := httptest.NewRequest(http.MethodPost, "/case?q=1", strings.NewReader(c.body))
	if c.body == "" {
		req = httptest.NewRequest(http.MethodPost, "/case?q=1", nil)
	}
	req.Host = "example.com"
	req.Header = http.Header{"X-Probe": {c.probe}}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	routed := false
	err := chain.Serve(rec, req, func(w http.ResponseWriter, r *http.Request) error {
		routed = true
		tableRoute(w, r)
		return nil
	}, nil)
	status := rec.Code
	if f, ok := err.(*pipeline.Failure); ok {
		status = f.Status
	} else if err != nil {
		t.Fatal(err)
	}
	if status != c.status {
		t.Fatalf("status %d (error %v), want %d", status, err, c.status)
	}
	if routed == c.noRoute {
		t.Fatalf("route ran: %v, want %v", routed, !c.noRoute)
	}
	h := rec.Result().Header
	for k, want := range c.want {
		if got := h.Get(k); got != want {
			t.Errorf("response %s: %q, want %q", k, got, want)
		}
	}
	for k, want := range c.wantUp {
		if got := h.Get("X-Up-" + k); got != want {
			t.Errorf("upstream's %s: %q, want %q", k, got, want)
		}
	}
	if c.upPath != "" && h.Get("X-Up-Path") != c.upPath {
		t.Errorf("upstream's path %q, want %q", h.Get("X-Up-Path"), c.upPath)
	}
	if c.body2 != "" && rec.Body.String() != c.body2 {
		t.Errorf("body %q, want %q", rec.Body.String(), c.body2)
	}
	if c.upBody != "" && !strings.HasPrefix(rec.Body.String(), "[route body:"+c.upBody) {
		t.Errorf("body %q: the upstream did not get %q", rec.Body.String(), c.upBody)
	}
}
