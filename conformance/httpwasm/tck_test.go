package httpwasm

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/http-wasm/http-wasm-host-go/tck"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// tckChain is a chain of one filter, the TCK's guest, in front of the
// TCK's backend, as Caddy would run it: pipeline's net/http middleware.
func tckChain(t *testing.T) http.Handler {
	t.Helper()
	chain := filtertest.Chain(t, pipeline.Options{Name: "tck"}, filters.Config{Name: "tck", Wasm: tck.GuestWASM})
	return chain.Middleware(tck.BackendHandler())
}

// TestTCKHTTP1 runs every TCK case over HTTP/1.1 on loopback.
func TestTCKHTTP1(t *testing.T) {
	srv := httptest.NewServer(tckChain(t))
	t.Cleanup(srv.Close)
	client := srv.Client()
	tck.Run(t, client, srv.URL)
}

// TestTCKHTTP2 runs every TCK case over HTTP/2 (TLS, negotiated by ALPN)
// on loopback; the test checks that the server did speak HTTP/2.
func TestTCKHTTP2(t *testing.T) {
	h := tckChain(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "not HTTP/2: "+r.Proto, http.StatusHTTPVersionNotSupported)
			return
		}
		h.ServeHTTP(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := srv.Client()
	tr := client.Transport.(*http.Transport)
	if tr.TLSClientConfig == nil || !tr.ForceAttemptHTTP2 {
		t.Fatal("the test server's client does not attempt HTTP/2")
	}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("the client spoke %s to the test server, want HTTP/2", resp.Proto)
	}
	tck.Run(t, client, srv.URL)
}
