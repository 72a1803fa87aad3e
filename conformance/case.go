package conformance

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// Case is one behaviour of one host function, run by a case runner.
type Case struct {
	// Func is the host function the case defines (hostabi.Func*).
	Func string
	// Name says what the case checks, within Func.
	Name string
	// Script is the runner's config; Then, when set, is the script of a
	// second filter after it in the chain.
	Script, Then string
	// Request shapes the request; nil sends DefaultRequest.
	Request func(r *http.Request)
	// Want is the report: the response body when a runner answers, or
	// the X-Report values ("|"-joined) the upstream saw when the chain
	// continued.
	Want string
	// Continues says the request must reach the upstream.
	Continues bool
	// ResponseWant is the report of the response steps, which the runner
	// adds to the response as X-Response-Report; "" when there are none.
	ResponseWant string
	// Body, when set, is the body the client must get.
	Body *string
	// Status is the response status; zero means 200.
	Status int
	// Upstream holds lines the upstream's echo of the request must hold,
	// and NotUpstream lines it must not (see echo).
	Upstream, NotUpstream []string
	// Header holds response headers the answer must carry.
	Header http.Header
	// LoadError, when set, is text the refusal to load must hold.
	LoadError string
}

// DefaultRequest is the request of every case, before Case.Request.
func DefaultRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/path?q=1", nil) // Host: example.com
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("X-One", "a")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	r.Header.Set("X-Empty", "")
	return r
}

// withBody gives the request a body.
func withBody(body string) func(*http.Request) {
	return func(r *http.Request) {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
}

// withServerBody gives the request a body with a Content-Length, as
// net/http's server parses one: the length in r.ContentLength and in the
// header map too, the body a reader of its own even when empty (a host
// may wrap it, as Caddy does to count what is read).
func withServerBody(body string) func(*http.Request) {
	return func(r *http.Request) {
		withBody(body)(r)
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
}

// withChunkedBody gives the request a chunked body as net/http's server
// parses one: no length, the coding in r.TransferEncoding and not in the
// header map. An HTTP/2 body without content-length is the same without
// the coding.
func withChunkedBody(body string) func(*http.Request) {
	return func(r *http.Request) {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
	}
}
