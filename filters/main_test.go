package filters

import (
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// buildProbe builds the test guest, testdata/probe, once per test binary
// (and once per machine for the same sources: wasmbuild keeps builds).
var buildProbe = sync.OnceValues(func() ([]byte, error) {
	path, err := wasmbuild.Go("testdata/probe")
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// probeWasm returns the test guest's bytes, or fails the test.
func probeWasm(t testing.TB) []byte {
	t.Helper()
	b, err := buildProbe()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The test function, testdata/fnprobe, in its two forms: a command (a
// plain go build) and a reactor (the Go SDK for functions).
var (
	buildFnCommand = sync.OnceValues(func() ([]byte, error) { return readBuilt(wasmbuild.GoCommand("testdata/fnprobe/command")) })
	buildFnReactor = sync.OnceValues(func() ([]byte, error) { return readBuilt(wasmbuild.Go("testdata/fnprobe/reactor")) })
)

func readBuilt(path string, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func fnCommandWasm(t testing.TB) []byte { return must(t, buildFnCommand) }
func fnReactorWasm(t testing.TB) []byte { return must(t, buildFnReactor) }

func must(t testing.TB, build func() ([]byte, error)) []byte {
	t.Helper()
	b, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compilationCache returns the folder that keeps the tests' compiled
// code, shared by every test binary of the machine, so that each engine
// of these tests does not compile the probe again.
func compilationCache(t testing.TB) string {
	t.Helper()
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// exchange is the least Exchange the filter tests need: a request and a
// response under construction, no body buffering, no variables.
type exchange struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

func newTestExchange(op, arg string) *exchange {
	r, _ := http.NewRequest(http.MethodGet, "http://example.com/p?q=1", nil)
	r.RequestURI = "/p?q=1"
	r.Header.Set("X-Op", op)
	r.Header.Set("X-Arg", arg)
	return &exchange{req: r, header: http.Header{}}
}

func (e *exchange) Request() *http.Request { return e.req }
func (e *exchange) URI() string            { return e.req.RequestURI }
func (e *exchange) SetURI(u string) error  { e.req.RequestURI = u; return nil }
func (e *exchange) ClientAddr() string     { return "192.0.2.1:1234" }
func (e *exchange) Started() time.Time     { return time.Time{} }
func (e *exchange) ServerValue(host.ServerValue) (string, bool) {
	return "", false
}
func (e *exchange) Header(k hostabi.Kind) http.Header {
	if k == hostabi.KindRequest {
		return e.req.Header
	}
	return e.header
}
func (e *exchange) Body(k hostabi.Kind) ([]byte, error) {
	if k == hostabi.KindResponse {
		return e.body, nil
	}
	return nil, nil
}
func (e *exchange) SetBody(k hostabi.Kind, b []byte) error {
	if k == hostabi.KindResponse {
		e.body = append([]byte(nil), b...)
	}
	return nil
}
func (e *exchange) BodySize(k hostabi.Kind) (int64, error) {
	b, err := e.Body(k)
	return int64(len(b)), err
}
func (e *exchange) Status() int                     { return e.status }
func (e *exchange) SetStatus(c int)                 { e.status = c }
func (e *exchange) Var([]byte) (string, bool)       { return "", false }
func (e *exchange) SetVar(name, value []byte) error { return nil }
func (e *exchange) AppendTraceParent(dst []byte) ([]byte, bool) {
	return dst, false
}
func (e *exchange) TraceLog(string, []byte) {}

// blockingExchange is an exchange whose request body read blocks until
// release is closed, after closing entered: it holds the guest that reads
// the body (the probe's "body" op) inside a host call for as long as the
// test wants, however fast the machine.
type blockingExchange struct {
	*exchange
	entered, release chan struct{}
}

func newBlockingExchange() *blockingExchange {
	return &blockingExchange{exchange: newTestExchange("body", ""), entered: make(chan struct{}), release: make(chan struct{})}
}

func (e *blockingExchange) Body(k hostabi.Kind) ([]byte, error) {
	if k == hostabi.KindRequest {
		close(e.entered)
		<-e.release
	}
	return e.exchange.Body(k)
}
