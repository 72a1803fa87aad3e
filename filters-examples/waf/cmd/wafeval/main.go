// Command wafeval measures the WAF detection engine on request corpora:
// blocked/total per category for attacks, and the false positives on
// benign traffic.
//
//	go run ./filters-examples/waf/cmd/wafeval
//	go run ./filters-examples/waf/cmd/wafeval -half held -config '{"paranoia":2}'
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gojinn/gojinn/filters-examples/waf/corpus"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

func main() {
	attacks := flag.String("corpus", "../shared/corpus/crs/crs-attacks.jsonl", "attack corpus (JSON Lines)")
	benign := flag.String("benign", "../shared/corpus/benign-dev.jsonl", "benign corpus (JSON Lines); empty to skip")
	half := flag.String("half", "", `"dev" or "held" to run on one half of each corpus, empty for all`)
	config := flag.String("config", "", "filter config (JSON)")
	show := flag.Int("show", 0, "print up to this many missed attacks and blocked benign requests")
	flag.Parse()

	cfg, err := detect.ParseConfig([]byte(*config))
	if err != nil {
		fail(err)
	}
	eng, err := detect.New(cfg)
	if err != nil {
		fail(err)
	}
	for _, c := range []struct {
		path   string
		attack bool
	}{{*attacks, true}, {*benign, false}} {
		if c.path == "" {
			continue
		}
		entries, err := corpus.Load(c.path)
		if err != nil {
			fail(err)
		}
		rep := corpus.Evaluate(eng, entries, *half)
		fmt.Printf("%s (half=%q)\n", c.path, *half)
		for _, t := range append(rep.Categories, rep.Total) {
			fmt.Printf("  %-48s %5d/%-5d %6.1f%%\n", t.Category, t.Flagged, t.Total, pct(t))
		}
		list := rep.Missed
		what := "missed"
		if !c.attack {
			list, what = rep.Flagged, "blocked"
		}
		for i, en := range list {
			if i >= *show {
				break
			}
			res := eng.Inspect(en.Request())
			var ms []string
			for _, m := range res.Matches {
				ms = append(ms, fmt.Sprintf("%s@%s", m.Rule, m.Where))
			}
			fmt.Printf("  %s %s %s %s body=%q hdr=%v score=%d %s\n", what, en.ID, en.Method, en.URI, trim(en.Body), en.Headers, res.Score, strings.Join(ms, ","))
		}
	}
}

func pct(t corpus.Tally) float64 {
	if t.Total == 0 {
		return 0
	}
	return 100 * float64(t.Flagged) / float64(t.Total)
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wafeval:", err)
	os.Exit(1)
}
