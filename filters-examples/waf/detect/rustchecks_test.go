//go:build !wasip1

package detect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	libinjection "github.com/corazawaf/libinjection-go"
)

// ruleFunc is a rule's gate or check.
type ruleFunc = func(f *forms) bool

// goRuleFuncs are the rules' gates and checks by the names the port's
// enums give them (camel of funcNames' names), as rusttable_test.go
// generates them.
func goRuleFuncs(t testing.TB) (gates, checks map[string]ruleFunc) {
	t.Helper()
	rules := allRules()
	byName := func(of func(r *rule) ruleFunc) map[string]ruleFunc {
		names, err := funcNames(rules, func(r *rule) any { return of(r) })
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]ruleFunc{}
		for i, n := range names {
			if n != "" {
				m[camel(n)] = of(&rules[i])
			}
		}
		return m
	}
	return byName(func(r *rule) ruleFunc { return r.gate }), byName(func(r *rule) ruleFunc { return r.check })
}

// checkResult is one gate's or check's result on a value.
type checkResult struct {
	name string
	ok   bool
}

// valueChecks are the results of every gate and every check on one
// value, in the port's order.
type valueChecks struct {
	gates, checks []checkResult
}

func (v *valueChecks) String() string {
	var b strings.Builder
	for _, part := range [][]checkResult{v.gates, v.checks} {
		for _, r := range part {
			if r.ok {
				fmt.Fprintf(&b, " %s", r.name)
			}
		}
		b.WriteString(" |")
	}
	return "true:" + b.String()
}

// checksInput is probe_checks' input (see
// filters-examples/waf/rust/probe/src/checks.rs): a mode byte (1: a fresh
// build before each gate and check), the plus flag, the raw value and
// the decoded value as a u32 little-endian length and the bytes, and
// libinjection's verdicts on the decoded value as one byte each.
func checksInput(raw string, plus, fresh bool) []byte {
	var f forms
	f.build(raw, plus)
	sqli, _ := libinjection.IsSQLi(f.dec)
	xss := libinjection.IsXSS(f.dec)
	in := []byte{probeFlag(fresh), probeFlag(plus)}
	for _, s := range []string{raw, f.dec} {
		in = binary.LittleEndian.AppendUint32(in, uint32(len(s)))
		in = append(in, s...)
	}
	return append(in, probeFlag(sqli), probeFlag(xss))
}

// rustChecks has the port run every gate and check on raw.
func rustChecks(p *rustProbe, raw string, plus, fresh bool) (*valueChecks, error) {
	out, err := p.call("checks", checksInput(raw, plus, fresh))
	if err != nil {
		return nil, err
	}
	r := &probeReader{b: out}
	results := func() []checkResult {
		var rs []checkResult
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			name := r.take(1)
			if name == nil {
				break
			}
			rs = append(rs, checkResult{name: string(r.take(int(name[0]))), ok: r.flag()})
		}
		return rs
	}
	v := &valueChecks{gates: results(), checks: results()}
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("probe_checks(%q, %v, %v): %w", raw, plus, fresh, r.err)
	}
	return v, nil
}

// goChecks runs the Go gates and checks named in order on raw, the way
// the port ran them: on one build, or on a fresh one for each.
func goChecks(raw string, plus, fresh bool, order *valueChecks, gates, checks map[string]ruleFunc) (*valueChecks, error) {
	var f forms
	f.build(raw, plus)
	run := func(names []checkResult, funcs map[string]ruleFunc) ([]checkResult, error) {
		var rs []checkResult
		for _, n := range names {
			fn, ok := funcs[n.name]
			if !ok {
				return nil, fmt.Errorf("the port runs %s, which no Go rule has", n.name)
			}
			if fresh {
				f = forms{}
				f.build(raw, plus)
			}
			rs = append(rs, checkResult{name: n.name, ok: fn(&f)})
		}
		if len(rs) != len(funcs) {
			return nil, fmt.Errorf("the port runs %d of the Go rules' %d", len(rs), len(funcs))
		}
		return rs, nil
	}
	g, err := run(order.gates, gates)
	if err != nil {
		return nil, err
	}
	c, err := run(order.checks, checks)
	if err != nil {
		return nil, err
	}
	return &valueChecks{gates: g, checks: c}, nil
}

