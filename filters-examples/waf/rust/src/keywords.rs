//! The port of detect/keywords.go: the rule sets and the keyword
//! automaton that finds which rules' literals a value holds.

/// The number of views keywords belong to (Go's numViews, of rule.go:
/// viewLow, viewSQL, viewCmd, viewDec).
pub const NUM_VIEWS: usize = 4;

/// The capacity of a RuleSet (Go's maxRules).
pub const MAX_RULES: usize = 256;

/// A set of rule indexes (Go's ruleSet); the engine holds fewer than
/// MAX_RULES rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleSet(pub [u64; 4]);

impl RuleSet {
    pub fn add(&mut self, i: usize) {
        self.0[i >> 6] |= 1 << (i & 63);
    }

    pub fn has(&self, i: usize) -> bool {
        self.0[i >> 6] & (1 << (i & 63)) != 0
    }

    pub fn or(&mut self, o: &RuleSet) {
        for (w, o) in self.0.iter_mut().zip(o.0) {
            *w |= o;
        }
    }

    pub fn and(&mut self, o: &RuleSet) {
        for (w, o) in self.0.iter_mut().zip(o.0) {
            *w &= o;
        }
    }

    pub fn and_not(&mut self, o: &RuleSet) {
        for (w, o) in self.0.iter_mut().zip(o.0) {
            *w &= !o;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// The column of the blanks, which get one even if no keyword holds one:
/// their transitions are special (see KeywordMatcher::new).
const BLANK: u8 = 1;

/// An Aho-Corasick automaton compiled to a DFA over byte classes (Go's
/// keywordMatcher): one table lookup per input byte finds every keyword
/// of every rule at once, so a rule's regexp only runs on values that
/// hold one of its literals. Keywords belong to a view; the outputs are
/// kept per view so that one scan serves every view whose text is the
/// same (the common case: a value with no comment and no shell quoting).
pub struct KeywordMatcher {
    /// Maps a byte to its column; bytes no keyword uses share 0.
    class: [u8; 256],
    classes: usize,
    /// The DFA, states x classes. A state is stored as the index of its
    /// row (state*classes), which spares the scan a multiply per byte; a
    /// target state with outputs is stored complemented (negative), so
    /// that the scan learns whether to collect outputs from the same
    /// load.
    next: Vec<i32>,
    /// out[v][state] are the rules with a keyword of view v ending at
    /// state, including those reached through failure links.
    out: [Vec<RuleSet>; NUM_VIEWS],
    /// The row a scan begins in: the one after a blank, so that a keyword
    /// written " or" also matches at the start of a value.
    start: i32,
}

impl KeywordMatcher {
    /// Builds the automaton (Go's newKeywordMatcher). `keywords[v][i]`
    /// lists the lower-case literals of rule `i` in view `v`. Panics, as
    /// Go's does, when the keywords use more than 254 distinct bytes.
    pub fn new<K: AsRef<[u8]>>(keywords: &[Vec<Vec<K>>; NUM_VIEWS]) -> KeywordMatcher {
        let mut class = [0u8; 256];
        let mut classes = 2usize;
        class[b' ' as usize] = BLANK;
        let all = || keywords.iter().flatten().flatten().map(|k| k.as_ref());
        for kw in all() {
            for &c in kw {
                if class[c as usize] == 0 {
                    // Past 255 classes the build panics below; the
                    // truncation is only ever of a value never used.
                    class[c as usize] = classes as u8;
                    classes += 1;
                }
            }
        }
        if classes > 255 {
            panic!("detect: too many keyword byte classes");
        }
        // Scan text as the low view has it: upper case as lower, every
        // blank as a space, a run of blanks as one (see below).
        for c in b'A'..=b'Z' {
            class[c as usize] = class[(c + (b'a' - b'A')) as usize];
        }
        for &c in b"\t\n\r\x0b\x0c" {
            class[c as usize] = class[b' ' as usize];
        }
        // The trie, as a dense table from the start (-1: no child), which
        // the breadth-first pass below turns into the DFA in place. At
        // most one state per keyword byte, plus the root: allocate once.
        let bound = 1 + all().map(|k| k.len()).sum::<usize>();
        let mut next = Vec::with_capacity(bound * classes);
        next.resize(classes, -1i32);
        let mut out: [Vec<RuleSet>; NUM_VIEWS] = Default::default();
        for o in out.iter_mut() {
            o.reserve(bound);
            o.push(RuleSet::default());
        }
        // after_blank marks the states entered by a blank.
        let mut after_blank = Vec::with_capacity(bound);
        after_blank.push(false);
        for (v, rules) in keywords.iter().enumerate() {
            for (rule, kws) in rules.iter().enumerate() {
                for kw in kws {
                    let mut s = 0usize;
                    for &c in kw.as_ref() {
                        let col = class[c as usize];
                        let cell = s * classes + col as usize;
                        if next[cell] < 0 {
                            let n = next.len() / classes;
                            next.resize(next.len() + classes, -1);
                            for o in out.iter_mut() {
                                o.push(RuleSet::default());
                            }
                            after_blank.push(col == BLANK);
                            next[cell] = n as i32;
                        }
                        s = next[cell] as usize;
                    }
                    out[v][s].add(rule);
                }
            }
        }
        let states = next.len() / classes;
        // Breadth first: failure links, outputs along them, and the
        // missing transitions filled from the failure state's row.
        let mut fail = vec![0i32; states];
        let mut queue = std::collections::VecDeque::with_capacity(states);
        for cell in next.iter_mut().take(classes) {
            if *cell > 0 {
                queue.push_back(*cell);
            } else {
                *cell = 0;
            }
        }
        while let Some(s) = queue.pop_front() {
            let s = s as usize;
            let f = fail[s] as usize;
            for o in out.iter_mut() {
                let inherited = o[f];
                o[s].or(&inherited);
            }
            let (row, frow) = (s * classes, f * classes);
            for c in 0..classes {
                let n = next[row + c];
                if n >= 0 {
                    fail[n as usize] = next[frow + c];
                    queue.push_back(n);
                } else {
                    next[row + c] = next[frow + c];
                }
            }
        }
        // A run of blanks reads as one blank: a state entered by a blank
        // stays where it is on the next one, so the scan needs no test of
        // its own. Every blank leads to such a state, or to the root when
        // no keyword starts with a blank, and then the root stays put
        // already.
        for (st, &b) in after_blank.iter().enumerate() {
            if b {
                next[st * classes + BLANK as usize] = st as i32;
            }
        }
        // The start state's own outputs are not collected: it stands for
        // the blank before the value.
        let start = next[BLANK as usize] * classes as i32;
        let has_out: Vec<bool> = (0..states)
            .map(|st| out.iter().any(|o| !o[st].is_empty()))
            .collect();
        for t in next.iter_mut() {
            let row = *t * classes as i32;
            *t = if has_out[*t as usize] { !row } else { row };
        }
        KeywordMatcher {
            class,
            classes,
            next,
            out,
            start,
        }
    }

    /// Adds to `hits` every rule with a keyword in `s`, for the views in
    /// the mask (bit v for view v). It reads `s` as the low view has it
    /// (see normalize::append_fold_space): case folded, each run of
    /// blanks one space.
    pub fn scan(&self, s: &[u8], views: u8, hits: &mut RuleSet) {
        let (next, class) = (&self.next[..], &self.class);
        let mut row = self.start;
        for &c in s {
            row = next[(row + class[c as usize] as i32) as usize];
            if row >= 0 {
                continue;
            }
            row = !row;
            let st = row as usize / self.classes;
            for (v, out) in self.out.iter().enumerate() {
                if views & (1 << v) != 0 {
                    hits.or(&out[st]);
                }
            }
        }
    }

    /// The automaton's tables, for the probe's comparison with Go's: the
    /// class of each byte, the number of classes, the DFA, the outputs and
    /// the start row.
    pub fn tables(&self) -> (&[u8; 256], usize, &[i32], &[Vec<RuleSet>; NUM_VIEWS], i32) {
        (&self.class, self.classes, &self.next, &self.out, self.start)
    }
}
