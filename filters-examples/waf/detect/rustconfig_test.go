//go:build !wasip1

package detect

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// configOutcome is what the filter makes of a config: refused with an
// error, or its fields after the defaults and the rules it selects.
type configOutcome struct {
	Err string
	Cfg configFields
	// Disabled and Exclusions are rule indexes, ascending.
	Disabled   []int
	Exclusions [][]int
}

// configFields is a Config with its map in name order and its floats as
// bits, so that two compare exactly.
type configFields struct {
	Mode                 string
	Paranoia, Threshold  int64
	Weights              []configWeight
	DisabledRules        []string
	Exclusions           []configExclusion
	AllowedMethods       []string
	MaxBody, BlockStatus int64
}

type configWeight struct {
	Name string
	Bits uint64
}

type configExclusion struct {
	Path, Arg string
	// HasRules is false for a nil Rules (absent or null).
	HasRules bool
	Rules    []string
}

var configRules = sync.OnceValue(allRules)

// goConfigSelection is the part of New that refuses a config by the
// rules it names, in New's order and with its messages, and the sets it
// selects (New keeps them in Engine.excl and its disabled set).
func goConfigSelection(cfg Config) (disabled []int, excl [][]int, err error) {
	rules := configRules()
	var e Engine
	indexes := func(s ruleSet) []int {
		var out []int
		for i := range rules {
			if s.has(i) {
				out = append(out, i)
			}
		}
		return out
	}
	set, err := e.selectRules(rules, cfg.DisabledRules)
	if err != nil {
		return nil, nil, fmt.Errorf("waf config: disabled_rules: %w", err)
	}
	disabled = indexes(set)
	for _, x := range cfg.Exclusions {
		var set ruleSet
		if len(x.Rules) == 0 {
			for i := range rules {
				set.add(i)
			}
		} else if set, err = e.selectRules(rules, x.Rules); err != nil {
			return nil, nil, fmt.Errorf("waf config: exclusions: %w", err)
		}
		excl = append(excl, indexes(set))
	}
	return disabled, excl, nil
}

func goConfigOutcome(data []byte) configOutcome {
	cfg, err := ParseConfig(data)
	if err != nil {
		return configOutcome{Err: err.Error()}
	}
	disabled, excl, err := goConfigSelection(cfg)
	if err != nil {
		return configOutcome{Err: err.Error()}
	}
	f := configFields{
		Mode: string(cfg.Mode), Paranoia: int64(cfg.Paranoia), Threshold: int64(cfg.Threshold),
		DisabledRules: cfg.DisabledRules, AllowedMethods: cfg.AllowedMethods,
		MaxBody: int64(cfg.MaxBodyBytes), BlockStatus: int64(cfg.BlockStatus),
	}
	for name, w := range cfg.Weights {
		f.Weights = append(f.Weights, configWeight{name, math.Float64bits(w)})
	}
	sort.Slice(f.Weights, func(i, j int) bool { return f.Weights[i].Name < f.Weights[j].Name })
	for _, x := range cfg.Exclusions {
		f.Exclusions = append(f.Exclusions, configExclusion{x.Path, x.Arg, x.Rules != nil, x.Rules})
	}
	return configOutcome{Cfg: f, Disabled: disabled, Exclusions: excl}
}

func rustConfigOutcome(p *rustProbe, data []byte) (configOutcome, error) {
	out, err := p.call("config", data)
	if err != nil {
		return configOutcome{}, err
	}
	r := &probeReader{b: out}
	i64 := func() int64 {
		if b := r.take(8); b != nil {
			return int64(binary.LittleEndian.Uint64(b))
		}
		return 0
	}
	strs := func() []string {
		var s []string
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			s = append(s, r.bytes())
		}
		return s
	}
	ints := func() []int {
		var s []int
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			s = append(s, int(r.u32()))
		}
		return s
	}
	var o configOutcome
	if r.flag() {
		o.Err = r.bytes()
	} else {
		f := &o.Cfg
		f.Mode = r.bytes()
		f.Paranoia, f.Threshold = i64(), i64()
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			f.Weights = append(f.Weights, configWeight{r.bytes(), uint64(i64())})
		}
		f.DisabledRules = strs()
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			x := configExclusion{Path: r.bytes(), Arg: r.bytes()}
			if x.HasRules = r.flag(); x.HasRules {
				x.Rules = strs()
			}
			f.Exclusions = append(f.Exclusions, x)
		}
		f.AllowedMethods = strs()
		f.MaxBody, f.BlockStatus = i64(), i64()
		o.Disabled = ints()
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			o.Exclusions = append(o.Exclusions, ints())
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes left over", len(r.b))
	}
	if r.err != nil {
		return configOutcome{}, fmt.Errorf("probe_config on %q: %w", data, r.err)
	}
	return o, nil
}

