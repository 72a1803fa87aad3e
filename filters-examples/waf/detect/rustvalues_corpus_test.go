//go:build !wasip1

package detect_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/filters-examples/waf/corpus"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// valuesCorpusDir is the shared corpus, next to the repository.
var valuesCorpusDir = filepath.Join("..", "..", "..", "..", "shared", "corpus")

// TestRustProbeValuesCorpora splits every request of the shared corpora,
// attacks of every category and the benign ones, in Go and in the Rust
// port, under each setup, and compares every value, check and flag.
func TestRustProbeValuesCorpora(t *testing.T) {
	for _, name := range []string{filepath.Join("crs", "crs-attacks.jsonl"), "benign-dev.jsonl"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			path := filepath.Join(valuesCorpusDir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("corpus %s not available (%v): the shared corpora live next to the repository in ../shared", path, err)
			}
			entries, err := corpus.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			categories := map[string]bool{}
			values, differ := 0, 0
			for _, en := range entries {
				categories[en.Category] = true
				r := en.Request()
				for setup := range detect.RustValuesSetups {
					agree, n := detect.CheckRustValues(t, r, setup)
					values += n
					if !agree {
						differ++
					}
				}
				if differ >= 5 {
					t.Fatalf("stopping at request %s: %d differences", en.ID, differ)
				}
			}
			t.Logf("%d requests of %d categories, %d values compared under %d setups", len(entries), len(categories), values, detect.RustValuesSetups)
			if len(entries) == 0 || values == 0 {
				t.Fatal("nothing compared")
			}
		})
	}
}
