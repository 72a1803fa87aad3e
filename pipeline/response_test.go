package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

// serveChain serves a chain of probes in front of handler and returns the
// server's URL.
func serveChain(t *testing.T, maxBody int64, handler http.Handler, specs ...stageSpec) string {
	t.Helper()
	c := New(loadStages(t, zap.NewNop(), specs...), Options{MaxBodyBytes: maxBody})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := c.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			handler.ServeHTTP(w, r)
			return nil
		}, nil)
		var f *Failure
		if errors.As(err, &f) {
			writeFailure(w, r, f.Status)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func fetch(t *testing.T, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// No transparent gzip: the tests look at the bytes as sent.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// page answers with a fixed body, an ETag, and what it saw of the request
// in headers.
func page(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("X-Saw-Range", r.Header.Get("Range"))
		w.Header().Set("X-Saw-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

func TestResponseHooksRunInReverseOrder(t *testing.T) {
	t.Parallel()
	url := serveChain(t, 0, page(200, "hi"),
		stageSpec{config: `{"response":true,"tag":"first"}`},
		stageSpec{config: `{"tag":"no-hook"}`},
		stageSpec{config: `{"response":true,"tag":"last"}`},
	)
	resp, body := fetch(t, http.MethodGet, url, nil)
	if got := strings.Join(resp.Header.Values("X-Hooks"), ","); got != "last,first" || body != "hi" {
		t.Fatalf("hooks ran as %q, body %q", got, body)
	}
	if resp.Header.Get("X-Probe-Saw-Status") != "200" {
		t.Fatalf("hook saw status %q", resp.Header.Get("X-Probe-Saw-Status"))
	}
}

func TestResponseHooksOnlyForFiltersThatContinued(t *testing.T) {
	t.Parallel()
	url := serveChain(t, 0, page(200, "hi"),
		stageSpec{config: `{"response":true,"tag":"skipped","op":"panic"}`, onError: Allow},
		stageSpec{config: `{"response":true,"tag":"ran"}`},
	)
	resp, _ := fetch(t, http.MethodGet, url, nil)
	if got := strings.Join(resp.Header.Values("X-Hooks"), ","); got != "ran" {
		t.Fatalf("hooks: %q, want only the filter that continued", got)
	}
	// A filter that answers in the request phase ends the exchange: no
	// response hook runs on its answer.
	url = serveChain(t, 0, page(200, "hi"),
		stageSpec{config: `{"response":true,"tag":"a"}`},
		stageSpec{config: `{"response":true,"op":"respond","arg":"403"}`},
	)
	resp, body := fetch(t, http.MethodGet, url, nil)
	if resp.StatusCode != 403 || resp.Header.Get("X-Hooks") != "" || body != "answered by probe\n" {
		t.Fatalf("got %d %q hooks %q", resp.StatusCode, body, resp.Header.Values("X-Hooks"))
	}
}

func TestResponseBodyHooks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spec    string
		maxBody int64
		status  int
		body    string
		method  string
		header  map[string]string
		check   func(t *testing.T, resp *http.Response, body string)
	}{
		{
			name: "headers only: body untouched, validators kept", spec: `{"response":true,"response_op":"read"}`,
			status: 200, body: "plain",
			check: func(t *testing.T, resp *http.Response, body string) {
				if body != "plain" || resp.Header.Get("X-Body-Err") != "gojinn: not available in this phase" || resp.Header.Get("ETag") == "" {
					t.Fatalf("body %q, headers %v", body, resp.Header)
				}
			},
		},
		{
			name: "held body is read", spec: `{"response":true,"buffer_response":true,"response_op":"read"}`,
			status: 200, body: strings.Repeat("x", 4096),
			check: func(t *testing.T, resp *http.Response, body string) {
				if len(body) != 4096 || resp.Header.Get("X-Body-Len") != "4096" || resp.ContentLength != 4096 {
					t.Fatalf("len %d, X-Body-Len %q, Content-Length %d", len(body), resp.Header.Get("X-Body-Len"), resp.ContentLength)
				}
				if resp.Header.Get("ETag") == "" {
					t.Fatal("an unchanged body lost its ETag")
				}
			},
		},
		{
			name: "rewrite fixes length and drops validators", spec: `{"response":true,"buffer_response":true,"response_op":"upper"}`,
			status: 200, body: "shout this",
			check: func(t *testing.T, resp *http.Response, body string) {
				if body != "SHOUT THIS" || resp.ContentLength != 10 || resp.Header.Get("ETag") != "" || resp.Header.Get("Accept-Ranges") != "" {
					t.Fatalf("body %q, length %d, headers %v", body, resp.ContentLength, resp.Header)
				}
			},
		},
		{
			name: "range and encoding are not asked of the route", spec: `{"response":true,"buffer_response":true,"response_op":"read"}`,
			status: 200, body: "0123456789", header: map[string]string{"Range": "bytes=0-3", "Accept-Encoding": "gzip"},
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 200 || body != "0123456789" || resp.Header.Get("X-Saw-Range") != "" || resp.Header.Get("X-Saw-Accept-Encoding") != "" {
					t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
				}
			},
		},
		{
			name: "over the limit streams whole", spec: `{"response":true,"buffer_response":true,"response_op":"read"}`,
			maxBody: 1024, status: 200, body: strings.Repeat("y", 5000),
			check: func(t *testing.T, resp *http.Response, body string) {
				if body != strings.Repeat("y", 5000) || resp.Header.Get("X-Body-Err") != "gojinn: over the host's limit" {
					t.Fatalf("len %d, X-Body-Err %q", len(body), resp.Header.Get("X-Body-Err"))
				}
			},
		},
		{
			name: "replace without holding", spec: `{"response":true,"response_op":"replace"}`,
			status: 200, body: strings.Repeat("z", 100000),
			check: func(t *testing.T, resp *http.Response, body string) {
				if body != "replaced by probe\n" || resp.ContentLength != int64(len(body)) || resp.Header.Get("ETag") != "" {
					t.Fatalf("body %q, length %d", body, resp.ContentLength)
				}
			},
		},
		{
			name: "hide an upstream 500", spec: `{"response":true,"response_op":"mask-500"}`,
			status: 500, body: "stack trace with secrets",
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 502 || body != "clean error page\n" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
			},
		},
		{
			name: "HEAD has no body", spec: `{"response":true,"buffer_response":true,"response_op":"upper"}`,
			status: 200, body: "abc", method: http.MethodHead,
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 200 || body != "" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
			},
		},
		{
			name: "204 stays empty", spec: `{"response":true,"buffer_response":true,"response_op":"read"}`,
			status: 204,
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 204 || body != "" || resp.Header.Get("X-Probe-Saw-Status") != "204" {
					t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
				}
			},
		},
		{
			name: "304 stays empty", spec: `{"response":true,"buffer_response":true,"response_op":"replace"}`,
			status: 304,
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 304 || body != "" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
			},
		},
		{
			name: "hook trap blocks", spec: `{"response":true,"response_op":"panic"}`,
			status: 200, body: "never seen",
			check: func(t *testing.T, resp *http.Response, body string) {
				if resp.StatusCode != 500 || body != "filter error\n" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveChain(t, tt.maxBody, page(tt.status, tt.body), stageSpec{config: tt.spec})
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			resp, body := fetch(t, method, url, tt.header)
			tt.check(t, resp, body)
		})
	}
}

