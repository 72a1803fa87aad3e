package detect

import (
	"errors"
	"math"
	"math/bits"
	"regexp"
	"strings"
	"sync"
)

// Engine holds one configuration's compiled rules. It is read-only after
// New, so one Engine serves any number of goroutines.
type Engine struct {
	cfg   Config
	rules []rule
	// scores is each rule's score after its class weight.
	scores []int
	// needs is each rule's ruleSpec.needs, packed where the loop over a
	// value's candidate rules reads it.
	needs []charClass
	// keywords finds the rules whose literals a value holds.
	keywords *keywordMatcher
	// always are the rules without keywords: they run on every value.
	always ruleSet
	// sqlGate is the automaton output, past the rules, of the words of
	// sqlGateList in the sql view.
	sqlGate int
	// byTarget are the enabled rules for each Target bit.
	byTarget [16]ruleSet
	excl     []exclusion
	methods  map[string]bool
	// protocol checks are per request, not per value.
	protocol []protocolCheck
}

// exclusion is a compiled Exclusion.
type exclusion struct {
	path  string
	arg   string
	rules ruleSet
	// names are the configured rule names, for the protocol checks; nil
	// means every rule.
	names []string
}

// New compiles cfg's rules. It does all the parsing and regexp
// compilation a request would otherwise pay for.
func New(cfg Config) (*Engine, error) {
	cfg.fillDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, methods: map[string]bool{}}
	for _, m := range cfg.AllowedMethods {
		e.methods[m] = true
	}
	rules := allRules()
	// One more automaton output than rules: sqlGate.
	if len(rules)+1 > maxRules {
		return nil, errors.New("detect: too many rules")
	}
	disabled, err := e.selectRules(rules, cfg.DisabledRules)
	if err != nil {
		return nil, errors.New("waf config: disabled_rules: " + err.Error())
	}
	var keywords [numViews][][]string
	var enabled ruleSet
	for i := range rules {
		r := &rules[i]
		if r.pattern != "" {
			re, err := regexp.Compile(r.pattern)
			if err != nil {
				return nil, errors.New("detect: rule " + r.id + ": " + err.Error())
			}
			r.re = re
		}
		e.needs = append(e.needs, r.needs)
		w := weight(cfg.Weights, r.class)
		e.scores = append(e.scores, int(math.Round(float64(r.score)*w)))
		on := r.pl <= cfg.Paranoia && w > 0 && !disabled.has(i)
		for v := range numViews {
			var kws []string
			if on && view(v) == keywordView(r.view) {
				kws = r.keywords
			}
			keywords[v] = append(keywords[v], kws)
		}
		if !on {
			continue
		}
		enabled.add(i)
		if len(r.keywords) == 0 {
			e.always.add(i)
		}
		for bit := range 16 {
			if r.where&(1<<bit) != 0 {
				e.byTarget[bit].add(i)
			}
		}
	}
	// The SQL gate words, as an output of their own: a value without
	// one spares sqlShaped its word-by-word look (see forms.sqlWords).
	compileHostPatterns(rules, enabled.has)
	e.rules = rules
	e.sqlGate = len(rules)
	for v := range numViews {
		var kws []string
		if view(v) == viewSQL {
			kws = lexiconWords(sqlGateList)
		}
		keywords[v] = append(keywords[v], kws)
	}
	e.keywords = newKeywordMatcher(&keywords)
	for _, x := range cfg.Exclusions {
		var set ruleSet
		if len(x.Rules) == 0 {
			for i := range rules {
				set.add(i)
			}
		} else if set, err = e.selectRules(rules, x.Rules); err != nil {
			return nil, errors.New("waf config: exclusions: " + err.Error())
		}
		e.excl = append(e.excl, exclusion{path: x.Path, arg: x.Arg, rules: set, names: x.Rules})
	}
	for _, p := range protocolChecks() {
		if p.pl <= cfg.Paranoia && weight(cfg.Weights, Protocol) > 0 && !isListed(cfg.DisabledRules, p.id, Protocol) {
			e.protocol = append(e.protocol, p)
		}
	}
	return e, nil
}

// Config returns the configuration the engine runs, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

func weight(w map[string]float64, c Class) float64 {
	if v, ok := w[c.String()]; ok {
		return v
	}
	return 1
}

