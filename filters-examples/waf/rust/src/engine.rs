//! The port of engine.go: an engine built once per configuration, and
//! the inspection of one request with it (the per-value loop of
//! inspection.value, the exclusions, the scoring).

use crate::body::BodyFlags;
use crate::charclass::CharClass;
use crate::checks;
use crate::config::{Config, RuleSelection};
use crate::host::Host;
use crate::keywords::{KeywordMatcher, RuleSet, NUM_VIEWS};
use crate::normalize::{Forms, SQL_WORDS_ABSENT};
use crate::protocol;
use crate::request::{split_uri, Request};
use crate::rules_table::{Class, ProtocolSpec, View, PROTOCOL, RULES, SQL_GATE_WORDS};
use crate::target::{Target, Where};
use crate::targets::{Splitter, ValueSink};

/// The keyword views, by their index in the automaton (rule.go's view).
const VIEW_LOW: usize = 0;
const VIEW_SQL: usize = 1;
const VIEW_CMD: usize = 2;

/// The view a rule's keywords are looked for in (keywordView): the
/// decoded view differs from the low one only by case, so its rules'
/// lower-case keywords are found in the latter.
fn keyword_view(v: View) -> usize {
    match v {
        View::Low | View::Dec => VIEW_LOW,
        View::Sql => VIEW_SQL,
        View::Cmd => VIEW_CMD,
    }
}

/// A compiled exclusion (engine.go's exclusion).
struct Exclusion {
    path: Vec<u8>,
    arg: Vec<u8>,
    rules: RuleSet,
    /// The configured names, for the protocol checks; None means every
    /// rule (an exclusion without a list, or with a null one).
    names: Option<Vec<Vec<u8>>>,
}

/// One configuration's compiled rules; read-only once built.
pub struct Engine {
    scores: Vec<i32>,
    needs: Vec<CharClass>,
    keywords: KeywordMatcher,
    always: RuleSet,
    /// The automaton output, past the rules, of the SQL gate words in
    /// the sql view.
    sql_gate: usize,
    by_target: [RuleSet; 16],
    excl: Vec<Exclusion>,
    methods: Vec<Vec<u8>>,
    protocol: Vec<(&'static ProtocolSpec, i32)>,
    threshold: i64,
    max_body_bytes: i64,
}

/// The weight of class c (1 unless configured).
fn weight(cfg: &Config, c: Class) -> f64 {
    cfg.weights.get(c.name().as_bytes()).copied().unwrap_or(1.0)
}

/// Go's int(math.Round(score * w)): half away from zero, as f64::round.
fn weighted(score: u8, w: f64) -> i32 {
    (f64::from(score) * w).round() as i32
}

/// Whether names holds the rule id or its class (isListed).
fn is_listed(names: &[Vec<u8>], id: &str, c: Class) -> bool {
    names
        .iter()
        .any(|n| n.as_slice() == id.as_bytes() || n.as_slice() == c.name().as_bytes())
}

impl Engine {
    /// Compiles cfg's rules (engine.go's New). cfg comes from
    /// config::parse_config, which filled in its defaults and validated
    /// it; a name that is no rule, class or protocol check is New's
    /// error, returned as Go words it.
    pub fn new(cfg: &Config) -> Result<Engine, String> {
        let RuleSelection {
            disabled,
            exclusions,
        } = cfg.select_rules()?;
        let mut keywords: [Vec<Vec<&'static [u8]>>; NUM_VIEWS] = Default::default();
        let mut e = Engine {
            scores: Vec::with_capacity(RULES.len()),
            needs: Vec::with_capacity(RULES.len()),
            keywords: KeywordMatcher::new(&keywords),
            always: RuleSet::default(),
            sql_gate: RULES.len(),
            by_target: Default::default(),
            excl: Vec::new(),
            methods: cfg.allowed_methods.clone(),
            protocol: Vec::new(),
            threshold: cfg.threshold,
            max_body_bytes: cfg.max_body_bytes,
        };
        for (i, r) in RULES.iter().enumerate() {
            e.needs.push(CharClass(r.needs));
            let w = weight(cfg, r.class);
            e.scores.push(weighted(r.score, w));
            let on = i64::from(r.pl) <= cfg.paranoia && w > 0.0 && !disabled.has(i);
            for (v, kws) in keywords.iter_mut().enumerate() {
                kws.push(if on && v == keyword_view(r.view) {
                    r.keywords.to_vec()
                } else {
                    Vec::new()
                });
            }
            if !on {
                continue;
            }
            if r.keywords.is_empty() {
                e.always.add(i);
            }
            for bit in 0..16 {
                if r.target & (1 << bit) != 0 {
                    e.by_target[bit].add(i);
                }
            }
        }
        // The SQL gate words, as an output of their own: a value without
        // one spares sqlShaped its word-by-word look.
        for (v, kws) in keywords.iter_mut().enumerate() {
            kws.push(if v == VIEW_SQL {
                SQL_GATE_WORDS
                    .names
                    .iter()
                    .chain(SQL_GATE_WORDS.prefixes)
                    .copied()
                    .collect()
            } else {
                Vec::new()
            });
        }
        e.keywords = KeywordMatcher::new(&keywords);
        for (x, rules) in cfg.exclusions.iter().zip(exclusions) {
            e.excl.push(Exclusion {
                path: x.path.clone(),
                arg: x.arg.clone(),
                rules,
                names: x.rules.clone(),
            });
        }
        let wp = weight(cfg, Class::Protocol);
        for p in PROTOCOL {
            if i64::from(p.pl) <= cfg.paranoia
                && wp > 0.0
                && !is_listed(&cfg.disabled_rules, p.id, Class::Protocol)
            {
                e.protocol.push((p, weighted(p.score, wp)));
            }
        }
        Ok(e)
    }
}

/// One rule that fired: its index in RULES or, for a protocol check,
/// its spec; the place as Match.Where spells it, in Verdict::places.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub rule: &'static str,
    pub class: Class,
    pub score: i32,
    /// The byte range of the place in Verdict::places.
    pub place: (usize, usize),
}

/// The verdict on one request (Go's Result). Its buffers are reused by
/// the next inspection.
#[derive(Default, Debug)]
pub struct Verdict {
    pub score: i64,
    pub matches: Vec<Match>,
    /// The places of the matches, one after the other.
    pub places: Vec<u8>,
    pub attack: bool,
    pub body_skipped: bool,
    pub body_truncated: bool,
}

impl Verdict {
    /// The place of m, as Match.Where.
    pub fn place(&self, m: &Match) -> &[u8] {
        &self.places[m.place.0..m.place.1]
    }

