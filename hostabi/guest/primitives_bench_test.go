//go:build !wasip1

package guest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// The native primitives against the same check written in pure Go inside
// the guest (testdata/primbench): the tests hold the two to the same
// answers, the benchmarks measure both in one chain each.

// routes are the route rules of the regex checks: a request passes when
// its URI matches one.
var routes = func() []string {
	var rs []string
	for _, p := range []string{"users", "orders", "invoices", "carts", "products", "reviews", "sessions", "tokens", "teams"} {
		rs = append(rs, `^/api/v[0-9]+/`+p+`(/[0-9]+)?$`, `^/api/v[0-9]+/`+p+`/[0-9]+/(items|notes)(\?.*)?$`)
	}
	return append(rs, `^/static/[a-z0-9/_-]+\.(css|js|png|svg)$`, `(?i)^/health$`)
}()

// jsonDoc is a JSON request body of about size bytes whose user.role is
// role, after a list of items (the field a check reads is rarely first).
func jsonDoc(size int, role string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size-80; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"sku":"SKU-%06d","qty":%d,"note":"keep \"dry\""}`, i, i*7, i%5)
	}
	fmt.Fprintf(&b, `],"user":{"name":"Ann","role":%q}}`, role)
	return b.Bytes()
}

func primChain(t testing.TB, config string) *pipeline.Chain {
	return filtertest.Chain(t, pipeline.Options{},
		filters.Config{Name: "primbench", Wasm: filtertest.Build(t, "testdata/primbench"), GuestConfig: []byte(config), PoolMin: 1})
}

func serveStatus(t testing.TB, c *pipeline.Chain, r *http.Request) int {
	w := httptest.NewRecorder()
	next := func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(204); return nil }
	if err := c.Serve(w, r, next, nil); err != nil {
		t.Fatal(err)
	}
	return w.Code
}

func TestPrimitivesAgreeWithGuestCode(t *testing.T) {
	t.Parallel()
	post := func(body string) func() *http.Request {
		return func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader(body)) }
	}
	get := func(uri string) func() *http.Request {
		return func() *http.Request { return httptest.NewRequest("GET", uri, nil) }
	}
	tests := []struct {
		name   string
		config string // the mode's suffix, then its lines
		req    func() *http.Request
		want   int
	}{
		{"json reader", "json", post(string(jsonDoc(4096, "reader"))), 204},
		{"json admin", "json", post(string(jsonDoc(4096, "admin"))), 403},
		{"json escaped admin", "json", post(`{"user":{"role":"\u0061dmin"}}`), 403},
		{"json role not a string", "json", post(`{"user":{"role":["admin"]}}`), 204},
		{"json no role", "json", post(`{"user":{}}`), 204},
		{"not json", "json", post(`{"user":`), 403},
		{"route", "regex\n" + strings.Join(routes, "\n"), get("/api/v2/teams/7/notes?x=1"), 204},
		{"static", "regex\n" + strings.Join(routes, "\n"), get("/static/app/main.js"), 204},
		{"health, any case", "regex\n" + strings.Join(routes, "\n"), get("/HEALTH"), 204},
		{"no route", "regex\n" + strings.Join(routes, "\n"), get("/api/v2/admin"), 403},
		{"clean text", "words\n10000", post(strings.Repeat("the quick brown fox. ", 200)), 204},
		{"a denied word", "words\n10000", post(strings.Repeat("the quick brown fox. ", 100) + "BadWord09999X"), 403},
		{"a word cut short", "words\n10000", post("badword0999x badword1000"), 204},
		{"prose", "inject", post(strings.Repeat("it's 2 < 3 -- or so they say; select one. ", 100)), 204},
		{"a tautology", "inject", post(`name=x' OR '1'='1`), 403},
		{"a union", "inject", post(`1 UNION SELECT password FROM users`), 403},
		{"a script", "inject", post(`<p>hi</p><script>alert(1)</script>`), 403},
		{"a handler", "inject", post(`"><img src=x onerror=alert(1)>`), 403},
		{"no body", "inject", post(""), 204},
	}
	chains := map[string]*pipeline.Chain{} // made on t: a subtest's would close with it
	configOf := func(config, side string) string {
		mode, rest, _ := strings.Cut(config, "\n")
		return mode + "-" + side + "\n" + rest
	}
	for _, tt := range tests {
		for _, side := range []string{"host", "guest"} {
			if config := configOf(tt.config, side); chains[config] == nil {
				chains[config] = primChain(t, config)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, side := range []string{"host", "guest"} {
				config := configOf(tt.config, side)
				if got := serveStatus(t, chains[config], tt.req()); got != tt.want {
					t.Errorf("%s: status %d, want %d", side, got, tt.want)
				}
			}
		})
	}
}

// BenchmarkJSONField is a filter that reads one field of a 4 KiB JSON
// request body: with json_get (host), or with gjson over the body copied
// into wasm (guest).
func BenchmarkJSONField(b *testing.B) {
	doc := jsonDoc(4096, "reader")
	for _, side := range []string{"host", "guest"} {
		b.Run(side, func(b *testing.B) {
			c := primChain(b, "json-"+side)
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/", bytes.NewReader(doc))
				if got := serveStatus(b, c, r); got != 204 {
					b.Fatal(got)
				}
			}
		})
	}
}

// BenchmarkRegexRoute is a filter that lets a request through when its
// URI matches one of 20 route rules (the last but one does): with a
// compiled set matched by the host against the URI, or with regexp in
// wasm.
func BenchmarkRegexRoute(b *testing.B) {
	config := strings.Join(routes, "\n")
	for _, side := range []string{"host", "guest"} {
		b.Run(side, func(b *testing.B) {
			c := primChain(b, "regex-"+side+"\n"+config)
			r := httptest.NewRequest("GET", "/static/app/main.js", nil)
			b.ReportAllocs()
			for b.Loop() {
				if got := serveStatus(b, c, r); got != 204 {
					b.Fatal(got)
				}
			}
		})
	}
}

// BenchmarkDenyList is a filter that refuses a 4 KiB request body holding
// any of 10,000 words, in any ASCII case: the host's automaton scanning
// the body where it holds it, or the same automaton (internal/patternset)
// compiled into the guest, over the body copied into wasm.
func BenchmarkDenyList(b *testing.B) {
	text := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog, badly. ", 80)[:4096])
	for _, side := range []string{"host", "guest"} {
		b.Run(side, func(b *testing.B) {
			c := primChain(b, "words-"+side+"\n10000")
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/", bytes.NewReader(text))
				if got := serveStatus(b, c, r); got != 204 {
					b.Fatal(got)
				}
			}
		})
	}
}

// BenchmarkInjection is a filter that refuses a 4 KiB request body that
// libinjection reads as SQL injection or XSS: the host's libinjection
// over the body where it holds it, or libinjection-go compiled into the
// guest over the body copied into wasm.
func BenchmarkInjection(b *testing.B) {
	text := []byte(strings.Repeat("it's 2 < 3 -- or so they say; select one. ", 100)[:4096])
	for _, side := range []string{"host", "guest"} {
		b.Run(side, func(b *testing.B) {
			c := primChain(b, "inject-"+side)
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/", bytes.NewReader(text))
				if got := serveStatus(b, c, r); got != 204 {
					b.Fatal(got)
				}
			}
		})
	}
}
