//go:build !wasip1

package detect

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// valueViews is what probe_views reports of one value: forms.build's
// fields, the lazy views and the base64 decodings.
type valueViews struct {
	dec                             string
	cls                             charClass
	comment, sqlDiffers, cmdDiffers bool
	low, sql, cmd                   string
	b64raw, b64low                  []string
}

func (v *valueViews) String() string {
	return fmt.Sprintf("dec %q cls %#x comment %v sqlDiffers %v cmdDiffers %v\n   low %q\n   sql %q\n   cmd %q\n   base64 raw %q\n   base64 low %q",
		v.dec, uint32(v.cls), v.comment, v.sqlDiffers, v.cmdDiffers, v.low, v.sql, v.cmd, v.b64raw, v.b64low)
}

// goViews builds the views of raw with this package's forms.
func goViews(raw string, plus bool) *valueViews {
	var f forms
	f.build(raw, plus)
	v := &valueViews{dec: f.dec, cls: f.cls, comment: f.comment, sqlDiffers: f.sqlDiffers(), cmdDiffers: f.cmdDiffers(),
		low: f.lowered(), sql: f.sqlText(), cmd: f.cmdText()}
	raws, lows := f.base64Plains()
	for i := range raws {
		v.b64raw = append(v.b64raw, string(raws[i]))
		v.b64low = append(v.b64low, string(lows[i]))
	}
	return v
}

// rustViews has the port build the views of raw.
func rustViews(p *rustProbe, raw string, plus bool) (*valueViews, error) {
	out, err := p.call("views", append([]byte{probeFlag(plus)}, raw...))
	if err != nil {
		return nil, err
	}
	r := &probeReader{b: out}
	v := &valueViews{dec: r.bytes(), cls: charClass(r.u32()), comment: r.flag(), sqlDiffers: r.flag(), cmdDiffers: r.flag(),
		low: r.bytes(), sql: r.bytes(), cmd: r.bytes()}
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		v.b64raw = append(v.b64raw, r.bytes())
		v.b64low = append(v.b64low, r.bytes())
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("probe_views(%q, %v): %w", raw, plus, r.err)
	}
	return v, nil
}

// checkRustViews compares the views of raw in Go and in the port and
// reports whether they are the same.
func checkRustViews(t testing.TB, p *rustProbe, raw string, plus bool) bool {
	t.Helper()
	want := goViews(raw, plus)
	got, err := rustViews(p, raw, plus)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("views of %q, plus %v:\n rust %v\n go   %v", raw, plus, got, want)
		return false
	}
	return true
}

