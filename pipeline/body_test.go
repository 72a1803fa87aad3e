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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// guard bounds every wait of these tests: it only fires when something
// hangs, never on a slow machine.
const guard = 30 * time.Second

// loadGuest loads a test guest, closed when the test ends.
func loadGuest(t *testing.T, name string, wasm []byte, config string, poolMax int, poolWait time.Duration) *filters.Filter {
	t.Helper()
	f, err := engine(t).Load(context.Background(), filters.Config{
		Name: name, Wasm: wasm, GuestConfig: []byte(config),
		Timeout: guard, PoolMax: poolMax, PoolWait: poolWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

// serveMiddleware serves c as middleware in front of the tests' upstream.
func serveMiddleware(t *testing.T, c *Chain) (*httptest.Server, *upstream) {
	t.Helper()
	up := &upstream{}
	srv := httptest.NewServer(c.Middleware(up))
	t.Cleanup(srv.Close)
	return srv, up
}

func TestReadBodyAheadDeclared(t *testing.T) {
	const limit = 64
	reads, lazyReads := loadGuest(t, "readbody", guest(t, readbodyGuest), "", 0, 0), loadGuest(t, "lazy", guest(t, readbodyGuest), "lazy", 0, 0)
	if reads.Features()&hostabi.FeatureRequestBody == 0 || lazyReads.Features()&hostabi.FeatureRequestBody != 0 {
		t.Fatalf("the guests declared %v and %v", reads.Features(), lazyReads.Features())
	}
	declared := New([]Stage{{Filter: reads}}, Options{MaxBodyBytes: limit})
	lazy := New([]Stage{{Filter: lazyReads}}, Options{MaxBodyBytes: limit})
	hello := "hello, world"
	chunked := func(s string) io.Reader {
		// io.MultiReader hides the length: the client sends chunks.
		return io.MultiReader(strings.NewReader(s[:1]), strings.NewReader(s[1:]))
	}
	tests := []struct {
		name   string
		chain  *Chain
		body   func() io.Reader
		status int
		// what the guest saw: body_size, Transfer-Encoding, the body
		size, te string
		read     string
		upLen    int
	}{
		{"Content-Length", declared, func() io.Reader { return strings.NewReader(hello) }, 200,
			"12", "absent", "12 " + checksum([]byte(hello)), 12},
		{"chunked: read before the call", declared, func() io.Reader { return chunked(hello) }, 200,
			"12", "absent", "12 " + checksum([]byte(hello)), 12},
		{"no body", declared, func() io.Reader { return nil }, 200, "0", "absent", "0 " + checksum(nil), 0},
		{"at the limit, chunked", declared, func() io.Reader { return chunked(strings.Repeat("a", limit)) }, 200,
			"64", "absent", "64 " + checksum([]byte(strings.Repeat("a", limit))), limit},
		{"over the limit, Content-Length", declared, func() io.Reader { return strings.NewReader(strings.Repeat("a", limit+1)) },
			413, "", "", "", 0},
		{"over the limit, chunked", declared, func() io.Reader { return chunked(strings.Repeat("a", limit+1)) }, 413, "", "", "", 0},
		{"not declared: read in the call", lazy, func() io.Reader { return chunked(hello) }, 200,
			"error: gojinn: not available yet", "chunked", "12 " + checksum([]byte(hello)), 12},
		{"not declared, over the limit: passes whole", lazy, func() io.Reader { return chunked(strings.Repeat("a", limit+1)) }, 200,
			"error: gojinn: not available yet", "chunked", "error: gojinn: over the host's limit", limit + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, up := serveMiddleware(t, tt.chain)
			h := &harness{srv: srv, up: up}
			r := h.do(t, http.MethodPost, "/", tt.body(), nil)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %q", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				if r.seen != nil || up.count() != 0 {
					t.Fatal("a refused body reached the upstream")
				}
				if r.body != "request body too large\n" {
					t.Errorf("body %q", r.body)
				}
				return
			}
			if r.seen == nil {
				t.Fatalf("the upstream was not reached: %q", r.body)
			}
			for k, want := range map[string]string{"X-Size": tt.size, "X-Te": tt.te, "X-Read": tt.read} {
				if got := strings.Join(r.seen.Header[k], ","); got != want {
					t.Errorf("guest saw %s = %q, want %q", k, got, want)
				}
			}
			if r.seen.BodyLen != tt.upLen {
				t.Errorf("the upstream got %d bytes, want %d", r.seen.BodyLen, tt.upLen)
			}
		})
	}
}

// countingReader counts the reads made of a body.
type countingReader struct {
	io.Reader
	reads atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Reader.Read(p)
}