// TestResponseStreams: with header-only hooks, the first event of a
// Server-Sent Events stream reaches the client while the route is still
// writing. The route waits for the client to have read it, so the test
// can only pass if nothing holds the stream back.
func TestResponseStreams(t *testing.T) {
	t.Parallel()
	got := make(chan struct{})
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-got:
		case <-time.After(time.Minute):
			// The test fails on its side; end the handler all the same.
		}
		io.WriteString(w, "data: second\n\n")
	})
	url := serveChain(t, 0, sse, stageSpec{config: `{"response":true,"tag":"sse"}`})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Hooks") != "sse" {
		t.Fatalf("the hook did not run: %v", resp.Header)
	}
	line := make(chan string, 1)
	br := bufio.NewReader(resp.Body)
	go func() {
		l, _ := br.ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "data: first\n" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the first event was held back")
	}
	close(got)
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: second\n\n" {
		t.Fatalf("rest %q", rest)
	}
}

// TestUpgradeBypassesHooks: a WebSocket-style upgrade hands the connection
// over; hooks do not stand in its way.
func TestUpgradeBypassesHooks(t *testing.T) {
	t.Parallel()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		l, _ := brw.ReadString('\n')
		brw.WriteString(l)
		brw.Flush()
	})
	url := serveChain(t, 0, echo, stageSpec{config: `{"response":true,"buffer_response":true}`})
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang guard
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	status, _ := br.ReadString('\n')
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("status line %q", status)
	}
	for l, _ := br.ReadString('\n'); l != "\r\n" && l != ""; l, _ = br.ReadString('\n') {
	}
	fmt.Fprintf(conn, "ping\n")
	if l, _ := br.ReadString('\n'); l != "ping\n" {
		t.Fatalf("echo %q", l)
	}
}

