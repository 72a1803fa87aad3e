//go:build !wasip1

package detect

import (
	"bufio"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// sampleValue is one value as inspection.value receives it.
type sampleValue struct {
	raw  string
	plus bool
}

// sampleCorpusDir is the shared corpus, next to the repository (as in
// ../corpus and ../e2e, whose loader this package cannot import: it
// imports this one).
var sampleCorpusDir = filepath.Join("..", "..", "..", "..", "shared", "corpus")

var (
	sampleValuesOnce sync.Once
	sampleValuesList []sampleValue
	sampleValuesErr  error
)

// corpusSampleValues returns the distinct values the requests of the shared
// corpora hold, each with the plus flag the engine decodes it with, in a
// fixed order. They are cut out the way the engine's splitting cuts them
// (targets.go, body.go, jsonbody.go), by hand: the path and the path a
// server resolves, query and form pairs, header values and cookies, the
// strings of JSON bodies, and every body whole, as the engine reads the
// bodies it cannot parse. The test skips when the corpora are absent.
func corpusSampleValues(t testing.TB) []sampleValue {
	t.Helper()
	for _, name := range sampleCorpusFiles {
		if _, err := os.Stat(filepath.Join(sampleCorpusDir, name)); err != nil {
			t.Skipf("corpus %s not available (%v): the shared corpora live next to the repository in ../shared", name, err)
		}
	}
	sampleValuesOnce.Do(func() { sampleValuesList, sampleValuesErr = loadSampleValues() })
	if sampleValuesErr != nil {
		t.Fatal(sampleValuesErr)
	}
	return sampleValuesList
}

var sampleCorpusFiles = []string{filepath.Join("crs", "crs-attacks.jsonl"), "benign-dev.jsonl"}

// sampleEntry is the part of a corpus line the values come from.
type sampleEntry struct {
	URI     string            `json:"uri"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func loadSampleValues() ([]sampleValue, error) {
	seen := map[sampleValue]bool{}
	var out []sampleValue
	add := func(raw string, plus bool) {
		v := sampleValue{raw, plus}
		if raw != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, name := range sampleCorpusFiles {
		f, err := os.Open(filepath.Join(sampleCorpusDir, name))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			if len(sc.Bytes()) == 0 {
				continue
			}
			var e sampleEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return nil, err
			}
			sampleEntryValues(&e, add)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sampleEntryValues calls add with each value of one corpus request.
func sampleEntryValues(e *sampleEntry, add func(raw string, plus bool)) {
	p, query := splitURI(e.URI)
	add(p, true)
	if resolvable(p) {
		dec := decodeAll(p, false)
		add(path.Clean("/"+strings.ReplaceAll(dec, `\`, "/")), false)
	}
	sampleFormValues(query, add)
	names := make([]string, 0, len(e.Headers))
	for n := range e.Headers {
		names = append(names, n)
	}
	sort.Strings(names)
	contentType := ""
	for _, n := range names {
		v := e.Headers[n]
		switch {
		case equalFold(n, "content-type"):
			contentType = v
		case skipHeader(n):
		case equalFold(n, "cookie"):
			for _, pair := range strings.Split(v, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(pair), "=")
				add(name, false)
				add(val, false)
			}
		default:
			add(v, false)
		}
	}
	if e.Body == "" {
		return
	}
	add(e.Body, false)
	sampleFormValues(strings.TrimRight(e.Body, "\r\n"), add)
	if strings.Contains(contentType, "json") {
		sampleJSONValues(e.Body, add)
	}
}

// sampleFormValues adds the names and values of a form-encoded string.
func sampleFormValues(s string, add func(raw string, plus bool)) {
	for _, pair := range strings.Split(s, "&") {
		name, val, _ := strings.Cut(pair, "=")
		add(name, true)
		add(val, true)
	}
}

// sampleJSONValues adds the strings of a JSON document, keys and values, as
// jsonString reads them.
func sampleJSONValues(s string, add func(raw string, plus bool)) {
	for i := strings.IndexByte(s, '"'); i >= 0; {
		str, n, ok := jsonString(s[i:])
		if !ok {
			return
		}
		add(str, false)
		s = s[i+n:]
		i = strings.IndexByte(s, '"')
	}
}
