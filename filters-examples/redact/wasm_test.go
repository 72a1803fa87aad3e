//go:build !wasip1

// The tests in this file build redact.wasm and run it in Gojinn's engine
// (filters, pipeline): the filter as it is deployed, minus Caddy.
package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// chain loads the filter with config into a one-stage chain.
func chain(t testing.TB, config string, maxBody int64) *pipeline.Chain {
	t.Helper()
	return filtertest.Chain(t, pipeline.Options{MaxBodyBytes: maxBody},
		filters.Config{Name: "redact", Wasm: filtertest.Build(t, "."), GuestConfig: []byte(config), PoolMin: 1})
}

func upstream(header http.Header, body string) pipeline.Next {
	return func(w http.ResponseWriter, r *http.Request) error {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", itoa(len(body)))
		w.WriteHeader(200)
		_, err := w.Write([]byte(body))
		return err
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestWasmFilter(t *testing.T) {
	t.Parallel()
	const doc = `{"user":"alice@example.com","card":4111111111111111,"order":4111111111111112,"note":"pay 4111 1111 1111 1111"}`
	const redacted = `{"user":"[redacted]","card":"[redacted]","order":4111111111111112,"note":"pay [redacted]"}`
	big := `{"e":"alice@example.com","pad":"` + strings.Repeat("x", 2000) + `"}`
	tests := []struct {
		name, config string
		header       http.Header
		body, want   string
		count        string
	}{
		{"json", "", http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}}, doc, redacted, "3"},
		{"problem+json", "", http.Header{"Content-Type": {"application/problem+json; charset=utf-8"}}, doc, redacted, "3"},
		{"text", "", http.Header{"Content-Type": {"text/plain"}}, "mail bob@example.org", "mail [redacted]", "1"},
		{"nothing to redact", "", http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}}, `{"a":1}`, `{"a":1}`, ""},
		{"other type", "", http.Header{"Content-Type": {"application/octet-stream"}}, "bob@example.org", "bob@example.org", ""},
		{"compressed", "", http.Header{"Content-Type": {"text/plain"}, "Content-Encoding": {"gzip"}}, "bob@example.org", "bob@example.org", ""},
		{"over the limit", "", http.Header{"Content-Type": {"application/json"}}, big, big, ""},
		{"keep last 4, no count header", `{"card_keep_last4":true,"count_header":""}`,
			http.Header{"Content-Type": {"application/json"}}, `[4111111111111111]`, `["************1111"]`, ""},
	}
	chains := map[string]*pipeline.Chain{} // one per config: compiling is the slow part
	for _, tt := range tests {
		if chains[tt.config] == nil {
			chains[tt.config] = chain(t, tt.config, 1024)
		}
		t.Run(tt.name, func(t *testing.T) {
			c := chains[tt.config]
			w := httptest.NewRecorder()
			if err := c.Serve(w, httptest.NewRequest("GET", "/", nil), upstream(tt.header, tt.body), nil); err != nil {
				t.Fatal(err)
			}
			if got := w.Body.String(); got != tt.want {
				t.Fatalf("body\n got  %s\n want %s", got, tt.want)
			}
			if json.Valid([]byte(tt.body)) && !json.Valid(w.Body.Bytes()) {
				t.Error("the body is no longer valid JSON")
			}
			if got := w.Header().Get("X-Redacted"); got != tt.count {
				t.Errorf("X-Redacted %q, want %q", got, tt.count)
			}
			if got := w.Header().Get("Content-Length"); got != itoa(len(tt.want)) {
				t.Errorf("Content-Length %s, want %d", got, len(tt.want))
			}
			if tt.count != "" && w.Header().Get("Etag") != "" {
				t.Error("ETag kept on a rewritten body")
			}
		})
	}
}

// BenchmarkWasm16K is one 16 KiB JSON response through the chain: the
// host holding the body, the guest call, the copy in and out of wasm and
// the redaction, in wasm.
func BenchmarkWasm16K(b *testing.B) {
	var recs []map[string]any
	for i := 0; len(recs) < 1000; i++ {
		recs = append(recs, map[string]any{"id": i, "email": "user" + itoa(i) + "@mail.example.com",
			"created": 1732500000123, "note": "call ops@example.org if late", "card": "5555 5555 5555 4444"})
		if doc, _ := json.Marshal(recs); len(doc) > 16<<10 {
			recs = recs[:len(recs)-1]
			break
		}
	}
	doc, _ := json.Marshal(recs)
	c := chain(b, "", 0)
	r := httptest.NewRequest("GET", "/", nil)
	next := upstream(http.Header{"Content-Type": {"application/json"}}, string(doc))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Serve(&filtertest.Discard{H: http.Header{}}, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
}