func TestInterimResponsesPass(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "final")
	})
	url := serveChain(t, 0, h, stageSpec{config: `{"response":true,"tag":"x"}`})
	var interim []int
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req.WithContext(withInterim(req, &interim)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "final" || resp.Header.Get("X-Probe-Saw-Status") != "200" {
		t.Fatalf("%d %q %v", resp.StatusCode, b, resp.Header)
	}
	if len(interim) != 1 || interim[0] != 103 {
		t.Fatalf("interim responses %v, want [103]", interim)
	}
}

// withInterim records the 1xx statuses a client request receives.
func withInterim(r *http.Request, got *[]int) context.Context {
	return httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			*got = append(*got, code)
			return nil
		},
	})
}

// TestResponseLengthWithHooks: with a response hook, a route that wrote
// nothing still reaches the client with "Content-Length: 0" (net/http
// adds it now that decide leaves it out), and a body with its length,
// over HTTP/1.1 and HTTP/2.
func TestResponseLengthWithHooks(t *testing.T) {
	t.Parallel()
	c := New([]Stage{{Filter: loadGuest(t, "hook", guest(t, resphdrGuest), "", 0, 0)}}, Options{})
	routes := []struct {
		name   string
		route  func(http.ResponseWriter)
		status int
		length int64 // as the client reads it: 0 for a 204, which has none
		body   string
	}{
		{"nothing written", func(http.ResponseWriter) {}, 200, 0, ""},
		{"header only", func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }, 202, 0, ""},
		{"a body", func(w http.ResponseWriter) { io.WriteString(w, "hi") }, 200, 2, "hi"},
		{"no content", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }, 204, 0, ""},
	}
	for _, h2 := range []bool{false, true} {
		for _, rt := range routes {
			t.Run(fmt.Sprintf("%s/http2=%v", rt.name, h2), func(t *testing.T) {
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if err := c.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
						rt.route(w)
						return nil
					}, nil); err != nil {
						t.Errorf("Serve: %v", err)
					}
				}))
				srv.EnableHTTP2 = h2
				if h2 {
					srv.StartTLS()
				} else {
					srv.Start()
				}
				t.Cleanup(srv.Close)
				resp, err := srv.Client().Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if h2 != (resp.ProtoMajor == 2) {
					t.Fatalf("served over %s", resp.Proto)
				}
				if resp.StatusCode != rt.status || resp.ContentLength != rt.length || string(b) != rt.body {
					t.Fatalf("got %d, Content-Length %d, body %q; want %d, %d, %q",
						resp.StatusCode, resp.ContentLength, b, rt.status, rt.length, rt.body)
				}
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Fatalf("the hook did not run: X-Content-Type-Options %q", got)
				}
			})
		}
	}
}

// TestResponseHookOnEmptyRouteAllocatesNothing: a warm response hook that
// sets one header, on a route that wrote nothing, costs the host no
// allocation (the length of an empty body is net/http's to add). Counts,
// not time.
func TestResponseHookOnEmptyRouteAllocatesNothing(t *testing.T) {
	c := New([]Stage{{Filter: loadGuest(t, "hook", guest(t, resphdrGuest), "", 0, 0)}}, Options{})
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	serve := func() {
		clear(w.h)
		if err := c.Serve(w, r, next, nil); err != nil {
			t.Fatal(err)
		}
	}
	serve() // warm: the instance, the pooled Exchange, the interned header
	if allocs := testing.AllocsPerRun(200, serve); allocs != 0 {
		t.Errorf("a warm exchange allocates %v times, want 0", allocs)
	}
	if got := w.h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Fatalf("the hook did not run: X-Content-Type-Options %q", got)
	}
}
