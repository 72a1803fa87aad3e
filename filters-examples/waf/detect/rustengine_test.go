//go:build !wasip1

package detect_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/corpus"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// rustEngineConfigs are the configurations the port's engine is held to
// the Go engine under: the three of the wasm build's equivalence test
// (filters-examples/waf/e2e), and a small body limit.
var rustEngineConfigs = []string{
	`{}`,
	`{"paranoia":4}`,
	`{"paranoia":2,"threshold":3,"weights":{"scanner":0.5,"xss":2},"disabled_rules":["rce-shellshock"],` +
		`"exclusions":[{"path":"/admin/","rules":["sqli"]},{"arg":"id","rules":["xss"]}]}`,
	`{"max_body_bytes":100,"allowed_methods":["GET","POST"],"weights":{"protocol":0}}`,
}

// rustEngineRequests are requests beyond the corpora: the benchmarks'
// and the edges of exclusions, the recent-values cache and the body.
func rustEngineRequests() []*detect.Request {
	json := []detect.Header{{Name: "Content-Type", Value: "application/json"}}
	return []*detect.Request{
		benchreq.GET(),
		benchreq.JSONPOST4K(),
		benchreq.ReviewPOST4K(),
		{Method: "GET", URI: "/a?q=%20or%201=1&r=x%20%20or%09%0A1&s=%20%20UNION%20%20%20SELECT%20pwd&t=IF%20%20%20NOT%20exist"},
		{Method: "POST", URI: "/admin/x?id=%3Cscript%3Ealert(1)%3C/script%3E", Headers: append(json, detect.Header{Name: "User-Agent", Value: "sqlmap/1.7"}),
			Body: []byte(`[{"id":"1' or '1'='1"},{"id":"<img src=x onerror=alert(1)>"},{"id":"1' or '1'='1"}]`)},
		{Method: "GET", URI: "/a?x=1%27%20or%20%271%27=%271&x=1%27%20or%20%271%27=%271&y=1%27%20or%20%271%27=%271"},
		{Method: "PROPFIND", URI: "/", Headers: []detect.Header{{Name: "Content-Length", Value: "3"}, {Name: "Transfer-Encoding", Value: "chunked"}}, Body: []byte("a=b")},
		{Method: "POST", URI: "/up", Body: []byte("x=<script>alert(1)</script>"), BodyUnread: true},
	}
}

// TestRustEngineMatchesGo judges every request of the shared corpora
// and rustEngineRequests with the port's engine and the Go engine under
// each config: score, every match (rule, class, place, score, in order),
// verdict and body flags must be the same.
func TestRustEngineMatchesGo(t *testing.T) {
	reqs := rustEngineRequests()
	for _, name := range []string{filepath.Join("crs", "crs-attacks.jsonl"), "benign-dev.jsonl"} {
		path := filepath.Join(valuesCorpusDir, name)
		if _, err := os.Stat(path); err != nil {
			t.Logf("corpus %s not available (%v): the shared corpora live next to the repository in ../shared", path, err)
			continue
		}
		entries, err := corpus.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			reqs = append(reqs, en.Request())
		}
	}
	for _, config := range rustEngineConfigs {
		t.Run(config, func(t *testing.T) {
			cfg, err := detect.ParseConfig([]byte(config))
			if err != nil {
				t.Fatal(err)
			}
			native, err := detect.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			attacks, differ := 0, 0
			for i, r := range reqs {
				want := native.Inspect(r)
				got, refused := detect.InspectInRust(t, config, r)
				if refused != "" {
					t.Fatalf("the port refuses %s: %s", config, refused)
				}
				if len(want.Matches) == 0 {
					want.Matches = nil
				}
				if want.Attack {
					attacks++
				}
				if !reflect.DeepEqual(got, want) {
					differ++
					if differ <= 5 {
						t.Errorf("request %d (%s %.80q):\n rust %d %v %s\n go   %d %v %s", i, r.Method, r.URI,
							got.Score, got.Attack, got.Summary(), want.Score, want.Attack, want.Summary())
					}
				}
			}
			if differ > 0 {
				t.Errorf("%d of %d requests judged differently", differ, len(reqs))
			}
			if attacks == 0 {
				t.Errorf("no attack among %d requests", len(reqs))
			}
		})
	}
}
