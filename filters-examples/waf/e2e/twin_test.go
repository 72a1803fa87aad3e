package e2e

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// twinConfigs are the configurations the two builds are compared under:
// the engines' (equivalenceConfigs), detect mode, and one that
// truncates bodies, narrows the methods and changes the block status.
var twinConfigs = append(append([]string(nil), equivalenceConfigs...),
	`{"mode":"detect","paranoia":3}`,
	`{"max_body_bytes":100,"allowed_methods":["GET","POST"],"block_status":451,"weights":{"protocol":0.5}}`,
	`{"max_body_bytes":-1}`,
)

// answer is everything a client and the later stages see of the WAF's
// verdict on one request.
type answer struct {
	Reached bool
	Status  int
	Header  http.Header
	Body    string
	Vars    map[string]string
}

// twinRequest is r as a server hands it to Gojinn, built without
// parsing r.URI strictly (the corpora hold targets httptest refuses):
// the chain reads the target from RequestURI. It carries a fixed
// X-Request-Id, so that the two builds' refusals read alike.
func twinRequest(r *detect.Request) *http.Request {
	u, err := url.ParseRequestURI(r.URI)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	req := &http.Request{
		Method: r.Method, URL: u, RequestURI: r.URI, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Host: "example.com", RemoteAddr: "192.0.2.1:1234",
		Body: io.NopCloser(bytes.NewReader(r.Body)), ContentLength: int64(len(r.Body)),
	}
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	req.Header.Set("X-Request-Id", "twin-1")
	return req
}

// serveTwin runs r through c and returns what it answered.
func serveTwin(t *testing.T, c *pipeline.Chain, r *detect.Request) answer {
	t.Helper()
	var a answer
	w := httptest.NewRecorder()
	a.Vars = map[string]string{}
	next := func(http.ResponseWriter, *http.Request) error { a.Reached = true; return nil }
	visit := func(ex *pipeline.Exchange) { ex.Vars(func(k, v string) { a.Vars[k] = v }) }
	if err := c.Serve(w, twinRequest(r), next, visit); err != nil {
		a.Body = "error: " + err.Error()
		return a
	}
	a.Status, a.Header, a.Body = w.Code, w.Header(), w.Body.String()
	return a
}

// TestRustFilterMatchesGoFilter runs every request of the shared corpora
// (and the engines' equivalence requests) through both builds of the
// filter, inside Gojinn, under each of twinConfigs: whether it reached
// the upstream, the status, headers and body of a refusal, and every
// chain variable (score, matches, body state, request id) must be the
// same. The Rust build's engine is the port, its expressions run on the
// host's regex sets and its libinjection is the host's; the Go build
// runs its own.
func TestRustFilterMatchesGoFilter(t *testing.T) {
	var reqs []*detect.Request
	for _, name := range []string{filepath.Join("crs", "crs-attacks.jsonl"), "benign-dev.jsonl"} {
		for _, en := range loadCorpus(t, name) {
			reqs = append(reqs, en.Request())
		}
	}
	reqs = append(reqs, equivalenceRequests()...)
	wasm := make([][]byte, len(builds))
	for i, b := range builds {
		wasm[i] = b.wasm(t)
	}
	for _, config := range twinConfigs {
		t.Run(config, func(t *testing.T) {
			chains := make([]*pipeline.Chain, len(builds))
			for i, b := range builds {
				chains[i] = filtertest.Chain(t, pipeline.Options{MaxBodyBytes: 4 << 20},
					filters.Config{Name: "waf-" + b.name, Wasm: wasm[i], GuestConfig: []byte(config), PoolMin: 1})
			}
			flagged, differ := 0, 0
			for i, r := range reqs {
				want := serveTwin(t, chains[0], r)
				got := serveTwin(t, chains[1], r)
				if want.Vars["waf.matches"] != "" {
					flagged++
				}
				if !equalAnswers(got, want) {
					if differ++; differ <= 5 {
						t.Errorf("request %d (%s %.80q):\n rust %s\n go   %s", i, r.Method, r.URI, got, want)
					}
				}
			}
			if differ > 0 {
				t.Errorf("%d of %d requests answered differently", differ, len(reqs))
			}
			// The comparison means something only if there were
			// matches to agree on.
			if flagged == 0 {
				t.Errorf("no match on any of %d requests", len(reqs))
			}
		})
	}
}

func equalAnswers(a, b answer) bool {
	return a.Reached == b.Reached && a.Status == b.Status && a.Body == b.Body &&
		fmt.Sprint(a.Header) == fmt.Sprint(b.Header) && maps.Equal(a.Vars, b.Vars)
}

func (a answer) String() string {
	return fmt.Sprintf("reached=%v status=%d body=%.120q vars=%v", a.Reached, a.Status, a.Body, a.Vars)
}
