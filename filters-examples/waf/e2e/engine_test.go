package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/corpus"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// corpusDir is the shared corpus, next to the repository.
var corpusDir = filepath.Join("..", "..", "..", "..", "shared", "corpus")

// equivalenceConfigs are the configurations the engine's two builds are
// compared under: the default, every rule on, and one that exercises
// weights, disabled rules and both kinds of exclusion.
var equivalenceConfigs = []string{
	`{}`,
	`{"paranoia":4}`,
	`{"paranoia":2,"threshold":3,"weights":{"scanner":0.5,"xss":2},"disabled_rules":["rce-shellshock"],` +
		`"exclusions":[{"path":"/admin/","rules":["sqli"]},{"arg":"id","rules":["xss"]}]}`,
}

// equivalenceRequests are the requests both builds must judge alike
// beyond the corpora: the benchmarks' and the keyword scan's edge cases
// (blank runs and control blanks, keywords at the start of a value, case).
func equivalenceRequests() []*detect.Request {
	json := []detect.Header{{Name: "Content-Type", Value: "application/json"}}
	return []*detect.Request{
		benchreq.GET(),
		benchreq.JSONPOST4K(),
		benchreq.ReviewPOST4K(),
		{Method: "GET", URI: "/a?q=%20or%201=1&r=x%20%20or%09%0A1&s=%20%20UNION%20%20%20SELECT%20pwd&t=IF%20%20%20NOT%20exist"},
		{Method: "GET", URI: "/a?c=a;%20ls%20-la&d=for%20%25i%20in%20(&e=OR%201%3D1"},
		{Method: "POST", URI: "/api", Headers: json, Body: []byte(`{"a":" or 1=1","b":"x\t\tUNION\n select 1","c":"c'a't /e\\tc/pa''sswd","d":"/*!50000select*/ 1 /* x */ from t"}`)},
		{Method: "POST", URI: "/admin/x?id=%3Cscript%3Ealert(1)%3C/script%3E", Headers: append(json, detect.Header{Name: "User-Agent", Value: "sqlmap/1.7"}), Body: []byte(`[{"id":"1' or '1'='1"},{"id":"<img src=x onerror=alert(1)>"}]`)},
	}
}

// loadCorpus loads one of the shared corpora.
func loadCorpus(t *testing.T, name string) []corpus.Entry {
	t.Helper()
	path := filepath.Join(corpusDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus %s not available (%v): the shared corpora live next to the repository in ../shared", path, err)
	}
	entries, err := corpus.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestEngineInWasmMatchesNative runs every request of the shared corpora
// (and equivalenceRequests) through the engine built for wasm, inside
// Gojinn with the host primitives it uses there, and natively, under each
// of equivalenceConfigs: every result (score, each match with its place
// and order, the verdict) must be the same.
func TestEngineInWasmMatchesNative(t *testing.T) {
	var reqs []*detect.Request
	for _, name := range []string{filepath.Join("crs", "crs-attacks.jsonl"), "benign-dev.jsonl"} {
		for _, en := range loadCorpus(t, name) {
			reqs = append(reqs, en.Request())
		}
	}
	reqs = append(reqs, equivalenceRequests()...)
	wasm := filtertest.Build(t, "testdata/engine")
	for _, config := range equivalenceConfigs {
		t.Run(config, func(t *testing.T) {
			cfg, err := detect.ParseConfig([]byte(config))
			if err != nil {
				t.Fatal(err)
			}
			native, err := detect.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c := filtertest.Chain(t, pipeline.Options{MaxBodyBytes: 4 << 20},
				filters.Config{Name: "engine", Wasm: wasm, GuestConfig: []byte(config), PoolMin: 1})
			attacks, differ := 0, 0
			for i, r := range reqs {
				want := native.Inspect(r)
				got := inspectInWasm(t, c, r)
				if len(want.Matches) == 0 {
					want.Matches = nil
				}
				if want.Attack {
					attacks++
				}
				if !reflect.DeepEqual(got, want) {
					differ++
					if differ <= 5 {
						t.Errorf("request %d (%s %.80q):\n wasm   %d %s\n native %d %s", i, r.Method, r.URI, got.Score, got.Summary(), want.Score, want.Summary())
					}
				}
			}
			if differ > 0 {
				t.Errorf("%d of %d requests judged differently", differ, len(reqs))
			}
			// The comparison means something only if both builds found
			// attacks to agree on.
			if attacks == 0 {
				t.Errorf("no attack among %d requests", len(reqs))
			}
		})
	}
}

// inspectInWasm has the engine filter of c judge r.
func inspectInWasm(t *testing.T, c *pipeline.Chain, r *detect.Request) detect.Result {
	t.Helper()
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "http://example.com/inspect", bytes.NewReader(body))
	w := httptest.NewRecorder()
	next := func(http.ResponseWriter, *http.Request) error {
		t.Fatal("the engine filter continued instead of answering")
		return nil
	}
	if err := c.Serve(w, req, next, nil); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK {
		t.Fatalf("engine filter: %d %s", w.Code, w.Body)
	}
	var res detect.Result
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("engine filter's answer %q: %v", w.Body, err)
	}
	return res
}
