package filters

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// probeWasm is the test guest, built from testdata/probe in TestMain;
// fnCommandWasm and fnReactorWasm the test function in its two forms,
// from testdata/fnprobe.
var probeWasm, fnCommandWasm, fnReactorWasm []byte

// cacheDir holds compiled code shared by the tests' engines, so that each
// test does not compile the probe again.
var cacheDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gojinn-filters-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cacheDir = dir
	for _, g := range []struct {
		build func(pkgDir, outDir string) (string, error)
		dir   string
		dst   *[]byte
	}{
		{wasmbuild.Go, "testdata/probe", &probeWasm},
		{wasmbuild.GoCommand, "testdata/fnprobe/command", &fnCommandWasm},
		{wasmbuild.Go, "testdata/fnprobe/reactor", &fnReactorWasm},
	} {
		path, err := g.build(g.dir, dir)
		if err == nil {
			*g.dst, err = os.ReadFile(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
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
func (e *exchange) Status() int                     { return e.status }
func (e *exchange) SetStatus(c int)                 { e.status = c }
func (e *exchange) Var([]byte) (string, bool)       { return "", false }
func (e *exchange) SetVar(name, value []byte) error { return nil }