// selectRules turns rule ids and class names into a set.
func (e *Engine) selectRules(rules []rule, names []string) (ruleSet, error) {
	var set ruleSet
	for _, n := range names {
		found := false
		c, isClass := classByName(n)
		for i := range rules {
			if r := &rules[i]; r.id == n || (isClass && r.class == c) {
				set.add(i)
				found = true
			}
		}
		if !found && !isClass && !isProtocolCheck(n) {
			return set, errors.New("unknown rule or class " + n)
		}
	}
	return set, nil
}

// maxKeptScratch bounds the scratch an inspection keeps in the pool.
const maxKeptScratch = 16 << 10

// inspections are reused across requests: an inspection is large (the
// views, the arena, the lists of values seen), and inside wasm every
// byte allocated brings the next collection of the engine's large heap
// nearer.
var inspections = sync.Pool{New: func() any { return &inspection{lastKey: -1} }}

// Inspect scores one request.
func (e *Engine) Inspect(r *Request) Result {
	path, query := splitURI(r.URI)
	in := inspections.Get().(*inspection)
	defer in.release()
	in.e, in.path = e, path
	var offPaths []*exclusion
	for i := range e.excl {
		if x := &e.excl[i]; x.arg == "" && strings.HasPrefix(path, x.path) {
			in.off.or(&x.rules)
			offPaths = append(offPaths, x)
		}
	}
protocol:
	for _, p := range e.protocol {
		for _, x := range offPaths {
			if x.names == nil || isListed(x.names, p.id, Protocol) {
				continue protocol
			}
		}
		if where, ok := p.check(r, e); ok {
			in.add(Match{Rule: p.id, Class: Protocol, Where: where, Score: int(math.Round(float64(p.score) * weight(e.cfg.Weights, Protocol)))})
		}
	}
	in.split(r, path, query)
	in.res.Attack = in.res.Score >= e.cfg.Threshold
	return in.res
}

// split walks the values of r (whose target is path and query) in the
// order they are inspected, calling value on each.
func (in *inspection) split(r *Request, path, query string) {
	in.inspectPath(path)
	in.inspectForm(query, TArgName, TArgValue)
	in.inspectHeaders(r.Headers)
	in.inspectBody(r)
}

// release returns the inspection to the pool, holding nothing of the
// request: neither its strings nor, through the arena, the views built
// from them, which is why no string of the Result may come from the
// arena (the Result holds rule ids and places joined afresh).
func (in *inspection) release() {
	// Field by field: clearing the whole inspection, most of which is
	// unused by a typical request, costs more than this inside wasm.
	in.e, in.path, in.off, in.fired, in.res = nil, "", ruleSet{}, ruleSet{}, Result{}
	f := &in.f
	f.dec, f.low, f.sql, f.cmd = "", "", "", ""
	// To their capacity: each value cuts them to length 0, so entries
	// of earlier values would otherwise keep arena chunks alive.
	clear(f.b64raw[:cap(f.b64raw)])
	clear(f.b64low[:cap(f.b64low)])
	f.b64raw, f.b64low, f.arena = f.b64raw[:0], f.b64low[:0], f.arena[:0]
	if cap(f.b64buf) > maxKeptScratch {
		f.b64buf = nil // one long run must not pin its size for good
	}
	clear(in.seenKeys)
	in.seenKeys, in.lastKey = in.seenKeys[:0], -1
	for u := in.used; u != 0; u &= u - 1 {
		in.recent[bits.TrailingZeros32(u)] = seenValue{}
	}
	in.used = 0
	inspections.Put(in)
}

