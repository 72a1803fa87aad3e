// Package corazabench times native Coraza with the OWASP Core Rule Set
// against Gojinn's WAF engine on the same requests, in one run. It is a
// module of its own so that Coraza never enters the main go.mod.
//
//	cd filters-examples/waf/corazabench && go test -bench . -benchtime 2s
package corazabench

import (
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/types"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// crsDirectives load the recommended Coraza configuration and CRS at its
// default paranoia level 1, blocking.
const crsDirectives = `
Include @coraza.conf-recommended
Include @crs-setup.conf.example
Include @owasp_crs/*.conf
SecRuleEngine On
SecRequestBodyAccess On
`

func newCoraza(tb testing.TB) coraza.WAF {
	tb.Helper()
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(crsDirectives))
	if err != nil {
		tb.Fatal(err)
	}
	return waf
}

// corazaInspect runs one request through the request phases (headers
// and body), as a reverse proxy in front of an upstream would, and says
// whether Coraza interrupted it.
func corazaInspect(waf coraza.WAF, r *detect.Request) *types.Interruption {
	tx := waf.NewTransaction()
	defer tx.Close()
	tx.ProcessConnection("192.0.2.10", 50000, "192.0.2.1", 443)
	tx.ProcessURI(r.URI, r.Method, "HTTP/1.1")
	for _, h := range r.Headers {
		tx.AddRequestHeader(h.Name, h.Value)
		if h.Name == "Host" {
			tx.SetServerName(h.Value)
		}
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it
	}
	if len(r.Body) > 0 {
		if it, _, err := tx.WriteRequestBody(r.Body); it != nil || err != nil {
			return it
		}
	}
	it, err := tx.ProcessRequestBody()
	if err != nil {
		return &types.Interruption{Action: "error"}
	}
	tx.ProcessLogging()
	return it
}

func requests() map[string]*detect.Request {
	return map[string]*detect.Request{"GET": benchreq.GET(), "JSONPOST4K": benchreq.JSONPOST4K()}
}

// TestSameVerdicts checks that both engines let the benchmark requests
// through and stop an attack, so that the benchmarks compare full passes
// of the same work.
func TestSameVerdicts(t *testing.T) {
	waf := newCoraza(t)
	eng, err := detect.New(detect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range requests() {
		if it := corazaInspect(waf, r); it != nil {
			t.Errorf("coraza interrupted %s: rule %d", name, it.RuleID)
		}
		if res := eng.Inspect(r); res.Attack {
			t.Errorf("gojinn blocked %s: %s", name, res.Summary())
		}
	}
	attack := &detect.Request{Method: "GET", URI: "/?id=1%27%20UNION%20SELECT%20password%20FROM%20users--", Headers: []detect.Header{{Name: "Host", Value: "example.com"}}}
	if corazaInspect(waf, attack) == nil {
		t.Error("coraza let a UNION SELECT through")
	}
	if !eng.Inspect(attack).Attack {
		t.Error("gojinn let a UNION SELECT through")
	}
}

func BenchmarkWAF(b *testing.B) {
	waf := newCoraza(b)
	eng, err := detect.New(detect.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"GET", "JSONPOST4K"} {
		r := requests()[name]
		b.Run(name+"/gojinn", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				eng.Inspect(r)
			}
		})
		b.Run(name+"/coraza-crs", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				corazaInspect(waf, r)
			}
		})
	}
}
