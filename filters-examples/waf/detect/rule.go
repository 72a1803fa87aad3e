package detect

import "regexp"

// Class is an attack class. Every rule belongs to one; weights,
// exclusions and the reported matches are per class.
type Class uint8

const (
	SQLi Class = iota
	XSS
	LFI
	RFI
	RCE
	PHP
	Java
	Session
	Generic
	Scanner
	Protocol
	numClasses
)

var classNames = [numClasses]string{
	SQLi: "sqli", XSS: "xss", LFI: "lfi", RFI: "rfi", RCE: "rce", PHP: "php",
	Java: "java", Session: "session", Generic: "generic", Scanner: "scanner",
	Protocol: "protocol",
}

func (c Class) String() string { return classNames[c] }

// classByName maps a config name to its class.
func classByName(name string) (Class, bool) {
	for c, n := range classNames {
		if n == name {
			return Class(c), true
		}
	}
	return 0, false
}

// Target says where an inspected value came from.
type Target uint16

const (
	TPath Target = 1 << iota
	TArgName
	TArgValue
	TCookieName
	TCookieValue
	THeader
	TUserAgent
	TReferer
	TBody
	TFilename

	// tArgs are the values an application reads as input.
	tArgs = TArgName | TArgValue | TCookieName | TCookieValue | TBody
	// tAll adds every header and the path.
	tAll = tArgs | TPath | THeader | TUserAgent | TReferer | TFilename
	// tNoPath is every place but the path, which holds slashes and dots
	// for honest reasons.
	tNoPath = tAll &^ TPath
)

// view selects the normalised form a rule reads (see forms).
type view uint8

const (
	viewLow view = iota
	viewSQL
	viewCmd
	viewDec
	numViews
)

// keywordView is the view a rule's keywords are looked for in. The
// decoded view differs from the lower-cased one only by case, so its
// rules' (lower-case) keywords are found in the latter.
func keywordView(v view) view {
	if v == viewDec {
		return viewLow
	}
	return v
}

func (f *forms) get(v view) string {
	switch v {
	case viewSQL:
		return f.sqlText()
	case viewCmd:
		return f.cmdText()
	case viewDec:
		return f.dec
	}
	return f.lowered()
}

// Severity scores, as the anomaly-scoring convention has them: one
// critical match is enough to reach the default threshold, weaker
// signals need company.
const (
	critical = 5
	major    = 4
	warning  = 3
	notice   = 2
)

// ruleTable is one class's rules, as a rules_*.go file writes them: the
// class is stated once, for the whole table, so a rule cannot be filed
// under a class its table is not about.
type ruleTable struct {
	class Class
	rules []ruleSpec
}

// ruleSpec is a rule as written in a ruleTable. Specs are plain data; New
// compiles them once per engine.
type ruleSpec struct {
	// id names the rule in matches, logs, disabled_rules and exclusions:
	// "<class>-<what it finds>", unique across the tables and the
	// protocol checks.
	id string
	// pl is the paranoia level from which the rule runs (1-4).
	pl    int
	score int
	where Target
	view  view
	// keywords are lower-case literals of which the view must hold one
	// before the rule runs; a rule without keywords runs on every value.
	// With neither pattern nor check, a keyword alone is the match.
	keywords []string
	// needs are the byte classes the decoded value must hold for the
	// rule to match: tested before anything is called, so that a rule
	// whose keyword is common (a quote, "on") costs nothing on values
	// that lack its punctuation.
	needs charClass
	// gate is a cheap precondition on the value, shared by rules of a
	// class, that spares them their regexp on values that cannot match.
	gate    func(f *forms) bool
	pattern string
	check   func(f *forms) bool
	// sample is a value the rule must match and lookAlike a near miss
	// it must not, both as a request carries them (before decoding).
	// TestRuleSamples holds every rule to them through the engine; they
	// are the rule's documentation as much as its test.
	sample, lookAlike string
}

// rule is a compiled ruleSpec, with its table's class.
type rule struct {
	ruleSpec
	class Class
	re    *regexp.Regexp
	// host is re compiled on the host as well, inside Gojinn (see
	// compileHostPatterns); nil natively.
	host *hostPattern
}

func (r *rule) matches(f *forms) bool {
	if r.gate != nil && !r.gate(f) {
		return false
	}
	// The check runs before the pattern: checks are exact tests or
	// cheap refinements.
	if r.check != nil && !r.check(f) {
		return false
	}
	return r.re == nil || r.matchPattern(f, f.get(r.view))
}

// ruleTables lists every rule table. Order is the order of evaluation
// and of reported matches.
func ruleTables() []ruleTable {
	return []ruleTable{
		sqliRules, xssRules, lfiRules, rfiRules, rceRules, phpRules,
		javaRules, sessionRules, genericRules, scannerRules,
	}
}

// allRules lists every rule of every table, in order, each with its
// table's class; New compiles their patterns.
func allRules() []rule {
	var all []rule
	for _, t := range ruleTables() {
		for _, s := range t.rules {
			all = append(all, rule{ruleSpec: s, class: t.class})
		}
	}
	return all
}