// checkRustChecks compares every gate and check on raw in Go and in the
// port, in both modes, and returns the Go results of the shared build and
// whether the two agreed.
func checkRustChecks(t testing.TB, p *rustProbe, raw string, plus bool, gates, checks map[string]ruleFunc) (*valueChecks, bool) {
	t.Helper()
	var shared *valueChecks
	same := true
	for _, fresh := range []bool{false, true} {
		got, err := rustChecks(p, raw, plus, fresh)
		if err != nil {
			t.Fatal(err)
		}
		want, err := goChecks(raw, plus, fresh, got, gates, checks)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("checks of %q, plus %v, fresh build each %v:\n rust %v\n go   %v", raw, plus, fresh, got, want)
			same = false
		}
		if !fresh {
			shared = want
		}
	}
	return shared, same
}

// checksCases take the branches of gates.go, lexicon.go, shellwords.go
// and the checks of rules_*.go; every rule's sample and look-alike are
// added to them.
var checksCases = []string{
	"", " ", "(", "a(", "((", "x<", "<", "<a", "< a", "<!--", "</x", "<?", "a<b<c", "1<2 <Z",
	// sqlShaped: punctuation, quotes, gate words
	"a||b", "a|b", "a&&b", "@@v", "a--b", "a-b", "a!=b", "a!b", "/*", "a/b", "#", "=",
	"it's", "o'brien", "x' or", "x'1", "x'", "x' )", "'(union", "\"select", "`drop", "x'_", "x'Or",
	"union", "UNION all", "xor", "sleep", "waitfor", "prose only",
	// function calls
	"concat (a)", "concat(a)", "$concat(a)", "x.concat(a)", "a->concat(a)", "Concat(x)", "user()", "user ()",
	"left(me) alone", "length(s)", "file(s)", "copy (see below)", "copy(", "count(x);", "count(whoami)",
	"count(ab) (", "sum(a b).", "max(ab)[", "sleep(1", "ascii(", "ascii (", "ascii (*", "abc(  !! (",
	"1 and ascii(", "x=char((", "jsonb_set(a)", "JSONB_SET (a)", "dbms_lock.sleep(5)",
	// php
	"system('id')", "system (x)", "system/**/('id')", "system#c\n('id')", "system//c\n('id')", "system/* x",
	"system# x", "shell_exec ('id')", "fopen (x)", "file (s)", "file(s)", "file($x)", "exec(\n)", "SYSTEM('ID')",
	"$system('x')", "a::system(1)", "eval(whoami)", "eval(data)", "eval(data).", "passthru  ( x)",
	// shell
	"; cat /etc/passwd", ";cat", "; cat", "; cat -n", "| more", "|more", "$(id)", "$ (id)", "<(ls)", ">(ls)",
	"`whoami`", "{ls,-la}", "\nid", "; /usr/bin/id", "; sudo id", "; sudo -u x id", "; env --version",
	"; timeout 5 id", "; nohup curl x", "; b?n/c?t x", "; ./x.sh", "a && python3 -c x", "; php-fpm",
	"wget http://x", "curl", "whoami", "id", "python tutorial", "python -c x", "x=curl -o", "a=whoami",
	"strace ifconfig", "sudo -u x id", "sudo ls", "nohup; ls", "time; visudo", "env|ls", "time flies",
	"timeout 10 ls", "ls -la /", "ls -lapse", "ls --all", "ls --", "ls -", "cat ~/x", "cat /x",
	"find -name x", "ping - pong", "certutil -f", "powershell.exe", "POWERSHELL", "powershells",
	"& dir", "| dir /s", "; ver", "salt & pepper", "tom & jerry",
	// lfi
	"../../etc/passwd", "../a", "..\\..\\x", "..", "/..", "\\..", "a/..", "....//", "%2e%2e/", "0x2e0x2e0x2f",
	"%c0%ae%c0%ae%c0%af", "..%2f", "=../", ":../", "'../", "\"..\\", " ../", "\t../", "...", ".../",
	"..;/", "../.env", "../.", "../_x", "..//..", "../../", "../x/../", "..\\./..", "../;../", "x..y",
	"/.git/config", "/.well-known/x", "/.WELL-KNOWN/x", "/./", "/../", "/.", "/a/.", "/.x",
	// numeric tautology
	"1 or 1=1", "1=1", "1=2", "(1=1)", ",1=1--", "x 2=3", "1 <> 2", "1<>1", "1 != 1", "1!=2", "1 <=> 1",
	"1<=>2", "01=1", "1=1 #", "1=1;", "1=1)", "1=1 x", "1=1-", " 1 = 1 ", "a1=1", "1=1 or 2=2",
	"1=2 or 3=3", "1=1\v", "\f1=1",
	// dangling boolean
	"1 or", "x and", "xor", "or", "for", "black or white", "or 1", "or (1", "  and  ", "and ", "or -1",
	// log4j
	"${jndi:ldap://x}", "${jndi :x}", "${${lower:j}ndi:x}", "${::-j}${::-n}di:", "${env:X:-j}ndi:",
	"${lower:J}", "${upper:j}", "${x", "${a${b}", "${user.name}", "${${", ":-j}", "${jndi", "${a}${b}",
	"${lower:${lower:j}}ndi:", "${::-${::-j}}",
	// base64
	"cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==",
	"eD1qYXZhLmxhbmcuUnVudGltZS5nZXRSdW50aW1lKCk=", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg", "SGVsbG8gd29ybGQ=",
	// decoding and case
	"%3Cscript%3Ealert(1)%3C/script%3E", "1/**/UNION/**/SELECT", "a+or+1=1", "%27%20or%201%3D1",
	"\xff(", "\xc3\xa9(x)", "ⓁⓄⒸⒶⓁⒽⓄⓈⓉ", "system\x00('id')",
}