func (c *countingReader) Close() error { return nil }

// calls counts the filter calls a chain reports.
type calls struct{ n atomic.Int64 }

func (c *calls) FilterCall(int, Phase, Outcome, time.Duration, trace.SpanContext) { c.n.Add(1) }

func TestReadBodyAheadRefusesALargeLengthUnread(t *testing.T) {
	seen := &calls{}
	c := New([]Stage{{Filter: loadGuest(t, "readbody", guest(t, readbodyGuest), "", 0, 0)}}, Options{MaxBodyBytes: 16, Observer: seen})
	body := &countingReader{Reader: strings.NewReader(strings.Repeat("x", 17))}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = body, 17
	w := httptest.NewRecorder()
	err := c.Serve(w, r, func(http.ResponseWriter, *http.Request) error { t.Error("next was called"); return nil }, nil)
	var f *Failure
	if !errors.As(err, &f) || f.Status != http.StatusRequestEntityTooLarge || !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Serve = %v, want a 413 Failure", err)
	}
	if n := body.reads.Load(); n != 0 {
		t.Errorf("the body was read %d times", n)
	}
	if n := seen.n.Load(); n != 0 {
		t.Errorf("%d filter calls", n)
	}
	if w.Header().Get("Connection") != "close" {
		t.Error("an HTTP/1 refusal leaves the connection open for the rest of the body")
	}
}

// TestReadBodyAheadTimeout: a body that stops coming gets 408 once the
// chain's body timeout passes, whether the writer can cut the read (a
// real server: a read deadline) or not (a recorder: the body is closed).
func TestReadBodyAheadTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	core, logs := observer.New(zap.InfoLevel)
	seen := &calls{}
	c := New([]Stage{{Filter: loadGuest(t, "readbody", guest(t, readbodyGuest), "", 0, 0)}},
		Options{BodyTimeout: timeout, Logger: zap.New(core), Observer: seen})

	t.Run("writer without deadlines", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Body, r.ContentLength = pr, -1
		done := make(chan error, 1)
		go func() {
			done <- c.Serve(httptest.NewRecorder(), r, func(http.ResponseWriter, *http.Request) error { return nil }, nil)
		}()
		if _, err := pw.Write([]byte("part")); err != nil {
			t.Fatal(err)
		}
		var err error
		select {
		case err = <-done:
		case <-time.After(guard):
			t.Fatal("Serve still waits for the body")
		}
		var f *Failure
		if !errors.As(err, &f) || f.Status != http.StatusRequestTimeout || !errors.Is(err, ErrBodyTimeout) {
			t.Fatalf("Serve = %v, want a 408 Failure", err)
		}
		if _, err := pw.Write([]byte("more")); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("the body was not closed: write after the timeout = %v", err)
		}
	})

	t.Run("real server", func(t *testing.T) {
		srv, up := serveMiddleware(t, c)
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(guard))
		// Three of the ten bytes promised, then nothing.
		if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestTimeout || string(b) != "request body too slow\n" {
			t.Fatalf("got %d %q, want 408", resp.StatusCode, b)
		}
		if !resp.Close {
			t.Error("the 408 does not close the connection")
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Errorf("the connection is still open after the 408: %v", err)
		}
		if up.count() != 0 {
			t.Error("the upstream was called")
		}
		// The server serves on.
		h := &harness{srv: srv, up: up}
		if r := h.do(t, http.MethodPost, "/", strings.NewReader("whole"), nil); r.status != 200 || r.seen == nil || r.seen.BodyLen != 5 {
			t.Fatalf("after the 408: %d %q", r.status, r.body)
		}
	})
	if n := seen.n.Load(); n != 1 {
		t.Errorf("%d filter calls, want 1 (the request after the 408)", n)
	}
	refused := logs.FilterMessage("request body refused").All()
	if len(refused) != 2 {
		t.Fatalf("%d refusals logged, want 2", len(refused))
	}
	if got := refused[1].ContextMap()["client"]; got == "" || got == nil {
		t.Errorf("the refusal does not name the client: %v", refused[1].ContextMap())
	}
}

func TestReadBodyAheadBrokenChunks(t *testing.T) {
	c := New([]Stage{{Filter: loadGuest(t, "readbody", guest(t, readbodyGuest), "", 0, 0)}}, Options{})
	srv, up := serveMiddleware(t, c)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || up.count() != 0 {
		t.Fatalf("broken chunks: %d, upstream called %d times", resp.StatusCode, up.count())
	}
}

// readSignal is a request body that says when it is first read.
type readSignal struct {
	io.ReadCloser
	once  sync.Once
	first chan struct{}
}

