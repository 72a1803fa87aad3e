package detect

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The fast paths (byte-class summaries, searches that start from the
// rare byte, views written into the arena) must compute exactly what
// the plain versions below compute; these are the versions the engine
// had before, kept as references.

func refFoldSpace(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isSpace(c):
			if len(b) > 0 && b[len(b)-1] == ' ' {
				continue
			}
			c = ' '
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

func refStripSQLComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	return string(appendSQLStripped(nil, s))
}

var refEmptySubstitutions = strings.NewReplacer("``", "", "$()", "", "<()", "", ">()", "")

func refUnquoteShell(s string) string {
	if !strings.ContainsAny(s, "'\"\\^$`<>") {
		return s
	}
	// The quote removal itself is unchanged; what is checked is the
	// empty-substitution pass in front of it, against the Replacer.
	return string(appendUnquoteShell(nil, refEmptySubstitutions.Replace(s)))
}

// refMixedRuns lists the runs base64Plains decodes, read a byte at a
// time.
func refMixedRuns(s string) []string {
	var runs []string
	start, sawLower, mixed := -1, false, false
	for i := 0; i <= len(s); i++ {
		var k uint8
		if i < len(s) {
			k = base64Kind[s[i]]
		}
		if k == 0 {
			if start >= 0 && mixed {
				runs = append(runs, s[start:i])
			}
			start, sawLower, mixed = -1, false, false
			continue
		}
		if start < 0 {
			start = i
		}
		switch k {
		case kindLower:
			sawLower = true
		case kindUpper:
			mixed = mixed || sawLower
		}
	}
	return runs
}

func mixedRuns(s string) []string {
	var runs []string
	for from := 0; ; {
		start, end := nextMixedRun(s, from)
		if start < 0 {
			return runs
		}
		runs = append(runs, s[start:end])
		from = end
	}
}

func checkFastPaths(t *testing.T, s string, plus bool) {
	var f forms
	f.build(s, plus)
	dec := f.dec
	if got, want := f.cls, refClasses(dec); got != want {
		t.Errorf("classes of %q = %b, want %b", dec, got, want)
	}
	low := refFoldSpace(dec)
	if got := f.lowered(); got != low {
		t.Errorf("low view of %q = %q, want %q", dec, got, low)
	}
	if got, want := f.sqlText(), refStripSQLComments(low); got != want {
		t.Errorf("sql view of %q = %q, want %q", low, got, want)
	}
	if got, want := f.cmdText(), refUnquoteShell(low); got != want {
		t.Errorf("cmd view of %q = %q, want %q", low, got, want)
	}
	if got, want := f.sqlDiffers(), strings.Contains(low, "/*"); got != want {
		t.Errorf("sqlDiffers(%q) = %v", dec, got)
	}
	if got, want := f.cmdDiffers(), refUnquoteShell(low) != low || strings.ContainsAny(low, "'\"\\^$`<>"); got != want {
		t.Errorf("cmdDiffers(%q) = %v", dec, got)
	}
	// Views of earlier values stay as they were (the arena is only
	// appended to).
	keep := f.cmdText()
	saved := strings.Clone(keep)
	f.build(s+s, plus)
	f.cmdText()
	if keep != saved {
		t.Errorf("cmd view of %q changed under a later value: %q", s, keep)
	}
	if got, want := mixedRuns(dec), refMixedRuns(dec); !slices.Equal(got, want) {
		t.Errorf("mixed runs of %q = %q, want %q", dec, got, want)
	}
	if got, want := removeEmptySubstitutions(s), refEmptySubstitutions.Replace(s); got != want {
		t.Errorf("removeEmptySubstitutions(%q) = %q, want %q", s, got, want)
	}
	for _, c := range []struct {
		lex      *lexicon
		distinct func(string) bool
	}{{sqlFunctions, nil}, {sqlWordFunctions, never}, {phpFunctions, phpGapOK}} {
		for _, kind := range []gapKind{gapNone, gapSpace} {
			if got, want := hasCallGap(dec, c.lex, kind, c.distinct), hasCallForward(dec, c.lex, kind, c.distinct); got != want {
				t.Errorf("hasCallGap(%q, kind %d) = %v, want %v", dec, kind, got, want)
			}
		}
	}
	if got, want := phpCall(&f), hasCallForward(f.dec, phpFunctions, gapCode, phpGapOK); got != want {
		t.Errorf("phpCall(%q) = %v, want %v", f.dec, got, want)
	}
	for _, c := range []byte{' ', '/'} {
		if got, want := hasDouble(s, c), strings.Contains(s, string([]byte{c, c})); got != want {
			t.Errorf("hasDouble(%q, %q) = %v, want %v", s, c, got, want)
		}
	}
	if got, want := tagOpen(&f), refTagOpen(f.dec); got != want {
		t.Errorf("tagOpen(%q) = %v, want %v", f.dec, got, want)
	}
}

func refTagOpen(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if c := s[i+1] | 0x20; s[i] == '<' && ('a' <= c && c <= 'z' || c == '/' || c == '!' || c == '?') {
			return true
		}
	}
	return false
}

