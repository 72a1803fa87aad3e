package detect

import (
	"errors"
	"math"
	"math/bits"
	"regexp"
	"strings"
)

// Engine holds one configuration's compiled rules. It is read-only after
// New, so one Engine serves any number of goroutines.
type Engine struct {
	cfg   Config
	rules []rule
	// scores is each rule's score after its class weight.
	scores []int
	// keywords finds the rules whose literals a value holds.
	keywords *keywordMatcher
	// always are the rules without keywords: they run on every value.
	always ruleSet
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
	specs := allSpecs()
	if len(specs) > maxRules {
		return nil, errors.New("detect: too many rules")
	}
	disabled, err := e.selectRules(specs, cfg.DisabledRules)
	if err != nil {
		return nil, errors.New("waf config: disabled_rules: " + err.Error())
	}
	var keywords [numViews][][]string
	for i, s := range specs {
		r := rule{ruleSpec: s}
		if s.pattern != "" {
			re, err := regexp.Compile(s.pattern)
			if err != nil {
				return nil, errors.New("detect: rule " + s.id + ": " + err.Error())
			}
			r.re = re
		}
		e.rules = append(e.rules, r)
		w := weight(cfg.Weights, s.class)
		e.scores = append(e.scores, int(math.Round(float64(s.score)*w)))
		on := s.pl <= cfg.Paranoia && w > 0 && !disabled.has(i)
		for v := range numViews {
			var kws []string
			if on && view(v) == keywordView(s.view) {
				kws = s.keywords
			}
			keywords[v] = append(keywords[v], kws)
		}
		if !on {
			continue
		}
		if len(s.keywords) == 0 {
			e.always.add(i)
		}
		for bit := range 16 {
			if s.where&(1<<bit) != 0 {
				e.byTarget[bit].add(i)
			}
		}
	}
	e.keywords = newKeywordMatcher(&keywords)
	for _, x := range cfg.Exclusions {
		var set ruleSet
		if len(x.Rules) == 0 {
			for i := range specs {
				set.add(i)
			}
		} else if set, err = e.selectRules(specs, x.Rules); err != nil {
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
func (e *Engine) selectRules(specs []ruleSpec, names []string) (ruleSet, error) {
	var set ruleSet
	for _, n := range names {
		found := false
		c, isClass := classByName(n)
		for i, s := range specs {
			if s.id == n || (isClass && s.class == c) {
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

// Inspect scores one request.
func (e *Engine) Inspect(r *Request) Result {
	path, query := splitURI(r.URI)
	in := inspection{e: e, path: path}
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
	in.inspectPath(path)
	in.inspectForm(query, TArgName, TArgValue)
	in.inspectHeaders(r.Headers)
	in.inspectBody(r)
	in.res.Attack = in.res.Score >= e.cfg.Threshold
	return in.res
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
	if raw == "" {
		return
	}
	e := in.e
	var cand ruleSet
	for bit := range 16 {
		if target&(1<<bit) != 0 {
			cand.or(&e.byTarget[bit])
		}
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
	cand.and(&hits)
	for w, word := range cand {
		for word != 0 {
			i := w<<6 | bits.TrailingZeros64(word)
			word &= word - 1
			if e.rules[i].matches(&in.f) {
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