// inspection is the state of one Inspect call.
type inspection struct {
	e    *Engine
	path string
	// off are the rules excluded for the whole request.
	off ruleSet
	// fired are the rules already counted: a rule scores once a request.
	fired ruleSet
	f     forms
	res   Result
	// seenKeys are the JSON keys already inspected: in an array of
	// objects every element repeats them, and seeing one again can only
	// fire rules that already fired. A short list, compared in order:
	// cheaper than hashing, which is slow inside wasm.
	seenKeys []string
	// follows[i] is the index of the key seen after seenKeys[i] last
	// time, lastKey the index of the last key seen (-1: none).
	follows [maxSeenKeys]uint8
	lastKey int
	// recent are values already inspected, by a signature of (target,
	// length, first, middle and last byte): the same value from the same
	// place can only fire rules that already fired, and values repeat in
	// arrays and lists (status fields, enumerations, flags).
	recent [32]seenValue
	// used has a bit per entry of recent in use, so that release
	// clears only those.
	used uint32
	// trace, when set, is told of every call of value, empty values
	// included, before anything else is done with it: the tests that
	// hold the Rust port to this engine compare its splitting of a
	// request with this one through it. Never set by the engine, so
	// pooled inspections have none; the cost is one nil check a value.
	trace func(target Target, at where, arg, raw string, plus bool)
}

// seenValue is one of the values inspection.value ran the rules on.
type seenValue struct {
	raw, arg string
	target   Target
	plus     bool
}

func (in *inspection) add(m Match) {
	in.res.Matches = append(in.res.Matches, m)
	in.res.Score += m.Score
}

// where names the place of a value for Match.Where; it is joined only
// when a rule matches, not for every value.
type where struct{ kind, name string }

// value runs the rules enabled for target on one value. arg is the
// argument or cookie name exclusions look at ("" for other targets).
func (in *inspection) value(target Target, at where, arg, raw string, plus bool) {
	if in.trace != nil {
		in.trace(target, at, arg, raw, plus)
	}
	if raw == "" {
		return
	}
	// The outcome depends on nothing else (fired only shrinks the work),
	// so a value seen before has nothing left to fire.
	slot := (uint(len(raw))*7 + uint(raw[0])*31 + uint(raw[len(raw)/2])*17 + uint(raw[len(raw)-1]) + uint(target)) % uint(len(in.recent))
	seen := &in.recent[slot]
	if seen.target == target && seen.plus == plus && sameString(seen.raw, raw) && sameString(seen.arg, arg) {
		return
	}
	// Field by field: a struct store of pointers is a runtime call
	// inside wasm.
	seen.raw, seen.arg, seen.target, seen.plus = raw, arg, target, plus
	in.used |= 1 << slot
	e := in.e
	var cand ruleSet
	for t := uint16(target); t != 0; t &= t - 1 {
		cand.or(&e.byTarget[bits.TrailingZeros16(t)])
	}
	cand.andNot(&in.off)
	cand.andNot(&in.fired)
	if arg != "" {
		for _, x := range e.excl {
			if x.arg == arg && strings.HasPrefix(in.path, x.path) {
				cand.andNot(&x.rules)
			}
		}
	}
	if cand.empty() {
		return
	}
	in.f.build(raw, plus)
	hits := e.always
	// One scan per distinct text: most values read the same in every
	// view, and the automaton keeps each view's outputs apart.
	same := uint8(1 << viewLow)
	if in.f.sqlDiffers() {
		e.keywords.scan(in.f.sqlText(), 1<<viewSQL, &hits)
	} else {
		same |= 1 << viewSQL
	}
	if in.f.cmdDiffers() {
		e.keywords.scan(in.f.cmdText(), 1<<viewCmd, &hits)
	} else {
		same |= 1 << viewCmd
	}
	// The decoded view read as the low one: the automaton folds case
	// and blank runs itself, so the low view is built only for rules.
	e.keywords.scan(in.f.dec, same, &hits)
	if !hits.has(e.sqlGate) {
		in.f.sqlWords = sqlWordsAbsent
	}
	cand.and(&hits)
	for w, word := range cand {
		for word != 0 {
			i := w<<6 | bits.TrailingZeros64(word)
			word &= word - 1
			if needs := e.needs[i]; in.f.cls&needs == needs && e.rules[i].matches(&in.f) {
				in.fired.add(i)
				in.add(Match{Rule: e.rules[i].id, Class: e.rules[i].class, Where: at.kind + at.name, Score: e.scores[i]})
			}
		}
	}
}

func isProtocolCheck(id string) bool {
	for _, p := range protocolChecks() {
		if p.id == id {
			return true
		}
	}
	return false
}

// isListed says whether names holds the rule id or its class.
func isListed(names []string, id string, c Class) bool {
	for _, n := range names {
		if n == id || n == c.String() {
			return true
		}
	}
	return false
}
