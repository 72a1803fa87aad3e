package functions

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// contractRequest is the request as a function decodes it.
type contractRequest struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	TraceID *string             `json:"trace_id"`
}

func TestAppendRequest(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/api/contact?id=123&q=%3Cb%3E", nil)
	r.Header = http.Header{
		"Content-Type": {"application/json"},
		"X-Multi":      {"a", "b"},
		"Traceparent":  {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	}
	got, _ := appendRequest(nil, nil, r, []byte(`{"user": "john", "note": "<&>"}`))
	want := `{"method":"POST","uri":"/api/contact?id=123\u0026q=%3Cb%3E",` +
		`"headers":{"Content-Type":["application/json"],"Traceparent":["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],"X-Multi":["a","b"]},` +
		`"body":"{\"user\": \"john\", \"note\": \"\u003c\u0026\u003e\"}",` +
		`"trace_id":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// encoding/json, which the original Gojinn encoded with, agrees byte
	// for byte (its struct has the same members in the same order).
	type original struct {
		Method  string              `json:"method"`
		URI     string              `json:"uri"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
		TraceID string              `json:"trace_id,omitempty"`
	}
	b, _ := json.Marshal(original{r.Method, r.RequestURI, r.Header, `{"user": "john", "note": "<&>"}`, r.Header.Get("Traceparent")})
	if string(b) != want {
		t.Fatalf("encoding/json: %s", b)
	}
	// No traceparent, no trace_id; no body, an empty one.
	r.Header.Del("Traceparent")
	got, _ = appendRequest(nil, nil, r, nil)
	if strings.Contains(string(got), "trace_id") || !strings.Contains(string(got), `"body":""}`) {
		t.Fatalf("got %s", got)
	}
}

// FuzzAppendRequest: whatever the request holds (bytes that are not
// UTF-8, control characters, huge headers), the function gets valid JSON
// that decodes to what encoding/json would have sent.
func FuzzAppendRequest(f *testing.F) {
	f.Add("GET", "/a?b=c", "X-Name", "ada", []byte("body"), 1)
	f.Add("POST", "/\xff", "X-Bad", "\xfe\x00\n\u2028", []byte("\xc3\x28 \xed\xa0\x80"), 3)
	f.Add("PATCH", "/x", "Traceparent", "00-x", []byte(strings.Repeat("\"\\", 1000)), 100)
	f.Fuzz(func(t *testing.T, method, uri, name, value string, body []byte, copies int) {
		r := &http.Request{Method: method, RequestURI: uri, URL: &url.URL{Path: "/from-url"}, Header: http.Header{}}
		for range min(max(copies, 1), 1000) {
			r.Header[name] = append(r.Header[name], value)
		}
		r.Header["Other"] = []string{value + value}
		got, _ := appendRequest(nil, nil, r, body)
		if !json.Valid(got) {
			t.Fatalf("invalid JSON: %q", got)
		}
		var dec contractRequest
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatal(err)
		}
		want := contractRequest{Method: method, URI: uri, Headers: r.Header, Body: string(body)}
		if uri == "" {
			want.URI = "/from-url"
		}
		if tp := r.Header.Get("Traceparent"); tp != "" {
			want.TraceID = &tp
		}
		// Through encoding/json's own round trip: that is what the
		// original's functions got.
		b, _ := json.Marshal(want)
		var wantDec contractRequest
		if err := json.Unmarshal(b, &wantDec); err != nil {
			t.Fatal(err)
		}
		gotJSON, _ := json.Marshal(dec)
		wantJSON, _ := json.Marshal(wantDec)
		if string(gotJSON) != string(wantJSON) {
			t.Fatalf("decoded\n%s\nwant\n%s", gotJSON, wantJSON)
		}
	})
}