// viewsCases take every branch of normalize.go, charclass.go and
// base64.go.
var viewsCases = []string{
	"", "a", "A", " ", "  ", "a  b", "a \t\n\r\v\fb", "\t", "SELECT  *\tFROM t", "x\r\ny",
	"\x00", "a\x00b", "%00", "\x00\x00", "%2500", "a%00%20%20b",
	// sql comments
	"/*", "/**/", "*/", "/*/", "/*!", "/*!*/", "/*!12345", "/*!50000union*/ select", "a/*b", "x/*!1*/y",
	"UN/**/ION SEL/*x*/ECT", "/* a */ /* b", "/*!/**/*/", "a/b*c", "/*!123abc*/d", "%2f%2a%2a%2f",
	// shell quoting and expansions
	`c'a't /e"t"c/pa\sswd`, "cat${IFS}/etc/passwd", "cat$IFS/etc", "$IFSx", "${ifs}", "$ifs", "w$@ho$()am``i",
	"c^a^t", "${jndi:ldap://x}", "$", "$@", "$*", "$!", "$?", "$_", "$$", "$1", "$9", "$0", "$a", "${", "${}",
	"${a}", "${ab}x", "${abcdefghijkl}x", "${abcdefghijklm}x", "${a:b}", "${a b}", "${a$b}", "${a{b}",
	"``", "```", "$()", "<()", ">()", "$(", "$(x)", "`", "a`b`c", "$()$()", "p$()i``n<()g", "'\"\\^",
	"${${lower:j}ndi:}", "$$()", "<>", "ec\\ho", "%24%7bIFS%7d",
	// classes
	"=<>#|&@-!/", "().", "a.b", "(", ")", "#", "\x80\xff", "+", "a+b", "%2b", "ABCxyz019",
	// base64 runs
	"ZWNobyBoaQ==", "cG93ZXJzaGVsbA", "ZWNobyBoaQ", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg",
	"PD9waHAgc3lzdGVtKCRfR0VUWzFdKTs_", "rO0ABXNyABFqYXZh-_", "Anne-Marie", "HelloWorld", "helloWorld",
	"aB", "abcdefG", "abcdefgH", "ABCDEFGHabc", "abc ABCDEFGH", "d41d8cd98f00b204e9800998ecf8427e",
	"x=aGVsbG8gV29ybGQ&y=Zm9vYmFy", "aaaa/bbbbB", "ab+cdE-fgH_ij", "9aZZZZZZZZ", "aZ aZ aZaZaZaZ",
	"powershell -enc ZQBjAGgAbwAgAGgAaQAgAHQAaABlAHIAZQA=", "AAAAAAAAaB", "a0000000000000B",
	// decoding into the views
	"%3Cscript%3Ealert(document.cookie)%3C/script%3E", "1/**/UnIoN/**/SeLeCt/**/1,2", "ⓁⓄⒸⒶⓁⒽⓄⓈⓉ",
	"\uff1cSCRIPT\uff1e", "&lt;SVG onload=x&gt;", "\\u0041\\u0042c", "%C0%AE%c0%ae/", "%u0000x",
}

func TestRustViews(t *testing.T) {
	p := newRustProbe(t)
	for _, s := range viewsCases {
		for _, plus := range []bool{false, true} {
			checkRustViews(t, p, s, plus)
		}
	}
	// The table must reach the parts it is meant for.
	for s, check := range map[string]func(v *valueViews) bool{
		"cat${IFS}/etc/passwd":               func(v *valueViews) bool { return v.cmd == "cat /etc/passwd" },
		"/*!50000union*/ select":             func(v *valueViews) bool { return v.sql == " union  select" },
		"ZWNobyBoaQ==":                       func(v *valueViews) bool { return len(v.b64raw) == 4 && v.b64raw[0] == "echo hi" },
		"a\x00b":                             func(v *valueViews) bool { return v.dec == "ab" },
		"SELECT  *\tFROM t":                  func(v *valueViews) bool { return v.low == "select * from t" },
		"p$()i``n<()g":                       func(v *valueViews) bool { return v.cmd == "ping" },
		"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg": func(v *valueViews) bool { return strings.Contains(strings.Join(v.b64raw, " "), "<script>") },
	} {
		if v := goViews(s, false); !check(v) {
			t.Errorf("the Go views of %q are not what the table is for: %v", s, v)
		}
	}
}

func TestRustViewsCorpora(t *testing.T) {
	p := newRustProbe(t)
	values := corpusSampleValues(t)
	differ, plains, changed := 0, 0, 0
	for _, v := range values {
		if !checkRustViews(t, p, v.raw, v.plus) {
			if differ++; differ > 20 {
				t.Fatalf("stopping after %d differences", differ)
			}
		}
		g := goViews(v.raw, v.plus)
		plains += len(g.b64raw)
		if g.sql != g.low || g.cmd != g.low {
			changed++
		}
	}
	t.Logf("%d corpus values: %d base64 decodings, %d values whose sql or cmd view differs from low", len(values), plains, changed)
	if plains == 0 || changed == 0 {
		t.Error("the corpora reached neither the base64 decodings nor the sql and cmd views: they were not read as meant")
	}
}

func FuzzRustViews(f *testing.F) {
	for _, s := range viewsCases {
		f.Add(s, false)
		f.Add(s, true)
	}
	p := newRustProbe(f)
	f.Fuzz(func(t *testing.T, s string, plus bool) {
		checkRustViews(t, p, s, plus)
	})
}
