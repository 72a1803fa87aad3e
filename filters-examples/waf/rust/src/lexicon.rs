//! The port of detect/lexicon.go: lookups in the word lists of
//! rules_table.rs, and the function-call tests built on them.
//!
//! Go lower-cases a name (lowerName) before looking it up, allocating
//! when it has upper case; the port compares case-insensitively instead,
//! which gives the same answers for the ASCII names these tests read
//! (identifier bytes only) and never allocates.

use std::cmp::Ordering;

use crate::normalize::is_space;
use crate::rules_table::{Lexicon, DISTINCT_COMMANDS};
use crate::search::index_byte;

impl Lexicon {
    /// `lexicon.has`: says whether `name` is in the list or in one of its
    /// families. `name` is compared as it is.
    pub fn has(&self, name: &[u8]) -> bool {
        if name.is_empty() {
            return false;
        }
        self.names.binary_search(&name).is_ok() || self.prefixes.iter().any(|p| name.starts_with(p))
    }

    /// `lex.has(lowerName(name))`: `has` of `name` lower-cased (ASCII, as
    /// strings.ToLower is on the identifier bytes the callers pass).
    pub fn has_fold(&self, name: &[u8]) -> bool {
        if name.is_empty() {
            return false;
        }
        self.names
            .binary_search_by(|n| compare_lower(n, name))
            .is_ok()
            || self
                .prefixes
                .iter()
                .any(|p| name.len() >= p.len() && equal_lower(&name[..p.len()], p))
    }
}

/// Orders the lower-case `entry` against `name` lower-cased.
fn compare_lower(entry: &[u8], name: &[u8]) -> Ordering {
    entry
        .iter()
        .copied()
        .cmp(name.iter().map(|c| c.to_ascii_lowercase()))
}