// normalized makes an empty list and a nil one the same where the
// encoding does not tell them apart, and sorts a refusal's lines when
// they hold the weights' problems, which Go lists in its map's random
// order.
func (o configOutcome) normalized() configOutcome {
	if strings.Contains(o.Err, "waf config: weights: ") {
		lines := strings.Split(o.Err, "\n")
		slices.Sort(lines)
		o.Err = strings.Join(lines, "\n")
	}
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	f := &o.Cfg
	f.DisabledRules, f.AllowedMethods = norm(f.DisabledRules), norm(f.AllowedMethods)
	if len(f.Weights) == 0 {
		f.Weights = nil
	}
	if len(f.Exclusions) == 0 {
		f.Exclusions = nil
	}
	for i := range f.Exclusions {
		f.Exclusions[i].Rules = norm(f.Exclusions[i].Rules)
	}
	if len(o.Disabled) == 0 {
		o.Disabled = nil
	}
	if len(o.Exclusions) == 0 {
		o.Exclusions = nil
	}
	for i := range o.Exclusions {
		if len(o.Exclusions[i]) == 0 {
			o.Exclusions[i] = nil
		}
	}
	return o
}

func checkRustConfig(t testing.TB, p *rustProbe, data []byte) {
	t.Helper()
	want := goConfigOutcome(data).normalized()
	got, err := rustConfigOutcome(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if got = got.normalized(); reflect.DeepEqual(got, want) {
		return
	}
	if got.Err != "" || want.Err != "" {
		t.Errorf("config %q:\n Rust error %q\n   Go error %q", data, got.Err, want.Err)
	} else {
		t.Errorf("config %q:\n Rust %+v\n   Go %+v", data, got, want)
	}
}

var rustConfigCases = []string{
	"", " \t\r\n", "\u00a0\u2003", "{}", " {} ", "null", "[]", `""`, "1", "true",
	// Every field.
	`{"mode":"detect","paranoia":3,"threshold":7,"weights":{"scanner":0.5,"sqli":2,"xss":0},` +
		`"disabled_rules":["sqli-union-select","php","protocol-cl-and-te"],` +
		`"exclusions":[{"path":"/api","arg":"q","rules":["xss"]},{"path":"/x"},{"arg":"a","rules":[]},{"arg":"b","rules":null}],` +
		`"allowed_methods":["GET","PROPFIND"],"max_body_bytes":-1,"block_status":418}`,
	`{"mode":"block","paranoia":4,"max_body_bytes":1}`,
	`{"paranoia":1,"threshold":1,"block_status":400}`, `{"block_status":599}`,
	// validate's errors, one at a time and together.
	`{"mode":"Block"}`, `{"mode":"x"}`, `{"paranoia":5}`, `{"paranoia":-1}`, `{"threshold":-5}`,
	`{"block_status":399}`, `{"block_status":600}`, `{"block_status":-403}`,
	`{"weights":{"nosuch":1}}`, `{"weights":{"sqli":-1}}`, `{"weights":{"nosuch":-1,"xss":-0.5,"other":2}}`,
	`{"weights":{"sqli":-0}}`, `{"weights":{"sqli":null}}`, `{"weights":{}}`, `{"weights":null}`,
	`{"allowed_methods":["get"]}`, `{"allowed_methods":[""]}`, `{"allowed_methods":[]}`,
	`{"allowed_methods":["G\u00c9T","G\u00e9T","\u01c5","\u0130","\u00df","\ufb00","GET\u0000"]}`,
	`{"allowed_methods":["GET","\u212a","Ǆ","ǅ"]}`,
	`{"exclusions":[{}]}`, `{"exclusions":[{"rules":["xss"]}]}`, `{"exclusions":[null]}`, `{"exclusions":[]}`,
	`{"mode":"x","paranoia":0,"threshold":-1,"block_status":1,"weights":{"a":-1},"allowed_methods":["a","b"],"exclusions":[{},{}]}`,
	// New's errors.
	`{"disabled_rules":["nosuch"]}`, `{"disabled_rules":["SQLI"]}`, `{"disabled_rules":["protocol"]}`,
	`{"disabled_rules":["protocol-method-not-allowed"]}`, `{"disabled_rules":[""]}`,
	`{"exclusions":[{"path":"/","rules":["nosuch"]}]}`, `{"exclusions":[{"path":"/","rules":["protocol-cl-and-te","generic"]}]}`,
	`{"disabled_rules":["nosuch"],"exclusions":[{"path":"/","rules":["other"]}]}`,
	`{"paranoia":9,"disabled_rules":["nosuch"]}`,
	// Unknown fields, other case, duplicates.
	`{"nosuch":1}`, `{"mode":"detect","Nosuch":{"a":[1,2]}}`, `{"MODE":"detect","Paranoia":2,"THRESHOLD":3}`,
	`{"max_body_BYTES":5,"Block_Status":500}`, `{"mode":"detect","mode":"block"}`, `{"\u006dode":"detect"}`,
	`{"mod\u212a":1}`, `{"paranoia":2,"paranoia":null}`, `{"exclusions":[{"PATH":"/a","Arg":"b","RULES":["xss"]}]}`,
	`{"exclusions":[{"path":"/","extra":1}]}`, `{"di\u017fabled_rules":["xss"]}`, `{"bloc\u212a_status":500}`, `{"bloc\u212A_\u017Ftatus":"x"}`, `{"maxbodybytes":1}`,
	`{"disabled_rules":["a","b"],"disabled_rules":["c"],"disabled_rules":["sqli",null]}`,
	`{"disabled_rules":["xss"],"disabled_rules":[]}`, `{"disabled_rules":["xss"],"disabled_rules":null}`,
	`{"exclusions":[{"path":"/a","rules":["xss"]},{"arg":"b"}],"exclusions":[{"arg":"c"}]}`,
	`{"exclusions":[{"path":"/a","rules":["xss","sqli"]}],"exclusions":[{"rules":["php"]},null]}`,
	`{"weights":{"sqli":1},"weights":{"xss":2}}`, `{"weights":{"sqli":1,"sqli":3}}`,
	`{"allowed_methods":["GET"],"allowed_methods":null}`,
	// null for each field.
	`{"mode":null,"paranoia":null,"threshold":null,"weights":null,"disabled_rules":null,"exclusions":null,"allowed_methods":null,"max_body_bytes":null,"block_status":null}`,
	`{"disabled_rules":[null]}`, `{"allowed_methods":[null,"GET"]}`, `{"exclusions":[{"path":null,"arg":"x","rules":[null]}]}`,
	// Wrong types.
	`{"mode":1}`, `{"mode":true}`, `{"mode":["block"]}`, `{"mode":{}}`, `{"paranoia":"2"}`, `{"paranoia":true}`,
	`{"paranoia":[]}`, `{"threshold":{}}`, `{"weights":[]}`, `{"weights":{"sqli":"1"}}`, `{"weights":{"sqli":true}}`,
	`{"weights":{"sqli":{}}}`, `{"weights":1}`, `{"disabled_rules":"xss"}`, `{"disabled_rules":[1]}`,
	`{"disabled_rules":[["xss"]]}`, `{"exclusions":{}}`, `{"exclusions":[1]}`, `{"exclusions":["/a"]}`,
	`{"exclusions":[{"path":1}]}`, `{"exclusions":[{"rules":"xss"}]}`, `{"exclusions":[{"rules":[true]}]}`,
	`{"allowed_methods":"GET"}`, `{"max_body_bytes":false}`, `{"block_status":"403"}`,
	`{"mode":1,"paranoia":"x"}`, `{"nosuch":1,"mode":2}`, `{"mode":2,"nosuch":1}`, `{"paranoia":1.5,"nosuch":1}`,
	`{"mode":1,"disabled_rules":["nosuch"]}`,
	// Numbers.
	`{"paranoia":1.0}`, `{"paranoia":1e0}`, `{"threshold":1e2}`, `{"threshold":-0}`, `{"threshold":0}`,
	`{"paranoia":2.5}`, `{"threshold":99999999999999999999}`, `{"threshold":9223372036854775807}`,
	`{"threshold":9223372036854775808}`, `{"max_body_bytes":-9223372036854775808}`,
	`{"max_body_bytes":-9223372036854775809}`, `{"threshold":1E2}`, `{"threshold":-1.0e-0}`,
	`{"weights":{"sqli":1e308}}`, `{"weights":{"sqli":1e309}}`, `{"weights":{"sqli":-1e400}}`,
	`{"weights":{"sqli":1e-400}}`, `{"weights":{"sqli":-1e-400}}`, `{"weights":{"sqli":0.1}}`,
	`{"weights":{"sqli":2.2250738585072011e-308}}`, `{"weights":{"sqli":123456789012345678901234567890}}`,
	`{"paranoia":01}`, `{"paranoia":+1}`, `{"paranoia":.5}`, `{"paranoia":1.}`, `{"paranoia":1e}`, `{"paranoia":-}`,
	`{"paranoia":0x10}`, `{"paranoia":NaN}`, `{"paranoia":Infinity}`,
	// Trailing data: after an object it is never read.
	`{}x`, `{} {}`, `{"mode":"detect"}]`, `{"mode":"detect"} garbage`, `{}}`, `null x`, `nullx`, `1 x`, `1x`, `"a"b`,
	`[] x`, `{"mode":"x"} {`,
	// Invalid JSON.
	`{`, `{"mode"`, `{"mode":`, `{"mode":"detect"`, `{"mode":"detect",}`, `{"mode" "detect"}`, `{mode:"detect"}`,
	`{'mode':'detect'}`, `{"mode":"detect",,"paranoia":1}`, `{"mode":"de` + "\n" + `tect"}`, `{"mode":"\x"}`,
	`{"mode":"\u12"}`, `{"mode":"\u12G4"}`, `{"paranoia":1 2}`, `{"disabled_rules":[1,]}`, `{"disabled_rules":[,1]}`,
	`{"a":tru}`, `{"a":nul}`, `{"a":fals}`, `{"a":truex}`, `{"a":[}`, `{"a":{]}`, "\ufeff{}", "{\u00a0}", "{\x00}",
	`{"mode":"` + "\x01" + `"}`, `{"mode":"` + "\x7f" + `"}`, `{/*c*/}`, `{"a":1}` + "\x00", "\x80", "{\"a\x80\":1}",
	// Strings: invalid UTF-8 and escapes.
	"{\"mode\":\"\xff\"}", "{\"mode\":\"de\xc3\"}", "{\"disabled_rules\":[\"\xed\xa0\x80\"]}",
	"{\"allowed_methods\":[\"GET\xff\"]}", "{\"exclusions\":[{\"path\":\"/\xf0\x9f\x98\x80\xf0\x9f\"}]}",
	"{\"mo\xffde\":1}", "{\"weights\":{\"\xff\":1}}",
	`{"mode":"\ud800"}`, `{"mode":"\udc00"}`, `{"mode":"\ud83d\ude00"}`, `{"mode":"\ud83d\u0041"}`,
	`{"mode":"\ud83dx"}`, `{"mode":"\ud83d\ud83d\ude00"}`, `{"mode":"\ude00\ud83d"}`, `{"mode":"\u0000"}`,
	`{"mode":"\u0062lock"}`, `{"mode":"\"\\\/\b\f\n\r\t"}`, `{"mode":"\ud83d\\"}`, `{"mode":"\uDBFF\uDFFF"}`,
	`{"disabled_rules":["\u0073qli"]}`, `{"weights":{"\u0073qli":-1}}`, `{"\ud800":1}`, `{"m\u00f6de":1}`,
	// Deep nesting, in an unknown field (refused) and past the limit.
	`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	`{"mode":"x","nosuch":` + strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50) + `}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"weights":` + strings.Repeat("[", 20) + "]",
}

func TestRustConfigMatchesGo(t *testing.T) {
	p := newRustProbe(t)
	for _, c := range rustConfigCases {
		checkRustConfig(t, p, []byte(c))
	}
}

// TestRustConfigSelectionIsNew holds goConfigSelection, the Go side of
// the comparison, to New's own answer.
func TestRustConfigSelectionIsNew(t *testing.T) {
	for _, c := range rustConfigCases {
		cfg, err := ParseConfig([]byte(c))
		if err != nil {
			continue
		}
		_, _, want := goConfigSelection(cfg)
		_, got := New(cfg)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("config %q: New says %v, goConfigSelection %v", c, got, want)
		}
	}
}

func FuzzRustConfig(f *testing.F) {
	for _, c := range rustConfigCases {
		f.Add([]byte(c))
	}
	p := newRustProbe(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRustConfig(t, p, data)
	})
}
