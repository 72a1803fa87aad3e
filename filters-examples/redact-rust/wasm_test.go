//go:build !wasip1

// The tests in this file build the Rust filter from source (Debian's
// rustc, offline: `make deps` installs it) and hold it to the Go filter,
// filters-examples/redact: the same configs taken or refused, the same
// bodies, headers and chain variables out, on a table of responses, on
// thousands of generated bodies and under fuzzing.
package redactrust_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/filters-examples/redact/redactor"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// builds are the two filters, by name: the Go one the Rust one is held to.
var builds = []struct {
	name string
	wasm func(testing.TB) []byte
}{
	{"go", func(t testing.TB) []byte { return filtertest.Build(t, "../redact") }},
	{"rust", func(t testing.TB) []byte { return filtertest.BuildRust(t, ".") }},
}

func rustWasm(t testing.TB) []byte { return builds[1].wasm(t) }

// load makes a one-filter chain of wasm under config, or returns the
// load error, which is the filter's refusal of config.
func load(t testing.TB, wasm []byte, config string, maxBody int64) (*pipeline.Chain, error) {
	t.Helper()
	f, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
		Name: "redact", Wasm: wasm, GuestConfig: []byte(config), PoolMin: 1, Timeout: filtertest.PatientTimeout,
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{MaxBodyBytes: maxBody}), nil
}

