package detect

// ruleSet is a set of rule indexes; the engine holds fewer than 256 rules.
type ruleSet [4]uint64

func (s *ruleSet) add(i int)         { s[i>>6] |= 1 << (i & 63) }
func (s *ruleSet) has(i int) bool    { return s[i>>6]&(1<<(i&63)) != 0 }
func (s *ruleSet) or(o *ruleSet)     { s[0] |= o[0]; s[1] |= o[1]; s[2] |= o[2]; s[3] |= o[3] }
func (s *ruleSet) and(o *ruleSet)    { s[0] &= o[0]; s[1] &= o[1]; s[2] &= o[2]; s[3] &= o[3] }
func (s *ruleSet) empty() bool       { return s[0]|s[1]|s[2]|s[3] == 0 }
func (s *ruleSet) andNot(o *ruleSet) { s[0] &^= o[0]; s[1] &^= o[1]; s[2] &^= o[2]; s[3] &^= o[3] }

// maxRules is the capacity of ruleSet.
const maxRules = 256

// keywordMatcher is an Aho-Corasick automaton compiled to a DFA over
// byte classes: one table lookup per input byte finds every keyword of
// every rule at once, so a rule's regexp only runs on values that hold
// one of its literals. Keywords belong to a view; the outputs are kept
// per view so that one scan serves every view whose text is the same
// (the common case: a value with no comment and no shell quoting).
type keywordMatcher struct {
	// class maps a byte to its column; bytes no keyword uses share 0.
	class   [256]uint8
	classes int
	// next is the DFA, states x classes. A state is stored as the index
	// of its row (state*classes), which spares the scan a multiply per
	// byte; a target state with outputs is stored complemented
	// (negative), so that the scan learns whether to collect outputs
	// from the same load.
	next []int32
	// out[v][state] are the rules with a keyword of view v ending at
	// state, including those reached through failure links.
	out [numViews][]ruleSet
	// start is the row a scan begins in: the one after a blank, so that
	// a keyword written " or" also matches at the start of a value.
	start int32
}

// newKeywordMatcher builds the automaton. keywords[v][i] lists the
// lower-case literals of rule i in view v.
func newKeywordMatcher(keywords *[numViews][][]string) *keywordMatcher {
	// The blanks get a column of their own even if no keyword holds
	// one: their transitions are special (see below).
	const blank = 1
	m := &keywordMatcher{classes: 2}
	m.class[' '] = blank
	for v := range keywords {
		for _, kws := range keywords[v] {
			for _, kw := range kws {
				for i := 0; i < len(kw); i++ {
					if m.class[kw[i]] == 0 {
						m.class[kw[i]] = uint8(m.classes)
						m.classes++
					}
				}
			}
		}
	}
	if m.classes > 255 {
		panic("detect: too many keyword byte classes")
	}
	// Scan text as the low view has it: upper case as lower, every blank
	// as a space, a run of blanks as one (see below).
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	for _, c := range []byte("\t\n\r\v\f") {
		m.class[c] = m.class[' ']
	}
	// The trie, as a dense table from the start (-1: no child), which
	// the breadth-first pass below turns into the DFA in place.
	// At most one state per keyword byte, plus the root: allocate once.
	bound := 1
	for v := range keywords {
		for _, kws := range keywords[v] {
			for _, kw := range kws {
				bound += len(kw)
			}
		}
	}
	next := make([]int32, m.classes, bound*m.classes)
	for i := range next {
		next[i] = -1
	}
	var out [numViews][]ruleSet
	for v := range out {
		out[v] = make([]ruleSet, 1, bound)
	}
	// afterBlank marks the states entered by a blank.
	afterBlank := make([]bool, 1, bound)
	for v := range keywords {
		for rule, kws := range keywords[v] {
			for _, kw := range kws {
				s := int32(0)
				for i := 0; i < len(kw); i++ {
					cell := int(s)*m.classes + int(m.class[kw[i]])
					if next[cell] < 0 {
						n := int32(len(next) / m.classes)
						for range m.classes {
							next = append(next, -1)
						}
						for w := range out {
							out[w] = append(out[w], ruleSet{})
						}
						afterBlank = append(afterBlank, m.class[kw[i]] == blank)
						next[cell] = n
					}
					s = next[cell]
				}
				out[v][s].add(rule)
			}
		}
	}
	states := len(next) / m.classes
	// Breadth first: failure links, outputs along them, and the missing
	// transitions filled from the failure state's row.
	fail := make([]int32, states)
	queue := make([]int32, 0, states)
	for c := range m.classes {
		if n := next[c]; n > 0 {
			queue = append(queue, n)
		} else {
			next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for v := range out {
			out[v][s].or(&out[v][fail[s]])
		}
		row, frow := int(s)*m.classes, int(fail[s])*m.classes
		for c := range m.classes {
			if n := next[row+c]; n >= 0 {
				fail[n] = next[frow+c]
				queue = append(queue, n)
			} else {
				next[row+c] = next[frow+c]
			}
		}
	}
	// A run of blanks reads as one blank: a state entered by a blank
	// stays where it is on the next one, so the scan needs no test of
	// its own. Every blank leads to such a state, or to the root when no
	// keyword starts with a blank, and then the root stays put already.
	for st, b := range afterBlank {
		if b {
			next[st*m.classes+blank] = int32(st)
		}
	}
	m.next = next
	m.out = out
	// The start state's own outputs are not collected: it stands for
	// the blank before the value.
	m.start = next[blank] * int32(m.classes)
	hasOut := make([]bool, states)
	for st := range states {
		for v := range out {
			if !out[v][st].empty() {
				hasOut[st] = true
			}
		}
	}
	for i, t := range m.next {
		row := t * int32(m.classes)
		if hasOut[t] {
			row = ^row
		}
		m.next[i] = row
	}
	return m
}

// scan adds to hits every rule with a keyword in s, for the views in
// the mask (bit v for view v). It reads s as the low view has it (see
// appendFoldSpace): case folded, each run of blanks one space.
func (m *keywordMatcher) scan(s string, views uint8, hits *ruleSet) {
	// Locals, not fields: the loop runs once per byte of every value.
	next, class := m.next, &m.class
	row := m.start
	for i := 0; i < len(s); i++ {
		row = next[row+int32(class[s[i]])]
		if row >= 0 {
			continue
		}
		row = ^row
		st := int(row) / m.classes
		for v := range numViews {
			if views&(1<<v) != 0 {
				hits.or(&m.out[v][st])
			}
		}
	}
}
