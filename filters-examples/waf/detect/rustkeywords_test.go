//go:build !wasip1

package detect

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

// keywordConfigs are the configurations whose keyword tables the port's
// automaton is built from: the default, every rule on, and weights and
// disabled rules (the e2e equivalence configurations).
var keywordConfigs = []string{
	`{}`,
	`{"paranoia":4}`,
	`{"paranoia":2,"threshold":3,"weights":{"scanner":0.5,"xss":0},"disabled_rules":["rce-shellshock","lfi"]}`,
}

// engineKeywords returns the engine of config and the keyword tables New
// builds its automaton from, made the way New makes them; the test
// checks that the automaton built from them is the engine's own.
func engineKeywords(t testing.TB, config string) (*Engine, *[numViews][][]string) {
	t.Helper()
	e := mustEngine(t, config)
	disabled, err := e.selectRules(e.rules, e.cfg.DisabledRules)
	if err != nil {
		t.Fatal(err)
	}
	var kws [numViews][][]string
	for i := range e.rules {
		r := &e.rules[i]
		on := r.pl <= e.cfg.Paranoia && weight(e.cfg.Weights, r.class) > 0 && !disabled.has(i)
		for v := range numViews {
			var list []string
			if on && view(v) == keywordView(r.view) {
				list = r.keywords
			}
			kws[v] = append(kws[v], list)
		}
	}
	for v := range numViews {
		var list []string
		if view(v) == viewSQL {
			list = lexiconWords(sqlGateList)
		}
		kws[v] = append(kws[v], list)
	}
	if m := newKeywordMatcher(&kws); !reflect.DeepEqual(m, e.keywords) {
		t.Fatalf("config %s: the keyword tables made here are not the engine's", config)
	}
	return e, &kws
}

// keywordsInput is probe_keywords_build's input: per view a u32
// little-endian count of rules, per rule a u32 count of keywords, each
// keyword a u32 length and its bytes.
func keywordsInput(kws *[numViews][][]string) []byte {
	var b []byte
	for v := range kws {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(kws[v])))
		for _, list := range kws[v] {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(list)))
			for _, kw := range list {
				b = binary.LittleEndian.AppendUint32(b, uint32(len(kw)))
				b = append(b, kw...)
			}
		}
	}
	return b
}

// keywordsTables is probe_keywords_build's output for m: the u32 number
// of classes, the 256 class bytes, the start row (i32), the u32 length
// of the DFA and its i32 cells, then per view the u32 number of states
// and each state's rule set as four u64, all little-endian.
func keywordsTables(m *keywordMatcher) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(m.classes))
	b = append(b, m.class[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(m.start))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.next)))
	for _, cell := range m.next {
		b = binary.LittleEndian.AppendUint32(b, uint32(cell))
	}
	for v := range m.out {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(m.out[v])))
		for _, s := range m.out[v] {
			b = appendRuleSet(b, &s)
		}
	}
	return b
}

func appendRuleSet(b []byte, s *ruleSet) []byte {
	for _, w := range s {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b
}

// buildRustKeywords has the port build the automaton of config's tables
// (the scans that follow use it) and checks its tables are Go's.
func buildRustKeywords(t testing.TB, p *rustProbe, config string) *Engine {
	t.Helper()
	e, kws := engineKeywords(t, config)
	got, err := p.call("keywords_build", keywordsInput(kws))
	if err != nil {
		t.Fatal(err)
	}
	if want := keywordsTables(e.keywords); !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("config %s: the automaton's tables differ from byte %d on (rust %d bytes, go %d):\n rust %q\n go   %q",
			config, i, len(got), len(want), got[i:min(i+64, len(got))], want[i:min(i+64, len(want))])
	}
	return e
}

// checkRustScan compares the rules the scan of s hits for the views of
// the mask in Go (with e's automaton) and in the port (with the one
// built last).
func checkRustScan(t testing.TB, p *rustProbe, e *Engine, s string, views uint8) bool {
	t.Helper()
	var want ruleSet
	e.keywords.scan(s, views, &want)
	got, err := p.call("keywords_scan", append([]byte{views}, s...))
	if err != nil {
		t.Fatal(err)
	}
	if w := appendRuleSet(nil, &want); !bytes.Equal(got, w) {
		t.Errorf("scan of %q, views %#x:\n rust %x\n go   %x", s, views, got, w)
		return false
	}
	return true
}

// keywordScanCases are texts for the automaton's edges: keywords at the
// start and end, blanks before keywords that start with one, runs of
// blanks and control blanks, case, overlapping keywords (failure links)
// and bytes no keyword holds.
var keywordScanCases = []string{
	"", " ", "  ", "a", "or", " or", "x or 1=1", "x  or\t\n1=1", "OR 1=1", "\tor", "union select",
	"UNION\v\fSELECT", "union/**/select", "sselect", "<script>alert(1)</script>", "<SCRIPT", "<scr<script",
	"${jndi:ldap://x}", "../../etc/passwd", "/etc/passwd\x00", "cat /etc/passwd", "; ls -la", "| id",
	"php://filter", "<?php system($_GET[1]);", "O:8:\"Exploit\"", "java.lang.Runtime", "\x80\xff\xfe",
	"sleep(5)", "benchmark(1,md5(1))", "javascript:alert(1)", "onerror=alert(1)", "eval(", "eval (",
}

func TestRustKeywords(t *testing.T) {
	p := newRustProbe(t)
	values := corpusSampleValues(t)
	for _, config := range keywordConfigs {
		e := buildRustKeywords(t, p, config)
		differ, hits := 0, 0
		check := func(s string, views uint8) {
			if !checkRustScan(t, p, e, s, views) {
				if differ++; differ > 20 {
					t.Fatalf("config %s: stopping after %d differences", config, differ)
				}
			}
		}
		for _, s := range keywordScanCases {
			for views := range uint8(1 << numViews) {
				check(s, views)
			}
		}
		// Every view of every corpus value, scanned as the engine scans
		// them, and under a mask that changes with the value.
		for i, v := range values {
			var f forms
			f.build(v.raw, v.plus)
			for _, s := range []string{f.dec, f.lowered(), f.sqlText(), f.cmdText()} {
				check(s, 1<<numViews-1)
				check(s, uint8(i)%(1<<numViews))
			}
			var h ruleSet
			e.keywords.scan(f.dec, 1<<numViews-1, &h)
			if !h.empty() {
				hits++
			}
		}
		t.Logf("config %s: %d of %d corpus values hit a keyword", config, hits, len(values))
		if hits == 0 {
			t.Errorf("config %s: no corpus value hits a keyword: the corpora were not read as meant", config)
		}
	}
}

func FuzzRustKeywords(f *testing.F) {
	for i, s := range keywordScanCases {
		f.Add(s, uint8(i))
	}
	p := newRustProbe(f)
	// The automaton with every rule on; nothing else builds one while
	// the fuzz function runs.
	e := buildRustKeywords(f, p, `{"paranoia":4}`)
	f.Fuzz(func(t *testing.T, s string, views uint8) {
		checkRustScan(t, p, e, s, views%(1<<numViews))
	})
}