func mustLoad(t testing.TB, wasm []byte, config string, maxBody int64) *pipeline.Chain {
	t.Helper()
	c, err := load(t, wasm, config, maxBody)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// response is what the upstream sends.
type response struct {
	contentType, contentEncoding, body string
}

// outcome is what a client gets, and the chain's variables as the
// response left.
type outcome struct {
	Status int
	Header http.Header
	Body   string
	Vars   map[string]string
}

// varsWriter records the response, and the chain's variables when the
// response goes out (after the response phase), from the Exchange the
// chain's visit handed over.
type varsWriter struct {
	*httptest.ResponseRecorder
	ex   *pipeline.Exchange
	vars map[string]string
}

func (w *varsWriter) WriteHeader(code int) {
	if w.vars == nil && w.ex != nil {
		w.vars = map[string]string{}
		w.ex.Vars(func(name, value string) { w.vars[name] = value })
	}
	w.ResponseRecorder.WriteHeader(code)
}

func (w *varsWriter) Write(b []byte) (int, error) {
	if w.vars == nil {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseRecorder.Write(b)
}

func serve(t testing.TB, c *pipeline.Chain, resp response) outcome {
	t.Helper()
	next := func(w http.ResponseWriter, r *http.Request) error {
		if resp.contentType != "" {
			w.Header().Set("Content-Type", resp.contentType)
		}
		if resp.contentEncoding != "" {
			w.Header().Set("Content-Encoding", resp.contentEncoding)
		}
		w.Header().Set("Etag", `"v1"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte(resp.body))
		return err
	}
	w := &varsWriter{ResponseRecorder: httptest.NewRecorder()}
	if err := c.Serve(w, httptest.NewRequest("GET", "/", nil), next, func(ex *pipeline.Exchange) { w.ex = ex }); err != nil {
		t.Fatal(err)
	}
	return outcome{Status: w.Code, Header: w.Header(), Body: w.Body.String(), Vars: w.vars}
}

// TestRustMatchesGo runs each config's responses through both filters:
// every outcome the same, byte for byte, and (as a check on the table)
// each of the filter's paths taken somewhere.
func TestRustMatchesGo(t *testing.T) {
	t.Parallel()
	doc := string(sampleDoc(40))
	escaped := `{"e":"alice\u0040example.com","c":"4111\u00201111 1111 1111","s":"\ud83d\ude00 x@example.org \ud83d","q":"a\"b@example.com"}`
	nearLimit := strings.Repeat("a@example.com ", 280) // 3,920 bytes, 4,096 the limit
	responses := []response{
		{"application/json", "", doc},
		{"application/json", "", escaped},
		{"application/problem+json; charset=utf-8", "", `{"detail":"card 4111 1111 1111 1111 of bob@example.org"}`},
		{"APPLICATION/JSON", "", `[4111111111111111, 4111111111111112, -4111111111111111, 4111111111111111.0]`},
		{"application/x-ndjson", "", "{\"e\":\"a@example.com\"}\n{\"e\":\"b@example.com\"}\n"},
		{"text/plain", "", "mail bob@example.org, card 3782 822463 10005\n"},
		{"text/html; charset=utf-8", "", "<a href=\"mailto:x@example.com\">4111-1111-1111-1111</a>"},
		{"application/json", "", `{"not json": 4111111111111111 alice@example.com`},
		{"application/json", "", `{"a":1,"b":[true,false,null]}`},
		{"application/octet-stream", "", "bob@example.org"},
		{"", "", "bob@example.org"},
		{"text/plain", "gzip", "bob@example.org"},
		{"text/plain", "IDENTITY", "bob@example.org"},
		{"application/json", "", `{"pad":"` + strings.Repeat("x", 5000) + `","e":"a@example.com"}`},
		{"text/plain", "", nearLimit},
		{"text/plain", "", ""},
	}
	configs := []string{
		"",
		`{"card_keep_last4":true,"count_header":""}`,
		`{"replacement":"<\"\\\n\u0001é>","count_header":"X-Scrubbed"}`,
		`{"emails":false}`,
		`{"cards":false,"replacement":""}`,
		`{"content_types":["application/x-ndjson"," Text/HTML "]}`,
		`{"replacement":"` + strings.Repeat("#", 40) + `"}`,
	}
	seen := map[string]bool{}
	for _, config := range configs {
		var chains [2]*pipeline.Chain
		for i, b := range builds {
			chains[i] = mustLoad(t, b.wasm(t), config, 4096)
		}
		for i, resp := range responses {
			t.Run(fmt.Sprintf("config %q/response %d", config, i), func(t *testing.T) {
				want, got := serve(t, chains[0], resp), serve(t, chains[1], resp)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%q %q %.80q:\n rust %+v\n go   %+v", resp.contentType, resp.contentEncoding, resp.body, got, want)
				}
				for k, v := range want.Vars {
					seen[k+"="+v] = true
				}
				if want.Header.Get("X-Redacted") != "" || want.Header.Get("X-Scrubbed") != "" {
					seen["count header"] = true
				}
			})
		}
	}
	for _, path := range []string{"redact.skipped=encoded", "redact.skipped=too_large", "redact.skipped=error", "count header"} {
		if !seen[path] {
			t.Errorf("no response took the path %s", path)
		}
	}
}

// TestRustConfigMatchesGo: each config is taken by both filters or
// refused by both, and one both take redacts alike.
func TestRustConfigMatchesGo(t *testing.T) {
	t.Parallel()
	configs := []string{
		"", " \n\t", "\u00a0\u2003", "null", " null ", "{}", "{} }", "{}]", "{} x", "{}{}",
		`{"Emails":false}`, `{"EMAILS":false,"cards":true}`, `{"emailſ":false}`, `{"card_\u212aeep_last4":true}`,
		`{"emaıls":false}`, `{"emaİls":false}`, `{"e\u006dails":false}`, `{"emails":false,"emails":null}`,
		`{"card_keep_last4":true,"card_keep_last4":null}`, `{"emails":false,"cards":false}`,
		`{"emails":"no"}`, `{"emails":0}`, `{"replacement":1}`, `{"replacement":null}`,
		`{"replacement":"\ud800"}`, "{\"replacement\":\"\xff\xe2\x82!\"}", `{"replacement":"\u0000"}`,
		`{"replacement":"a`, `{"replacement":"\x"}`, "{\"replacement\":\"\t\"}", `{"replacment":"x"}`,
		`{"content_types":[]}`, `{"content_types":null}`, `{"content_types":[null]}`, `{"content_types":"text/*"}`,
		`{"content_types":["*/*"]}`, `{"content_types":["text/*+xml","*/json"]}`, `{"content_types":["text/\u212a"]}`,
		`{"content_types":["application/*+json","TEXT/PLA\u0130N"]}`, `{"content_types":["text/pl*in"]}`,
		`{"content_types":["a/b","a/b"],"content_types":["application/json"]}`, `{"content_types":[1]}`,
		`{"count_header":""}`, `{"count_header":"X Bad"}`, `{"count_header":"X-\u00e9"}`, `{"count_header":null}`,
		`[]`, `"x"`, `1`, `true`, `{"a":1}`, `{"emails":true,}`, `{,}`, `{"emails" true}`,
	}
	probes := []response{
		{"application/json", "", `{"e":"a@example.com","c":4111111111111111,"s":"4111 1111 1111 1111"}`},
		{"text/plain", "", "a@example.com 4111 1111 1111 1111"},
		{"text/html", "", "a@example.com"},
		{"application/x-ndjson", "", `{"e":"a@example.com"}`},
		{"text/k", "", "a@example.com"},
		{"text/plain", "", "a@example.com"},
	}
	goWasm, rsWasm := builds[0].wasm(t), rustWasm(t)
	for _, config := range configs {
		t.Run(strconv.Quote(config), func(t *testing.T) {
			goChain, goErr := load(t, goWasm, config, 0)
			rsChain, rsErr := load(t, rsWasm, config, 0)
			if (goErr == nil) != (rsErr == nil) {
				t.Fatalf("go: %v\nrust: %v", goErr, rsErr)
			}
			if goErr != nil {
				if !strings.Contains(rsErr.Error(), "redact: config: ") {
					t.Errorf("the refusal does not say what was refused: %v", rsErr)
				}
				return
			}
			for _, p := range probes {
				if want, got := serve(t, goChain, p), serve(t, rsChain, p); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: rust %+v, go %+v", p.contentType, got, want)
				}
			}
		})
	}
}

// optionSets are the redactions the generated bodies and the fuzzer run
// under: the Go filter's defaults and the options that change output.
var optionSets = []redactor.Options{
	{Emails: true, Cards: true, Replacement: redactor.DefaultReplacement},
	{Emails: true, Cards: true, CardKeepLast4: true, Replacement: "x"},
	{Emails: true, Cards: true, Replacement: "\"\\\x01é"},
	{Cards: true, Replacement: ""},
}

func configOf(o redactor.Options) string {
	b, err := json.Marshal(map[string]any{
		"emails": o.Emails, "cards": o.Cards, "replacement": o.Replacement, "card_keep_last4": o.CardKeepLast4,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// redactors holds, for each option set, the Rust filter's chain and the
// Go redactor the Go filter runs, natively.
type redactors struct {
	chains []*pipeline.Chain
	native []*redactor.Redactor
}

func newRedactors(t testing.TB) *redactors {
	rs := &redactors{}
	for _, o := range optionSets {
		rs.chains = append(rs.chains, mustLoad(t, rustWasm(t), configOf(o), 0))
		rs.native = append(rs.native, redactor.New(o))
	}
	return rs
}

// check fails t unless the Rust filter redacts body, as JSON or as text,
// under option set k as the Go redactor does.
func (rs *redactors) check(t testing.TB, k int, asJSON bool, body []byte) {
	t.Helper()
	resp := response{contentType: "text/plain", body: string(body)}
	want, n := rs.native[k].Text(body)
	if asJSON {
		resp.contentType = "application/json"
		want, n = rs.native[k].JSON(body)
	}
	got := serve(t, rs.chains[k], resp)
	count := ""
	if n > 0 {
		count = strconv.Itoa(n)
	}
	if got.Body != string(want) || got.Header.Get("X-Redacted") != count {
		t.Fatalf("options %d, json %v, %q:\n rust %q (%s)\n go   %q (%d)",
			k, asJSON, body, got.Body, got.Header.Get("X-Redacted"), want, n)
	}
}

// TestRustRedactionMatchesGo redacts bodies put together at random from
// the pieces the matchers care about, under every option set, as JSON
// and as text, in the Rust filter and in the Go redactor.
func TestRustRedactionMatchesGo(t *testing.T) {
	t.Parallel()
	rs := newRedactors(t)
	rng := rand.New(rand.NewPCG(16, 2026))
	const bodies = 1500
	for i := 0; i < bodies; i++ {
		body := generatedBody(rng)
		for k := range optionSets {
			rs.check(t, k, true, body)
			rs.check(t, k, false, body)
		}
	}
}

// pieces are the fragments generated bodies are made of: addresses and
// near misses, cards in every grouping and near misses, JSON syntax,
// escapes (surrogates among them) and bytes that are not UTF-8.
var pieces = []string{
	"alice@example.com", "a.b+c@mail.example.co.uk", "x@y.z", "@", "a@b", "..", ".", "-", "_", "'", "%",
	"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005", "4111111111111112",
	"2223003122003222", "6011111111111117", "1732500000123", "0", "1", "9", " ", "  ", "\n", "\t",
	`"`, `\`, `\"`, `\\`, `\u0040`, `\u0034`, `\ud83d\ude00`, `\ud83d`, `\ude00`, `\n`, `\/`, `\x`,
	"{", "}", "[", "]", ",", ":", "true", "false", "null", "1.5e3", "-", "+",
	"é", "\xff", "\xe2\x82", "\x00", "\x1f", "<", ">", "mailto:", "xn--p1ai",
}

func generatedBody(rng *rand.Rand) []byte {
	var b []byte
	if rng.IntN(2) == 0 {
		b = append(b, '{', '"', 'k', '"', ':', '"')
	}
	for n := rng.IntN(24); n > 0; n-- {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	if rng.IntN(2) == 0 {
		b = append(b, '"', '}')
	}
	return b
}

// FuzzRustRedaction: on any body, the Rust filter redacts as the Go
// redactor does, under every option set, as JSON and as text.
func FuzzRustRedaction(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 40; i++ {
		f.Add(generatedBody(rng))
	}
	f.Add(sampleDoc(3))
	rs := newRedactors(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for k := range optionSets {
			rs.check(t, k, true, body)
			rs.check(t, k, false, body)
		}
	})
}

// FuzzRustConfig: any config the Go filter takes the Rust filter takes,
// and the other way round; and one both take means the same redaction
// of the same content types.
func FuzzRustConfig(f *testing.F) {
	for _, s := range []string{
		"", "null", `{"emails":false}`, `{"Card_Keep_Last4":true,"replacement":"\u00e9"}`,
		`{"content_types":["text/*","application/*+json"],"count_header":"X-N"}`, "{}]", `{"cards":null}`,
	} {
		f.Add([]byte(s))
	}
	wasm := rustWasm(f)
	probes := []response{
		{"application/json", "", `{"e":"a@example.com","c":4111111111111111}`},
		{"text/html; charset=utf-8", "", "a@example.com 4111-1111-1111-1111"},
		{"application/vnd.x+json", "", `["4111 1111 1111 1111"]`},
	}
	f.Fuzz(func(t *testing.T, config []byte) {
		s, goErr := redactor.ParseConfig(config)
		c, rsErr := load(t, wasm, string(config), 0)
		if (goErr == nil) != (rsErr == nil) {
			t.Fatalf("config %q: go %v, rust %v", config, goErr, rsErr)
		}
		if goErr != nil {
			return
		}
		r := redactor.New(s.Options)
		for _, p := range probes {
			got := serve(t, c, p)
			want, n := []byte(p.body), 0
			switch s.ModeFor(p.contentType) {
			case redactor.ModeJSON:
				want, n = r.JSON(want)
			case redactor.ModeText:
				want, n = r.Text(want)
			}
			count := ""
			if n > 0 && s.CountHeader != "" {
				count = strconv.Itoa(n)
			}
			if got.Body != string(want) || (s.CountHeader != "" && got.Header.Get(s.CountHeader) != count) {
				t.Fatalf("config %q, %q: rust %q %v, go %q %s", config, p.contentType, got.Body, got.Header, want, count)
			}
		}
	})
}

// sampleDoc is a JSON array of records with addresses and cards, as an
// API sends them: the shape of the redact package's own sample.
func sampleDoc(records int) []byte {
	recs := make([]map[string]any, 0, records)
	for i := 0; i < records; i++ {
		r := map[string]any{"id": i, "email": "user" + strconv.Itoa(i) + "@mail.example.com",
			"created": 1732500000123, "order": 4111111111111112, "note": "call ops@example.org if late"}
		switch i % 4 {
		case 1:
			r["card"] = "5555 5555 5555 4444"
		case 2:
			r["card"] = 4111111111111111
		}
		recs = append(recs, r)
	}
	doc, err := json.Marshal(recs)
	if err != nil {
		panic(err)
	}
	return doc
}

// BenchmarkWasm16K is one 16 KiB JSON response through a one-filter
// chain of each build, the two taking turns: the host holding the body,
// the guest call, the copies in and out of wasm and the redaction. The
// document is redact's BenchmarkWasm16K's.
func BenchmarkWasm16K(b *testing.B) {
	var recs []map[string]any
	for i := 0; ; i++ {
		recs = append(recs, map[string]any{"id": i, "email": "user" + strconv.Itoa(i) + "@mail.example.com",
			"created": 1732500000123, "note": "call ops@example.org if late", "card": "5555 5555 5555 4444"})
		if doc, _ := json.Marshal(recs); len(doc) > 16<<10 {
			recs = recs[:len(recs)-1]
			break
		}
	}
	doc, _ := json.Marshal(recs)
	resp := response{contentType: "application/json", body: string(doc)}
	for _, bd := range builds {
		c := mustLoad(b, bd.wasm(b), "", 0)
		b.Run(bd.name, func(b *testing.B) {
			if got := serve(b, c, resp); got.Header.Get("X-Redacted") != strconv.Itoa(3*len(recs)) {
				b.Fatalf("%s redactions, want %d", got.Header.Get("X-Redacted"), 3*len(recs))
			}
			r := httptest.NewRequest("GET", "/", nil)
			next := func(w http.ResponseWriter, _ *http.Request) error {
				w.Header().Set("Content-Type", resp.contentType)
				w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
				_, err := w.Write(doc)
				return err
			}
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Serve(&filtertest.Discard{H: http.Header{}}, r, next, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
