package function

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// contract is the contract's request as its documentation decodes it,
// with encoding/json: the oracle DecodeRequest is held to.
type contract struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	TraceID string              `json:"trace_id"`
}

func (r *Request) contract() contract {
	c := contract{Method: r.Method, URI: r.URI, Body: r.Body, TraceID: r.TraceID}
	if len(r.Header) > 0 {
		c.Headers = map[string][]string{}
		for _, h := range r.Header {
			c.Headers[h.Name] = h.Values
		}
	}
	return c
}

func equalContract(a, b contract) bool {
	if a.Method != b.Method || a.URI != b.URI || a.Body != b.Body || a.TraceID != b.TraceID || len(a.Headers) != len(b.Headers) {
		return false
	}
	for k, v := range a.Headers {
		w, ok := b.Headers[k]
		if !ok || !slices.Equal(v, w) && !(len(v) == 0 && len(w) == 0) {
			return false
		}
	}
	return true
}

func TestDecodeRequest(t *testing.T) {
	raw := `{"method":"POST","uri":"/api/contact?id=123\u0026x","headers":{"Content-Type":["application/json"],"X-Multi":["a","b"]},` +
		`"body":"{\"user\": \"j\u00f6hn\"} \ud83d\ude00","trace_id":"00-abc-01"}`
	var r Request
	if err := DecodeRequest([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if r.Method != "POST" || r.URI != "/api/contact?id=123&x" || r.Body != `{"user": "jöhn"} 😀` || r.TraceID != "00-abc-01" ||
		len(r.Header) != 2 || r.HeaderValue("content-type") != "application/json" || strings.Join(r.Header[1].Values, ",") != "a,b" {
		t.Fatalf("%+v", r)
	}
	// Reused: nothing of the first request is left.
	if err := DecodeRequest([]byte(`{"method":"GET","uri":"/"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Method != "GET" || len(r.Header) != 0 || r.Body != "" || r.HeaderValue("X-Multi") != "" {
		t.Fatalf("%+v", r)
	}
	for _, bad := range []string{``, `[]`, `{"method":1}`, `{"headers":{"A":"b"}}`, `{"headers":{"A":[1]}}`, `{"method":"GET"} x`,
		`{"method":"GET",}`, `{"body":"\x01"}`, `{"body":"\q"}`, `{"x":[1,]}`, `{"x":{"a" 1}}`, `{"x":01}`} {
		if err := DecodeRequest([]byte(bad), &r); !errors.Is(err, ErrSyntax) && err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// FuzzDecodeRequest holds DecodeRequest to encoding/json: both accept or
// both refuse, and what they accept they decode alike.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"method":"POST","uri":"/a?b","headers":{"A":["1","2"],"B":[]},"body":"x\"y\\z\u00e9","trace_id":"t"}`,
		`{"METHOD":"GET","Headers":{"a":["1"],"a":["2"]},"extra":[1,{"k":[true,false,null,-1.5e3]}],"body":null}`,
		`{"headers":null,"body":"\ud800\udc00 \ud800 \udc00 \ud800\u0041"}`, "{\"body\":\"\xff\xc3\"}", `{"x":{}}`, `{"x":[]}`,
		` { "method" : "GET" } `, `{"headers":{"A":[null,"v"]}}`, `{"a":"\/"}`, `{"a":1e}`, `{"a":-}`, `{"a":[1 2]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r Request
		err := DecodeRequest(raw, &r)
		var want contract
		jsonErr := json.Unmarshal(raw, &want)
		if (err == nil) != (jsonErr == nil) {
			t.Fatalf("DecodeRequest: %v; encoding/json: %v; input %q", err, jsonErr, raw)
		}
		if err == nil && !equalContract(r.contract(), want) {
			t.Fatalf("decoded %+v; encoding/json %+v", r.contract(), want)
		}
	})
}

func TestResponseAppendJSON(t *testing.T) {
	r := Response{Status: 201, Header: map[string][]string{"Content-Type": {"text/plain"}, "X-Two": {"a", "b\"c"}},
		Body: []byte("line\n\ttab \x01 \"q\" \\ é \xff end")}
	var got struct {
		Status  int                 `json:"status"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
	}
	out := r.AppendJSON([]byte("keep:"))
	if !strings.HasPrefix(string(out), "keep:") {
		t.Fatalf("dst was not appended to: %q", out)
	}
	if err := json.Unmarshal(out[len("keep:"):], &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Status != 201 || got.Body != "line\n\ttab \x01 \"q\" \\ é \ufffd end" || strings.Join(got.Headers["X-Two"], "|") != "a|b\"c" {
		t.Fatalf("%+v", got)
	}
	if out := (&Response{}).AppendJSON(nil); string(out) != `{"status":200,"headers":{},"body":""}` {
		t.Fatalf("the zero response: %s", out)
	}
}

// FuzzAppendString: any string encodes to valid JSON that decodes to it,
// with bytes that are not UTF-8 as U+FFFD (as encoding/json has them).
func FuzzAppendString(f *testing.F) {
	for _, seed := range []string{"", "plain", "\"\\\n\r\t\x00\x1f", "é😀", "\xff\xfe\xc3", "\u2028<&>"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q encoded as %s: %v", s, out, err)
		}
		want, _ := json.Marshal(s)
		var wantS string
		_ = json.Unmarshal(want, &wantS)
		if got != wantS {
			t.Fatalf("%q decodes as %q, encoding/json's as %q", s, got, wantS)
		}
	})
}
