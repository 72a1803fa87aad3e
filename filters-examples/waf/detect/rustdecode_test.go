//go:build !wasip1

package detect

import (
	"testing"
)

// decodeModes are the decoders of decode.go probe_decode runs, by its
// mode byte (see filters-examples/waf/rust/probe/src/decode.rs).
var decodeModes = []struct {
	name string
	fn   func(s string, plus bool) string
}{
	{"decodeAll", decodeAll},
	{"decodeOnce", decodeOnce},
	{"percentDecode", percentDecode},
	{"entityDecode", func(s string, _ bool) string { return entityDecode(s) }},
	{"backslashDecode", func(s string, _ bool) string { return backslashDecode(s) }},
	{"foldLookalikes", func(s string, _ bool) string { return foldLookalikes(s) }},
	{"needsDecode", func(s string, plus bool) string {
		if needsDecode(s, plus) {
			return "\x01"
		}
		return "\x00"
	}},
}

// decodeInput is probe_decode's input: the mode byte, the plus flag as
// one byte (1 or 0), then the text.
func decodeInput(mode int, plus bool, s string) []byte {
	in := make([]byte, 0, 2+len(s))
	in = append(in, byte(mode), probeFlag(plus))
	return append(in, s...)
}

func probeFlag(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// checkRustDecode runs every decoder on s, in Go and in the port, and
// reports each that differs; it returns the number of differences.
func checkRustDecode(t testing.TB, p *rustProbe, s string, plus bool) int {
	t.Helper()
	differ := 0
	for mode, m := range decodeModes {
		want := m.fn(s, plus)
		got, err := p.call("decode", decodeInput(mode, plus, s))
		if err != nil {
			t.Fatalf("%s(%q, %v): %v", m.name, s, plus, err)
		}
		if string(got) != want {
			differ++
			t.Errorf("%s(%q, plus %v):\n rust %q\n go   %q", m.name, s, plus, got, want)
		}
	}
	return differ
}

// decodeCases take every branch of decode.go, and the edges of Go's
// UTF-8 decoding and encoding the port has to reproduce.
var decodeCases = []string{
	"", "plain", "hello world", "a+b", "+", "++%2b", "%252b",
	// percent escapes
	"%", "%4", "%41", "%4g", "%zz", "100%", "%%41", "%u", "%u0", "%u004", "%u0041", "%U0041",
	"%u003cscript%u003e", "%uD800", "%uDFFF", "%uFFFF", "%uzzzz", "%u00e9", "%ff", "%c0%ae", "%00",
	// stacked encodings, up to and past the round limit
	"%252e%252e%252f", "&#37;3C", "%26lt%3B", "%2526lt%253B", "%25252541", "%2525252541", "%5cx41",
	"%26%2360%3B", "&amp;lt;", "&amp;amp;amp;lt;",
	// named entities
	"&", "&a", "&l", "&lt", "&lt;", "&LT;", "&Lt;", "&lt;a&gt;", "$&LBRACE;jndi:", "&nosuch;", "&;",
	"&semi", "& lt;", "&toolongname;", "&lbrace;", "&newline;", "&verbar;x", "&\xff;", "&lt&gt;",
	"&sem\u0130;", "&SEM\u0130;", "&lbrac\u212a;", "&rbrac\u212a;", "&sem\u0131;", "&\u212a;", "&semi;;",
	// numeric references
	"&#", "&#;", "&#x", "&#x;", "&#60", "&#60;", "&#060", "&#x3c;", "&#X3C", "&#x3Cx", "&#0000000060;",
	"&#00;", "&#0", "&#000", "&#xD800;", "&#55296;", "&#x110000;", "&#1114111;", "&#1114112;",
	"&#99999999;", "&#9999999", "&#x10FFFF;", "&#xFFFFFFF;", "&#xFFFFFFFF;", "&#12a", "&#x1g", "&#-1;",
	"&#36", "a&#", "&#x0;",
	// backslash escapes
	"\\", "a\\", "\\\\", "\\u", "\\u004", "\\u0041", "\\U0041", "\\u{41}", "\\u{}", "\\u{1F600}",
	"\\u{110000}", "\\u{FFFFFF}", "\\u{1234567}", "\\u{zz}", "\\u{41", "\\u{", "\\x41", "\\X4", "\\xzz",
	"\\\\x41", "\\uD83D\\uDE00", "\\u003cimg\\x3e", "\\u{6a}ava", "\\n", "\\x", "\\u{0041}x",
	// look-alikes and UTF-8 edges
	"\uff01\uff5e\uff5f\uff00", "\uff1cscript\uff1e", "\u24b6\u24cf\u24d0\u24e9\u24ea\u24b5",
	"ⓁⓄⒸⒶⓁⒽⓄⓈⓉ", "①⑥⑨。②⑤④", "\u2460\u2468\u2469", "\u2018\u2019\u02bc\u00b4\u2032",
	"\u201c\u201d\u201e", "\u2044\u2215", "\u3002\uff61", "\u00bc\u00be\u00a2\u00bd",
	"\xbc\xbe\xa2\xb4\xff\x80", "%bcscript%be", "\xc0\x80", "\xc1\xbf", "\xc2", "\xed\xa0\x80",
	"\xed\x9f\xbf", "\xf4\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x80",
	"\xef\xbf\xbd", "\xe2\x82", "\xe2\x82\xac", "\xe0\x9f\xbf", "\xe0\xa0\x80", "\xf5\x80\x80\x80",
	"\xf8", "日本語", "caf\xe9", "\xe2\x80", "a\xf0\x9f\x98",
	// every decoder at once
	"%3Cscript%3E&lt;\\x3c\uff1c", "jav%26%23x61%3Bscript%3Aalert(1)", "%5Cu003c&#x5c;x3c",
}

func TestRustDecode(t *testing.T) {
	p := newRustProbe(t)
	for _, s := range decodeCases {
		for _, plus := range []bool{false, true} {
			checkRustDecode(t, p, s, plus)
		}
	}
	// The table must reach the branches it is meant for: a few cases
	// whose Go decoding says so.
	for s, want := range map[string]string{
		"&sem\u0130;": ";", "&lbrac\u212a;": "[", "%uD800": "\uFFFD", "&#x110000;": "&#x110000;",
		"\\u{110000}": "\uFFFD", "%2525252541": "%2541", "%25252541": "%41", "%ff": "\u00ff",
	} {
		if got := decodeAll(s, false); got != want {
			t.Errorf("decodeAll(%q) = %q, the table expects %q", s, got, want)
		}
	}
}

func TestRustDecodeCorpora(t *testing.T) {
	p := newRustProbe(t)
	values := corpusSampleValues(t)
	differ, decoded := 0, 0
	for _, v := range values {
		if decodeAll(v.raw, v.plus) != v.raw {
			decoded++
		}
		if differ += checkRustDecode(t, p, v.raw, v.plus); differ > 20 {
			t.Fatalf("stopping after %d differences", differ)
		}
	}
	t.Logf("%d corpus values, %d of them changed by decodeAll", len(values), decoded)
	if decoded == 0 {
		t.Error("no corpus value needs decoding: the corpora were not read as meant")
	}
}

func FuzzRustDecode(f *testing.F) {
	for _, s := range decodeCases {
		f.Add(s, false)
		f.Add(s, true)
	}
	p := newRustProbe(f)
	f.Fuzz(func(t *testing.T, s string, plus bool) {
		checkRustDecode(t, p, s, plus)
	})
}