/// Says whether `s` lower-cased is the lower-case `lower`.
fn equal_lower(s: &[u8], lower: &[u8]) -> bool {
    s.len() == lower.len()
        && s.iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// `isIdentByte`: the bytes of names.
pub fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `gapKind`: what may stand between a function name and its '('.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GapKind {
    /// name(
    None,
    /// name (
    Space,
    /// name /* c */ #c\n //c\n (   (PHP)
    Code,
}

/// The `distinct` argument of hasCallGap: which names are calls with any
/// gap and any arguments. `None` is Go's nil: every name is.
pub type Distinct = Option<fn(&[u8]) -> bool>;

/// The index of the first `needle` in `s`, as strings.Index.
pub fn index(s: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    s.windows(needle.len()).position(|w| w == needle)
}

/// strings.Contains over bytes.
pub fn contains(s: &[u8], needle: &[u8]) -> bool {
    index(s, needle).is_some()
}

/// `skipGap`: the index after the gap starting at `i`.
pub fn skip_gap(s: &[u8], mut i: usize, kind: GapKind) -> usize {
    if kind == GapKind::None {
        return i;
    }
    while i < s.len() {
        let c = s[i];
        if is_space(c) {
            i += 1;
        } else if kind == GapKind::Code && c == b'/' && i + 1 < s.len() && s[i + 1] == b'*' {
            match index(&s[i + 2..], b"*/") {
                None => return s.len(),
                Some(end) => i += end + 4,
            }
        } else if kind == GapKind::Code
            && (c == b'#' || (c == b'/' && i + 1 < s.len() && s[i + 1] == b'/'))
        {
            match index_byte(&s[i..], b'\n') {
                None => return s.len(),
                Some(end) => i += end + 1,
            }
        } else {
            return i;
        }
    }
    i
}

/// `hasCall`: says whether `s` calls a function of `lex`: a name standing
/// on its own (not a method, a property or the tail of a longer name)
/// followed, past a gap of the given kind, by '('.
pub fn has_call(s: &[u8], lex: &Lexicon, kind: GapKind) -> bool {
    has_call_gap(s, lex, kind, None)
}

/// `hasCallGap`: hasCall for lists that hold English words too (see the
/// Go comment): names `distinct` accepts are calls with any gap and any
/// arguments, the others only tight against a parenthesis that holds no
/// prose.
pub fn has_call_gap(s: &[u8], lex: &Lexicon, kind: GapKind, distinct: Distinct) -> bool {
    if kind == GapKind::Code {
        return has_call_forward(s, lex, kind, distinct);
    }
    // Without comments a gap is only blanks, so each '(' is walked back
    // from to the one name it can belong to.
    let mut p = 0;
    while p < s.len() {
        let k = match index_byte(&s[p..], b'(') {
            None => break,
            Some(k) => k,
        };
        p += k;
        let mut j = p;
        if kind == GapKind::Space {
            while j > 0 && is_space(s[j - 1]) {
                j -= 1;
            }
        }
        let mut i = j;
        while i > 0 && is_ident_byte(s[i - 1]) {
            i -= 1;
        }
        if i < j && (i == 0 || !call_prefix(s[i - 1])) && is_call(s, i, j, p, lex, distinct) {
            return true;
        }
        p += 1;
    }
    false
}

/// `hasCallForward`: hasCallGap reading every word, for gaps that can
/// hold comments.
pub fn has_call_forward(s: &[u8], lex: &Lexicon, kind: GapKind, distinct: Distinct) -> bool {
    let mut i = 0;
    while i < s.len() {
        if !is_ident_byte(s[i]) || (i > 0 && (is_ident_byte(s[i - 1]) || call_prefix(s[i - 1]))) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < s.len() && is_ident_byte(s[j]) {
            j += 1;
        }
        let k = skip_gap(s, j, kind);
        if k < s.len() && s[k] == b'(' && is_call(s, i, j, k, lex, distinct) {
            return true;
        }
        i = j + 1;
    }
    false
}

/// `callPrefix`: a name after one of these is a variable, a method, a
/// property or part of a longer name, not a function of the list.
pub fn call_prefix(c: u8) -> bool {
    matches!(c, b'$' | b'>' | b'.' | b':' | b'\\' | b'-')
}

/// `isCall` decides for the name s[i..j] and the '(' at k.
pub fn is_call(s: &[u8], i: usize, j: usize, k: usize, lex: &Lexicon, distinct: Distinct) -> bool {
    let name = &s[i..j];
    lex.has_fold(name)
        && match distinct {
            None => true,
            Some(d) => d(name) || code_gap(&s[j..k]) || (k == j && !prose_parens(&s[k..])),
        }
}

/// `endsWithCallFragment`: says whether `s` ends in a name of `lex`, up
/// to six non-word characters and '(': the open call a probe leaves
/// dangling.
pub fn ends_with_call_fragment(s: &[u8], lex: &Lexicon) -> bool {
    if s.last() != Some(&b'(') {
        return false;
    }
    let mut j = s.len() - 1;
    while j > 0 && s.len() - 1 - j < 6 && !is_ident_byte(s[j - 1]) {
        j -= 1;
    }
    let mut i = j;
    while i > 0 && is_ident_byte(s[i - 1]) {
        i -= 1;
    }
    i < j && lex.has_fold(&s[i..j])
}

/// `hasWord`: says whether `s` holds a word of `lex`, alone or as
/// "word.exe".
pub fn has_word(s: &[u8], lex: &Lexicon) -> bool {
    let mut i = 0;
    while i < s.len() {
        if !is_ident_byte(s[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < s.len() && is_ident_byte(s[j]) {
            j += 1;
        }
        if lex.has_fold(&s[i..j]) {
            return true;
        }
        i = j;
    }
    false
}

/// `codeGap`: a comment or a line break between a name and its
/// parenthesis is code, never prose.
pub fn code_gap(gap: &[u8]) -> bool {
    gap.iter().any(|c| matches!(c, b'#' | b'/' | b'\n' | b'\r'))
}

/// `proseParens`: `s` opens a parenthesis holding only letters and
/// blanks, closed and not followed by code punctuation: the "(s)" of
/// plurals and the asides of prose. A command name in it is code.
pub fn prose_parens(s: &[u8]) -> bool {
    let mut i = 1;
    while i < s.len() && (s[i].is_ascii_alphabetic() || s[i] == b' ') {
        i += 1;
    }
    if i == 1 || i >= s.len() || s[i] != b')' || DISTINCT_COMMANDS.has_fold(trim_space(&s[1..i])) {
        return false;
    }
    i += 1;
    i >= s.len() || !b";(.[".contains(&s[i])
}

/// strings.TrimSpace for the ASCII text prose_parens passes.
fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_go_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_go_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// unicode.IsSpace on an ASCII byte.
fn is_go_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}