    fn add(&mut self, rule: &'static str, class: Class, score: i32, at: impl FnOnce(&mut Vec<u8>)) {
        let start = self.places.len();
        at(&mut self.places);
        self.matches.push(Match {
            rule,
            class,
            score,
            place: (start, self.places.len()),
        });
        self.score += i64::from(score);
    }
}

/// The recent-values cache's size (inspection.recent).
const RECENT: usize = 32;

/// One of the values the rules ran on (seenValue), kept as copies in
/// buffers of its own, which only grow.
#[derive(Default)]
struct Seen {
    raw: Vec<u8>,
    arg: Vec<u8>,
    target: u16,
    plus: bool,
    used: bool,
}

/// The state of inspecting requests one at a time with an engine: what
/// Go keeps in a pooled inspection, reused from request to request so
/// that a request allocates nothing once the buffers have grown.
#[derive(Default)]
pub struct Inspector {
    splitter: Splitter,
    forms: Forms,
    recent: Vec<Seen>,
    off: RuleSet,
    fired: RuleSet,
    path: Vec<u8>,
}

impl Inspector {
    pub fn new() -> Inspector {
        Inspector::default()
    }

    /// Scores one request (Engine.Inspect) into out.
    pub fn inspect(&mut self, e: &Engine, host: &dyn Host, r: &Request<'_>, out: &mut Verdict) {
        out.score = 0;
        out.matches.clear();
        out.places.clear();
        self.off = RuleSet::default();
        self.fired = RuleSet::default();
        if self.recent.len() < RECENT {
            self.recent.resize_with(RECENT, Seen::default);
        }
        for s in &mut self.recent {
            s.used = false;
        }
        let (path, _) = split_uri(r.uri);
        self.path.clear();
        self.path.extend_from_slice(path);
        let off_path = |x: &Exclusion| x.arg.is_empty() && path.starts_with(&x.path);
        for x in e.excl.iter().filter(|x| off_path(x)) {
            self.off.or(&x.rules);
        }
        for &(p, score) in &e.protocol {
            let excluded = e
                .excl
                .iter()
                .filter(|x| off_path(x))
                .any(|x| match &x.names {
                    None => true,
                    Some(names) => is_listed(names, p.id, Class::Protocol),
                });
            if excluded {
                continue;
            }
            if let Some(at) = protocol::run(p.check, r, &e.methods) {
                out.add(p.id, Class::Protocol, score, |b| at.write_to(b));
            }
        }
        let mut sink = Sink {
            e,
            host,
            forms: &mut self.forms,
            recent: &mut self.recent,
            off: &self.off,
            fired: &mut self.fired,
            path: &self.path,
            out,
        };
        let flags: BodyFlags = self.splitter.split(r, e.max_body_bytes, &mut sink);
        out.body_skipped = flags.skipped;
        out.body_truncated = flags.truncated;
        out.attack = out.score >= e.threshold;
    }
}

/// inspection.value over the state of one request.
struct Sink<'a> {
    e: &'a Engine,
    host: &'a dyn Host,
    forms: &'a mut Forms,
    recent: &'a mut Vec<Seen>,
    off: &'a RuleSet,
    fired: &'a mut RuleSet,
    path: &'a [u8],
    out: &'a mut Verdict,
}

