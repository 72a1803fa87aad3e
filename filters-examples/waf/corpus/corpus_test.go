package corpus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// corpusDir is the shared corpus, next to the repository.
var corpusDir = filepath.Join("..", "..", "..", "..", "shared", "corpus")

// crsPL1 is what OWASP CRS blocks at paranoia level 1 on the same
// corpus (Coraza v3.8, CRS v4.25), per category: the floor this filter
// must not go under.
var crsPL1 = map[string][2]int{
	"REQUEST-942-APPLICATION-ATTACK-SQLI":             {740, 868},
	"REQUEST-941-APPLICATION-ATTACK-XSS":              {174, 207},
	"REQUEST-932-APPLICATION-ATTACK-RCE":              {515, 706},
	"REQUEST-930-APPLICATION-ATTACK-LFI":              {53, 66},
	"REQUEST-931-APPLICATION-ATTACK-RFI":              {15, 36},
	"REQUEST-933-APPLICATION-ATTACK-PHP":              {284, 322},
	"REQUEST-934-APPLICATION-ATTACK-GENERIC":          {144, 238},
	"REQUEST-943-APPLICATION-ATTACK-SESSION-FIXATION": {39, 42},
	"REQUEST-944-APPLICATION-ATTACK-JAVA":             {803, 1139},
}

func load(t *testing.T, name string) []Entry {
	t.Helper()
	path := filepath.Join(corpusDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus %s not available (%v): the shared corpora live next to the repository in ../shared", path, err)
	}
	entries, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func rate(t Tally) float64 { return float64(t.Flagged) / float64(t.Total) }

// TestCorpusGoals measures the default configuration on the attack and
// benign corpora and holds it to the goals: 80% of attacks overall, no
// category under CRS PL1, at most 0.5% of honest requests refused. Both
// halves are logged: rules were tuned on "dev", "held" shows how they
// generalise.
func TestCorpusGoals(t *testing.T) {
	attacks := load(t, filepath.Join("crs", "crs-attacks.jsonl"))
	benign := load(t, "benign-dev.jsonl")
	e, err := detect.New(detect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, half := range []string{"dev", "held"} {
		rep := Evaluate(e, attacks, half)
		ben := Evaluate(e, benign, half)
		t.Logf("%s half: attacks %d/%d, benign refused %d/%d", half, rep.Total.Flagged, rep.Total.Total, ben.Total.Flagged, ben.Total.Total)
		for _, c := range rep.Categories {
			t.Logf("  %-48s %4d/%-4d %5.1f%%", c.Category, c.Flagged, c.Total, 100*rate(c))
		}
	}

	rep := Evaluate(e, attacks, "")
	if r := rate(rep.Total); r < 0.80 {
		t.Errorf("attacks blocked overall: %.1f%%, want >= 80%%", 100*r)
	}
	for _, c := range rep.Categories {
		ref, ok := crsPL1[c.Category]
		if !ok {
			t.Errorf("category %s has no reference", c.Category)
			continue
		}
		if floor := float64(ref[0]) / float64(ref[1]); rate(c) < floor {
			t.Errorf("%s: %d/%d (%.1f%%) blocked, under CRS PL1's %d/%d (%.1f%%)", c.Category, c.Flagged, c.Total, 100*rate(c), ref[0], ref[1], 100*floor)
		}
	}
	ben := Evaluate(e, benign, "")
	if r := rate(ben.Total); r > 0.005 {
		for _, en := range ben.Flagged {
			t.Logf("refused: %s %s %s", en.ID, en.Method, en.URI)
		}
		t.Errorf("benign requests refused: %d/%d (%.2f%%), want <= 0.5%%", ben.Total.Flagged, ben.Total.Total, 100*r)
	}
}