func (b *readSignal) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.first) })
	return b.ReadCloser.Read(p)
}

// TestSlowClientHoldsNoInstance is the denial of service the read ahead
// prevents: a client trickling its body to a filter with one instance.
// When the filter declared it reads the body, the chain waits for the
// body before the call, so other requests get the instance; when it did
// not, its call waits inside the instance, and they find it busy (503).
func TestSlowClientHoldsNoInstance(t *testing.T) {
	for _, tt := range []struct {
		config string
		want   int
	}{
		{"", http.StatusOK},
		{"lazy", http.StatusServiceUnavailable},
	} {
		t.Run(fmt.Sprintf("config %q", tt.config), func(t *testing.T) {
			c := New([]Stage{{Filter: loadGuest(t, "readbody", guest(t, readbodyGuest), tt.config, 1, 100*time.Millisecond)}}, Options{})
			up := &upstream{}
			chain := c.Middleware(up)
			reading := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Slow") != "" {
					r.Body = &readSignal{ReadCloser: r.Body, first: reading}
				}
				chain.ServeHTTP(w, r)
			}))
			defer srv.Close()

			slow, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			slow.SetDeadline(time.Now().Add(guard))
			if _, err := io.WriteString(slow, "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\nContent-Length: 10\r\n\r\nabc"); err != nil {
				t.Fatal(err)
			}
			// The chain is reading the slow body: ahead of the call, or
			// inside it, holding the instance.
			select {
			case <-reading:
			case <-time.After(guard):
				t.Fatal("the slow request's body was never read")
			}
			h := &harness{srv: srv, up: up}
			r := h.do(t, http.MethodPost, "/", strings.NewReader("quick"), nil)
			if r.status != tt.want {
				t.Fatalf("a request next to the slow client got %d %q, want %d", r.status, r.body, tt.want)
			}
			if _, err := io.WriteString(slow, "defghij"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the slow client, once done, got %d", resp.StatusCode)
			}
		})
	}
}

// TestBodyHookHoldsNoInstanceWhileRouteWrites: a body hook's response is
// held before the hook's instance is taken, so a route that writes its
// body slowly keeps no instance from other requests.
func TestBodyHookHoldsNoInstanceWhileRouteWrites(t *testing.T) {
	wrote, release := make(chan struct{}), make(chan struct{})
	route := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slow" {
			io.WriteString(w, "fast")
			return
		}
		io.WriteString(w, "part one, ")
		close(wrote)
		select {
		case <-release:
		case <-time.After(guard):
		}
		io.WriteString(w, "part two")
	})
	url := serveChain(t, 0, route, stageSpec{config: `{"response": true, "buffer_response": true, "response_op": "upper"}`,
		poolMax: 1, poolWait: 100 * time.Millisecond, timeout: guard})
	done := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	select {
	case <-wrote:
	case <-time.After(guard):
		t.Fatal("the slow route never started")
	}
	if resp, body := fetch(t, http.MethodGet, url+"/fast", nil); resp.StatusCode != 200 || body != "FAST" {
		t.Fatalf("next to a slow route: %d %q", resp.StatusCode, body)
	}
	close(release)
	select {
	case got := <-done:
		if got != "200 PART ONE, PART TWO" {
			t.Fatalf("the slow route's answer: %s", got)
		}
	case <-time.After(guard):
		t.Fatal("the slow request never finished")
	}
}

func TestBodyTimeoutDefault(t *testing.T) {
	if c := New(nil, Options{}); c.bodyTimeout != DefaultBodyTimeout {
		t.Fatalf("body timeout %v, want %v", c.bodyTimeout, DefaultBodyTimeout)
	}
	if c := New(nil, Options{BodyTimeout: time.Second}); c.bodyTimeout != time.Second {
		t.Fatalf("body timeout %v", c.bodyTimeout)
	}
}

// TestReadBodyAheadRouteLimit: a limit the route put on the body before
// the chain (Caddy's request_body max_size) answers 413 as well.
func TestReadBodyAheadRouteLimit(t *testing.T) {
	c := New([]Stage{{Filter: loadGuest(t, "readbody", guest(t, readbodyGuest), "", 0, 0)}}, Options{})
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = http.MaxBytesReader(w, io.NopCloser(strings.NewReader("twelve bytes")), 4), -1
	err := c.Serve(w, r, func(http.ResponseWriter, *http.Request) error { t.Error("next was called"); return nil }, nil)
	var f *Failure
	if !errors.As(err, &f) || f.Status != http.StatusRequestEntityTooLarge || !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Serve = %v, want a 413 Failure", err)
	}
}