// refClasses computes a value's classes from their definitions.
func refClasses(s string) charClass {
	var m charClass
	for _, c := range []struct {
		cls   charClass
		bytes string
	}{
		{cPlus, "+"}, {cNUL, "\x00"}, {cSlash, "/"}, {cStar, "*"}, {cShell, "'\"\\^$`<>"},
		{cQuote, "'\"`"}, {cBreak, "\r\n"}, {cCtlSpace, "\t\n\r\v\f"}, {cSpace, " "},
		{cUpper, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, {cLower, "abcdefghijklmnopqrstuvwxyz"},
		{cEquals, "="}, {cSQLPunct, "=<>#|&@-!/"}, {cCallPunct, "()."}, {cHash, "#"},
		{cBacktick, "`"}, {cParen, "("},
	} {
		if strings.ContainsAny(s, c.bytes) {
			m |= c.cls
		}
	}
	if strings.ContainsAny(s, "%&\\") || !isASCII(s) {
		m |= cDecode
	}
	if len(s) >= minBase64Run {
		m |= cLong
	}
	return m
}

var fastPathSeeds = []string{
	"", "a", "red running shoes", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
	"Anne-Marie O'Brien", "Wool socks (3 pairs)", "file(s) copy (see below)", "system($x)", "system /*c*/ (1)",
	"phpinfo#x\n()", "c'a't /e\\tc/pa''sswd", "pi$()ng ``whoami`` <() >()", "$$())", "``` $(()",
	"a  b\t\tc\r\nD", "/*!50000select*/ 1 /* x */ from", "SGVsbG8gV29ybGQh aGVsbG8gd29ybGQ=",
	"ABCDEFGHIJ abcDEFghiJKL", "x<y <a href", "<!-- <?php", "${IFS}cat$IFS/etc", "a\x00b",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0", "&lt;script&gt;", "%3Cscript%3E", "a+b",
	"a//b", "http://x", "a / / b", "x  ", "  ", "/", "//",
}

func TestFastPaths(t *testing.T) {
	for _, s := range fastPathSeeds {
		for _, plus := range []bool{false, true} {
			checkFastPaths(t, s, plus)
		}
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s, true)
	}
	f.Fuzz(checkFastPaths)
}

// checkScan compares the keyword automaton with a plain substring search
// of every rule's keywords in the text as the scan reads it: folded,
// after a blank.
func checkScan(t *testing.T, e *Engine, s string) {
	text := refFoldSpace(" " + s)
	var want [numViews]ruleSet
	for i, r := range e.rules {
		for _, kw := range r.keywords {
			if strings.Contains(text, kw) {
				want[keywordView(r.view)].add(i)
			}
		}
	}
	for _, kw := range lexiconWords(sqlGateList) {
		if strings.Contains(text, kw) {
			want[viewSQL].add(e.sqlGate)
		}
	}
	for v := range numViews {
		var got ruleSet
		e.keywords.scan(s, 1<<v, &got)
		if got != want[v] {
			t.Errorf("scan(%q) for view %d = %x, want %x", s, v, got, want[v])
		}
	}
}

func TestKeywordScan(t *testing.T) {
	e, err := New(Config{Paranoia: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(fastPathSeeds, " or 1=1", "x  or\t\n1", "  union   select", "IF   NOT exist", "a; ls -la", "for %i in (") {
		checkScan(t, e, s)
	}
}

func FuzzKeywordScan(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s)
	}
	e, err := New(Config{Paranoia: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScan(t, e, s) })
}

// TestSawKey checks the key list against a plain set that remembers the
// first maxSeenKeys keys, on repeating and shifting key orders.
func TestSawKey(t *testing.T) {
	var keys []string
	for i := range 40 {
		keys = append(keys, "sku", "name", "qty", "price", "note")
		if i%7 == 0 {
			keys = append(keys, "extra", "name")
		}
		keys = append(keys, "k"+strings.Repeat("x", i%13), "k"+string(rune('a'+i%26)))
	}
	in := &inspection{lastKey: -1}
	set := map[string]bool{}
	for i, k := range keys {
		want := set[k]
		if !want && len(set) < maxSeenKeys {
			set[k] = true
		}
		if got := in.sawKey(k); got != want {
			t.Fatalf("key %d (%q): sawKey = %v, want %v", i, k, got, want)
		}
	}
}

// TestReusedInspections checks that the inspections reused across
// requests keep nothing of one request in the next, from goroutines
// sharing an engine (run with -race): every result is the one a fresh
// engine gives.
func TestReusedInspections(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	json := []Header{{"Content-Type", "application/json"}}
	reqs := []*Request{
		{Method: "GET", URI: "/a?q=red+running+shoes&page=2", Headers: []Header{{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"}, {"Cookie", "a=b; c=d"}}},
		{Method: "POST", URI: "/api", Headers: json, Body: []byte(`{"items":[{"name":"x","note":"it's"},{"name":"y","note":"it's"}],"q":"1' UNION SELECT password FROM users--"}`)},
		{Method: "POST", URI: "/api", Headers: json, Body: []byte(`{"a":"SGVsbG8gV29ybGQhIHJlcXVpcmUoJ2NoaWxkX3Byb2Nlc3MnKQ==","b":"c'a't /e\\tc/pa''sswd"}`)},
		{Method: "GET", URI: "/x?cmd=;cat%20/etc/passwd&t=%3Cscript%3Ealert(1)%3C/script%3E"},
	}
	want := make([]Result, len(reqs))
	for i, r := range reqs {
		want[i] = e.Inspect(r)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g + n) % len(reqs)
				if got := e.Inspect(reqs[i]); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("request %d: %+v, want %+v", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