impl ValueSink for Sink<'_> {
    fn value(&mut self, target: Target, at: Where<'_>, arg: &[u8], raw: &[u8], plus: bool) {
        if raw.is_empty() {
            return;
        }
        // The outcome depends on nothing else (fired only shrinks the
        // work), so a value seen before has nothing left to fire.
        let n = raw.len() as u64;
        let slot = ((n * 7
            + u64::from(raw[0]) * 31
            + u64::from(raw[raw.len() / 2]) * 17
            + u64::from(raw[raw.len() - 1])
            + u64::from(target.0))
            % RECENT as u64) as usize;
        let seen = &mut self.recent[slot];
        if seen.used
            && seen.target == target.0
            && seen.plus == plus
            && seen.raw == raw
            && seen.arg == arg
        {
            return;
        }
        seen.raw.clear();
        seen.raw.extend_from_slice(raw);
        seen.arg.clear();
        seen.arg.extend_from_slice(arg);
        seen.target = target.0;
        seen.plus = plus;
        seen.used = true;
        let e = self.e;
        let mut cand = RuleSet::default();
        let mut t = target.0;
        while t != 0 {
            cand.or(&e.by_target[t.trailing_zeros() as usize]);
            t &= t - 1;
        }
        cand.and_not(self.off);
        cand.and_not(self.fired);
        if !arg.is_empty() {
            for x in &e.excl {
                if x.arg == arg && self.path.starts_with(&x.path) {
                    cand.and_not(&x.rules);
                }
            }
        }
        if cand.is_empty() {
            return;
        }
        let f = &mut *self.forms;
        f.build(raw, plus);
        let mut hits = e.always;
        // One scan per distinct text: most values read the same in every
        // view, and the automaton keeps each view's outputs apart.
        let mut same = 1u8 << VIEW_LOW;
        if f.sql_differs() {
            e.keywords.scan(f.sql_text(), 1 << VIEW_SQL, &mut hits);
        } else {
            same |= 1 << VIEW_SQL;
        }
        if f.cmd_differs() {
            e.keywords.scan(f.cmd_text(), 1 << VIEW_CMD, &mut hits);
        } else {
            same |= 1 << VIEW_CMD;
        }
        e.keywords.scan(f.dec(), same, &mut hits);
        if !hits.has(e.sql_gate) {
            f.sql_words = SQL_WORDS_ABSENT;
        }
        cand.and(&hits);
        for (w, mut word) in cand.0.into_iter().enumerate() {
            while word != 0 {
                let i = w << 6 | word.trailing_zeros() as usize;
                word &= word - 1;
                let needs = e.needs[i];
                if f.cls().has(needs) && matches(i, f, self.host) {
                    self.fired.add(i);
                    let r = &RULES[i];
                    self.out.add(r.id, r.class, e.scores[i], |b| at.write_to(b));
                }
            }
        }
    }
}

/// rule.matches: the gate, then the check, then the expression, on the
/// rule's view.
fn matches(i: usize, f: &mut Forms, host: &dyn Host) -> bool {
    let r = &RULES[i];
    if let Some(g) = r.gate {
        if !checks::gate(g, f) {
            return false;
        }
    }
    if let Some(c) = r.check {
        if !checks::check(c, f, host) {
            return false;
        }
    }
    if r.pattern.is_none() {
        return true;
    }
    let text = match r.view {
        View::Low => f.lowered(),
        View::Sql => f.sql_text(),
        View::Cmd => f.cmd_text(),
        View::Dec => f.dec(),
    };
    host.regex_match(i, text)
}
