package functions

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name   string
		out    string
		status int
		header http.Header
		body   string
	}{
		{"the contract's example", `{"status": 200, "headers": {"Content-Type": ["application/json"]}, "body": "{\"ok\": true}"}`,
			200, http.Header{"Content-Type": {"application/json"}}, `{"ok": true}`},
		{"json.Encoder's newline", "{\"status\":201,\"body\":\"made\"}\n", 201, http.Header{}, "made"},
		{"white space around", " \t\r\n{\"status\":202}\r\n ", 202, http.Header{}, ""},
		{"no status is 200", `{"body": "x"}`, 200, http.Header{}, "x"},
		{"null status is 200", `{"status": null}`, 200, http.Header{}, ""},
		{"zero status is 200", `{"status": 0}`, 200, http.Header{}, ""},
		{"negative zero is zero", `{"status": -0}`, 200, http.Header{}, ""},
		{"null headers and body", `{"status": 404, "headers": null, "body": null}`, 404, http.Header{}, ""},
		{"names in any case, as encoding/json", `{"Status": 418, "HEADERS": {"x-a": ["1"]}, "Body": "tea"}`,
			418, http.Header{"X-A": {"1"}}, "tea"},
		{"unknown members ignored", `{"status": 200, "extra": {"deep": [1, {"x": null}]}, "body": "b"}`, 200, http.Header{}, "b"},
		{"a later duplicate wins", `{"status": 500, "status": 203, "body": "a", "body": "b"}`, 203, http.Header{}, "b"},
		{"header duplicates: the later wins", `{"headers": {"X-A": ["1"], "X-A": ["2"]}}`, 200, http.Header{"X-A": {"2"}}, ""},
		{"headers that differ in case add up", `{"headers": {"x-a": ["1"], "X-A": ["2", "3"]}}`, 200, http.Header{"X-A": {"1", "2", "3"}}, ""},
		{"null and empty values", `{"headers": {"X-A": [null, ""], "X-B": null, "X-C": []}}`, 200, http.Header{"X-A": {"", ""}}, ""},
		{"escapes", `{"body": "a\u0000b\n\"\\\/\u00e9\ud83d\ude00"}`, 200, http.Header{}, "a\x00b\n\"\\/é😀"},
		{"bytes that are not UTF-8 become U+FFFD, as encoding/json has them", "{\"body\": \"a\xff\xfeb\"}", 200, http.Header{}, "a\ufffd\ufffdb"},
		{"status 999", `{"status": 999}`, 999, http.Header{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse([]byte(tt.out))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			r.write(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("answered %d %q, want %d %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
			got := w.Header().Clone()
			got.Del("Content-Length")
			if !equalHeader(got, tt.header) {
				t.Errorf("headers %v, want %v", got, tt.header)
			}
		})
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestParseResponseViolations: each broken rule is refused with a reason
// that names it.
func TestParseResponseViolations(t *testing.T) {
	tests := []struct {
		name, out, want string
	}{
		{"nothing", "", "wrote nothing on stdout"},
		{"white space", " \n", "only white space"},
		{"a stray debug line", "debug: got here\n{\"status\": 200}", `not a JSON object: it starts with "debug: got here"`},
		{"trailing output", `{"status": 200}` + "\nand then some", `goes on after its JSON object, at byte 16: "and then some"`},
		{"two objects", `{"status": 200}{"status": 201}`, "goes on after its JSON object"},
		{"an array", `[{"status": 200}]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"cut short", `{"status": 200, "body": "abc`, "ends inside its JSON object"},
		{"bad JSON", `{"status": 200,}`, "not valid JSON: invalid character '}'"},
		{"single quotes", `{'status': 200}`, "not valid JSON"},
		{"a string status", `{"status": "200"}`, `status is a string ("200"), want an integer`},
		{"a fraction", `{"status": 200.0}`, "status 200.0 is not an integer"},
		{"an exponent", `{"status": 2e2}`, "status 2e2 is not an integer"},
		{"a huge status", `{"status": 99999999999999999999}`, "is not an integer"},
		{"a boolean status", `{"status": true}`, "status is a boolean"},
		{"status 42", `{"status": 42}`, "status 42 is out of range"},
		{"status 1xx", `{"status": 101}`, "status 101 is out of range"},
		{"status 1000", `{"status": 1000}`, "out of range"},
		{"a header that is not an array", `{"headers": {"Content-Type": "text/plain"}}`, "header Content-Type is a string, want an array of strings"},
		{"a number among values", `{"headers": {"X-A": ["1", 2]}}`, "header X-A has a number among its values"},
		{"headers an array", `{"headers": [["X-A", "1"]]}`, "headers is an array, want an object"},
		{"a bad name", `{"headers": {"Bad Name": ["1"]}}`, `header name "Bad Name" is not a valid field name`},
		{"an empty name", `{"headers": {"": ["1"]}}`, `header name "" is not a valid field name`},
		{"a split header", `{"headers": {"X-A": ["1\r\nSet-Cookie: a=b"]}}`, "header X-A has a value with a line break or NUL"},
		{"a body that is not a string", `{"body": {"ok": true}}`, "body is an object, want a string"},
		{"a body that is a number", `{"body": 12}`, "body is a number"},
		{"nested too deep", `{"x": ` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, "nests deeper than 1000 levels"},
		{"too many headers", `{"headers": {` + manyHeaders(maxHeaders+1) + `}}`, "more than 256 headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseResponse([]byte(tt.out))
			if !errors.Is(err, ErrContract) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one that says %q", err, tt.want)
			}
		})
	}
}

func manyHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"X-` + strings.Repeat("a", i%7+1) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + `": ["v"]`)
	}
	return b.String()
}

// TestWriteOwnsFraming: the function's headers replace those already on
// the response, its Content-Length and Transfer-Encoding do not count,
// and a HEAD, 204 or 304 goes out without a body.
func TestWriteOwnsFraming(t *testing.T) {
	r, err := parseResponse([]byte(`{"status": 200, "headers": {"Content-Type": ["text/plain"], "Content-Length": ["999"], "Transfer-Encoding": ["chunked"]}, "body": "four"}`))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Kept", "yes")
	r.write(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := w.Header(); got.Get("Content-Length") != "4" || got.Get("Transfer-Encoding") != "" ||
		!slices.Equal(got["Content-Type"], []string{"text/plain"}) || got.Get("X-Kept") != "yes" || w.Body.String() != "four" {
		t.Fatalf("answered %v %q", got, w.Body.String())
	}
	for _, tt := range []struct {
		method, out string
		status      int
	}{
		{http.MethodHead, `{"status": 200, "body": "four"}`, 200},
		{http.MethodGet, `{"status": 204, "body": "four"}`, 204},
		{http.MethodGet, `{"status": 304, "body": "four"}`, 304},
	} {
		r, err := parseResponse([]byte(tt.out))
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		r.write(w, httptest.NewRequest(tt.method, "/", nil))
		if w.Code != tt.status || w.Body.Len() != 0 {
			t.Errorf("%s %s: %d with %d bytes", tt.method, tt.out, w.Code, w.Body.Len())
		}
	}
}

// TestParseHugeOutput: a 10 MiB output, a valid response or not, is read
// without trouble.
func TestParseHugeOutput(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	r, err := parseResponse([]byte(`{"status": 200, "body": "` + big + `"}`))
	if err != nil || len(r.body) != len(big) {
		t.Fatalf("a 10 MiB body: %d bytes, %v", len(r.body), err)
	}
	if _, err := parseResponse([]byte(strings.Repeat("[", 10<<20))); !errors.Is(err, ErrContract) {
		t.Fatalf("10 MiB of [: %v", err)
	}
	if _, err := parseResponse([]byte("{" + strings.Repeat(`"a":1,`, 1<<20) + `"b":2}` + big)); !errors.Is(err, ErrContract) {
		t.Fatalf("trailing 10 MiB: %v", err)
	}
}

// contractResponse is the original Gojinn's decoding of a response.
type contractResponse struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// FuzzParseResponse holds the parser to encoding/json, which the original
// Gojinn decoded the output with: what the parser accepts, encoding/json
// accepts too, with the same status, headers and body; what encoding/json
// refuses, the parser refuses. (The parser refuses more: an output that
// is not an object, statuses out of range, names that are not tokens,
// values with line breaks, nesting past maxDepth.) And it never panics.
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		`{"status": 200, "headers": {"Content-Type": ["application/json"]}, "body": "{\"ok\": true}"}`,
		`{"Status": 201, "headers": {"x-a": ["1"], "X-A": ["2"]}, "body": null}`,
		`{"status": "200"}`, `{"headers": {"A": "b"}}`, "debug\n{}", "{}\n{}", `{"body": "\ud800"}`,
		"{\"body\": \"\xff\"}", `{"status": 2e2}`, `{"x": [[[[[]]]]]}`, `{"a":1,"a":2}`, ` {"status":-0} `,
		`{"headers":{"K":[null,"v"]}}`, `{"status": 200, "body": "\u0041\/"}`, `[]`, `"x"`, `{`, `{"a":"\"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := parseResponse(append([]byte(nil), out...))
		var want contractResponse
		jsonErr := json.Unmarshal(out, &want)
		if err != nil {
			if !errors.Is(err, ErrContract) {
				t.Fatalf("an error that does not wrap ErrContract: %v", err)
			}
			return
		}
		if jsonErr != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", jsonErr, out)
		}
		if want.Status == 0 {
			want.Status = 200
		}
		if r.status != want.Status || r.body != want.Body {
			t.Fatalf("status %d body %q; encoding/json: %d %q", r.status, r.body, want.Status, want.Body)
		}
		// encoding/json keeps the names as written; net/http adds up
		// those that differ only in case, in an order a map cannot
		// keep: compare the sorted values per canonical name.
		wantHeader := http.Header{}
		for k, vs := range want.Headers {
			if len(vs) > 0 {
				wantHeader[http.CanonicalHeaderKey(k)] = append(wantHeader[http.CanonicalHeaderKey(k)], vs...)
			}
		}
		gotHeader := http.Header{}
		w := httptest.NewRecorder()
		r.write(w, httptest.NewRequest(http.MethodGet, "/", nil))
		for k, vs := range w.Header() {
			if k != "Content-Length" {
				gotHeader[k] = vs
			}
		}
		for _, h := range []http.Header{wantHeader, gotHeader} {
			for _, vs := range h {
				slices.Sort(vs)
			}
		}
		if !equalHeader(gotHeader, wantHeader) {
			t.Fatalf("headers %v; encoding/json: %v", gotHeader, wantHeader)
		}
	})
}
