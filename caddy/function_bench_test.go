package gojinn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// BenchmarkFunctionModule is one small request through the gojinn
// handler (http.handlers.gojinn, provisioned as Caddy would), in each
// form: the request's JSON built, the function run, its output checked
// and written. Three functions: hello (its command reads the request and
// answers a constant; its reactor decodes the request and encodes its
// greeting with the Go SDK), the probe (decodes the request and encodes
// its answer with encoding/json), and the quote example (does that, and
// decodes and encodes its own body too).
func BenchmarkFunctionModule(b *testing.B) {
	for _, fn := range []struct {
		name, dir, target, body string
		header                  http.Header
	}{
		{"hello", "../functions/testdata/hello", "/", "", http.Header{"X-Name": {"ada"}}},
		{"probe", "../functions/testdata/probe", "/api/v2/status", "", http.Header{"X-Op": {"status"}, "X-Arg": {"200"}}},
		{"quote", "../functions-examples/quote", "/api/v2/quote", `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}]}`,
			http.Header{"Content-Type": {"application/json"}}},
	} {
		for _, form := range []struct {
			name  string
			build func(pkgDir string) (string, error)
		}{{"command", wasmbuild.GoCommand}, {"reactor", wasmbuild.Go}} {
			b.Run(fn.name+"/"+form.name, func(b *testing.B) {
				path, err := form.build(fn.dir + "/" + form.name)
				if err != nil {
					b.Fatal(err)
				}
				f := &Function{Path: path}
				ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
				defer cancel()
				if err := f.Provision(ctx); err != nil {
					b.Fatal(err)
				}
				defer f.Cleanup()
				body := strings.NewReader(fn.body)
				w := &benchWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					body.Reset(fn.body)
					method := http.MethodGet
					if fn.body != "" {
						method = http.MethodPost
					}
					r := httptest.NewRequest(method, fn.target, body)
					for k, v := range fn.header {
						r.Header[k] = v
					}
					clear(w.h)
					if err := f.ServeHTTP(w, r, nil); err != nil || w.status != 200 {
						b.Fatalf("%d %v", w.status, err)
					}
				}
			})
		}
	}
}

type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(status int)      { w.status = status }