// checksSamples are checksCases with every rule's sample and look-alike.
func checksSamples() []string {
	out := append([]string(nil), checksCases...)
	for _, r := range allRules() {
		out = append(out, r.sample, r.lookAlike)
	}
	return out
}

func TestRustChecks(t *testing.T) {
	p := newRustProbe(t)
	gates, checks := goRuleFuncs(t)
	// Every gate and check must be true on some case and false on
	// another, or the table does not test it.
	seen := map[string][2]bool{}
	for _, s := range checksSamples() {
		for _, plus := range []bool{false, true} {
			v, _ := checkRustChecks(t, p, s, plus, gates, checks)
			for _, r := range append(v.gates, v.checks...) {
				b := seen[r.name]
				b[probeFlag(r.ok)] = true
				seen[r.name] = b
			}
		}
	}
	for name := range gates {
		if seen[name] != [2]bool{true, true} {
			t.Errorf("the cases do not make %s both true and false: %v", name, seen[name])
		}
	}
	for name := range checks {
		if seen[name] != [2]bool{true, true} {
			t.Errorf("the cases do not make %s both true and false: %v", name, seen[name])
		}
	}
}

func TestRustChecksCorpora(t *testing.T) {
	p := newRustProbe(t)
	gates, checks := goRuleFuncs(t)
	values := corpusSampleValues(t)
	differ, trues := 0, 0
	for _, v := range values {
		r, same := checkRustChecks(t, p, v.raw, v.plus, gates, checks)
		if !same {
			if differ++; differ > 20 {
				t.Fatalf("stopping after %d differences", differ)
			}
		}
		for _, c := range r.checks {
			if c.ok {
				trues++
			}
		}
	}
	t.Logf("%d corpus values: %d checks true", len(values), trues)
	if trues == 0 {
		t.Error("no check is true on any corpus value: the corpora were not read as meant")
	}
}

func FuzzRustChecks(f *testing.F) {
	for _, s := range checksSamples() {
		f.Add(s, false)
		f.Add(s, true)
	}
	p := newRustProbe(f)
	gates, checks := goRuleFuncs(f)
	f.Fuzz(func(t *testing.T, s string, plus bool) {
		checkRustChecks(t, p, s, plus, gates, checks)
	})
}
