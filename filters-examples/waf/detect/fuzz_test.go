package detect

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzViews checks that normalising any input terminates, does not
// panic and respects the invariants the rules rely on.
func FuzzViews(f *testing.F) {
	for _, s := range []string{
		"", "%", "%u", "%u12", "&#", "&#x;", "&#99999999;", `\u{`, `\u{110000}`, `\x`,
		"%252e%252e%2f", "&lt;script&gt;", "/*!50000select*/", "c'a't${IFS}/e\\tc", "${${::-j}ndi:}",
		"\xff\xfe%c0%ae", "ⓁⓄⒸⒶⓁ", "a\x00b", "$()``<()",
	} {
		f.Add(s, true)
	}
	scanner, err := New(Config{Paranoia: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, plus bool) {
		var v forms
		v.build(s, plus)
		if strings.IndexByte(v.dec, 0) >= 0 {
			t.Errorf("dec holds NUL: %q", v.dec)
		}
		low := v.lowered()
		for i := 0; i < len(low); i++ {
			if c := low[i]; 'A' <= c && c <= 'Z' || c == '\t' || c == '\n' {
				t.Fatalf("low not folded at %d: %q", i, low)
			}
		}
		// The keyword scan reads the decoded view as if it were the low
		// one; both must find the same rules.
		var fromDec, fromLow ruleSet
		scanner.keywords.scan(v.dec, 1<<viewLow, &fromDec)
		scanner.keywords.scan(low, 1<<viewLow, &fromLow)
		if fromDec != fromLow {
			t.Errorf("keyword scan of %q differs between views", s)
		}
		// Every decoder shrinks or keeps its input, save multi-byte
		// runes written for single bytes.
		if len(v.dec) > 3*len(s)+3 {
			t.Errorf("decoding grew %d bytes to %d", len(s), len(v.dec))
		}
		if utf8.ValidString(s) && strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '&') < 0 && strings.IndexByte(s, '\\') < 0 && (!plus || strings.IndexByte(s, '+') < 0) && isASCII(s) {
			if v.dec != strings.ReplaceAll(s, "\x00", "") {
				t.Errorf("plain input changed: %q -> %q", s, v.dec)
			}
		}
		_ = log4jLookup(&v)
		_, _ = v.base64Plains()
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzInspect feeds arbitrary URIs, bodies and content types through
// the whole engine: parsers must cope with anything a client sends.
func FuzzInspect(f *testing.F) {
	f.Add("/a?b=c&d", "application/x-www-form-urlencoded", "x=1&y")
	f.Add("/", "application/json", `{"a":["b",{"c":"\u00"}],"d":`)
	f.Add("/", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n--b")
	f.Add("/", "multipart/form-data; boundary=b", "--b\nContent-Type: multipart/form-data; boundary=b\n\n--b\n")
	f.Add("/", "text/xml", `<a b='c><!--<![CDATA[<?x <!ENTITY`)
	f.Add("/%zz?%", "", "%")
	e, err := New(Config{Paranoia: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, uri, ctype, body string) {
		r := &Request{Method: "POST", URI: uri, Body: []byte(body), Headers: []Header{{"Content-Type", ctype}, {"Cookie", body}}}
		res := e.Inspect(r)
		if res.Attack != (res.Score >= e.Config().Threshold) {
			t.Errorf("attack %v with score %d", res.Attack, res.Score)
		}
	})
}
