// Package corpus loads the JSON Lines request corpora the WAF is measured
// on and tallies the engine's verdicts per category.
package corpus

import (
	"bufio"
	"encoding/json"
	"hash/fnv"
	"os"
	"sort"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// Entry is one request of a corpus file.
type Entry struct {
	ID       string            `json:"id"`
	Category string            `json:"category"`
	Method   string            `json:"method"`
	URI      string            `json:"uri"`
	Headers  map[string]string `json:"headers"`
	Body     string            `json:"body"`
	Expect   string            `json:"expect"`
}

// Request converts the entry for the engine. Headers are sorted by name
// so that runs are reproducible.
func (e *Entry) Request() *detect.Request {
	r := &detect.Request{Method: e.Method, URI: e.URI, Body: []byte(e.Body)}
	names := make([]string, 0, len(e.Headers))
	for n := range e.Headers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.Headers = append(r.Headers, detect.Header{Name: n, Value: e.Headers[n]})
	}
	return r
}

// Half is "dev" or "held": a fixed pseudo-random split by id, so rules
// can be tuned on one half and checked on the other.
func (e *Entry) Half() string {
	h := fnv.New32a()
	h.Write([]byte(e.ID))
	if h.Sum32()%2 == 0 {
		return "dev"
	}
	return "held"
}

// Load reads a corpus file.
func Load(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Tally counts requests and attacks found, per category.
type Tally struct {
	Category string
	Total    int
	Flagged  int
}

// Report is the outcome of a run over a corpus.
type Report struct {
	Categories []Tally
	Total      Tally
	// Flagged lists the entries the engine called attacks, Missed the
	// others.
	Flagged, Missed []*Entry
}

// Evaluate runs the engine over the entries whose half is half ("" for
// all) and tallies the verdicts.
func Evaluate(e *detect.Engine, entries []Entry, half string) Report {
	var rep Report
	idx := map[string]int{}
	rep.Total.Category = "overall"
	for i := range entries {
		en := &entries[i]
		if half != "" && en.Half() != half {
			continue
		}
		k, ok := idx[en.Category]
		if !ok {
			k = len(rep.Categories)
			idx[en.Category] = k
			rep.Categories = append(rep.Categories, Tally{Category: en.Category})
		}
		res := e.Inspect(en.Request())
		rep.Categories[k].Total++
		rep.Total.Total++
		if res.Attack {
			rep.Categories[k].Flagged++
			rep.Total.Flagged++
			rep.Flagged = append(rep.Flagged, en)
		} else {
			rep.Missed = append(rep.Missed, en)
		}
	}
	sort.Slice(rep.Categories, func(i, j int) bool { return rep.Categories[i].Category < rep.Categories[j].Category })
	return rep
}
