//! The port of the checks of detect/rules_lfi.go: dot-dot path steps in
//! any spelling, and hidden path segments.
//!
//! Go matches traversalStep and multiStep with its regexp package; the
//! port has no regexp engine, so each expression is matched by hand, with
//! a comment on why the hand-written match finds what Go's does.

use crate::lexicon::contains;
use crate::normalize::Forms;
use crate::rules_sqli::is_re_space;

/// `dotSegment` reports a path segment that starts with a dot (a hidden
/// file or directory: .git, .env, tool configs), other than the public
/// /.well-known/.
pub fn dot_segment(f: &mut Forms) -> bool {
    let s = f.lowered();
    let mut i = 0;
    while i + 1 < s.len() {
        if s[i] != b'/' || s[i + 1] != b'.' {
            i += 1;
            continue;
        }
        let rest = &s[i + 1..];
        if rest.len() >= 2 && (rest[1] == b'/' || rest[1] == b'.') {
            i += 1;
            continue; // "./" and "../" are traversal's business
        }
        if rest.len() == 1 || has_prefix_fold(rest, b".well-known/") {
            i += 1;
            continue;
        }
        return true;
    }
    false
}

/// `hasPrefixFold`: `s` starts with the lower-case `prefix`, in any case.
pub fn has_prefix_fold(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `traversal` finds dot-dot path steps in any spelling. One plain "../"
/// is how relative links are written; two in a row, an encoded or
/// dotted-out spelling, or a step at the end of the value climb out on
/// purpose.
pub fn traversal(f: &mut Forms) -> bool {
    let s = f.lowered();
    let mut steps = 0;
    let mut from = 0;
    while let Some((start, end)) = next_traversal_step(s, from) {
        let m = &s[start..end];
        let bare = &m[m.iter().take_while(|c| b"/\\=:'\" ".contains(c)).count()..];
        if m.len() > 4 || contains(m, b"0x") || m.contains(&b'%') || bare.starts_with(b"...") {
            return true;
        }
        steps += 1;
        from = end;
    }
    steps > 1 || multi_step(s)
}

/// The units traversalStep repeats, `\.|0x2e|%2e|%c0%ae`: the length of
/// the one at s[i..], or 0. They differ in their first bytes, so at most
/// one is there.
fn dot_unit(s: &[u8]) -> usize {
    for u in [&b"."[..], b"0x2e", b"%2e", b"%c0%ae"] {
        if s.starts_with(u) {
            return u.len();
        }
    }
    0
}

/// The ends traversalStep takes after its dots,
/// `[/\\]|0x2f|0x5c|%2f|%5c|%c0%af|$`: the length of the one at s[i..],
/// or None.
fn step_end(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    if s[0] == b'/' || s[0] == b'\\' {
        return Some(1);
    }
    [&b"0x2f"[..], b"0x5c", b"%2f", b"%5c", b"%c0%af"]
        .iter()
        .find(|u| s.starts_with(u))
        .map(|u| u.len())
}

/// traversalStep from its first unit at `i`: where the match ends. Two or
/// more units, then an end; backtracking over the units never helps, as
/// no unit starts like an end ("0x2e" is not "0x2f", "%2e" not "%2f",
/// "%c0%ae" not "%c0%af"), so the greedy run decides.
fn traversal_step_from(s: &[u8], mut i: usize) -> Option<usize> {
    let mut units = 0;
    loop {
        let n = dot_unit(&s[i..]);
        if n == 0 {
            break;
        }
        i += n;
        units += 1;
    }
    if units < 2 {
        return None;
    }
    step_end(&s[i..]).map(|n| i + n)
}

/// The leftmost match of Go's traversalStep,
/// `(?:^|[/\\=\s:'"])(?:\.|0x2e|%2e|%c0%ae){2,}(?:[/\\]|0x2f|0x5c|%2f|%5c|%c0%af|$)`,
/// in s[from..], as FindAllString finds them one after the other: starts
/// are tried left to right, and `^` before the byte branch at 0.
fn next_traversal_step(s: &[u8], from: usize) -> Option<(usize, usize)> {
    for p in from..s.len() {
        if p == 0 {
            if let Some(end) = traversal_step_from(s, 0) {
                return Some((0, end));
            }
        }
        if matches!(s[p], b'/' | b'\\' | b'=' | b':' | b'\'' | b'"') || is_re_space(s[p]) {
            if let Some(end) = traversal_step_from(s, p + 1) {
                return Some((p, end));
            }
        }
    }
    None
}

/// Go's multiStep matched anywhere in `s`:
/// `\.\.[/\\;]+\.*[/\\;]*\.\.|[/\\]\.\.$|\.\.[/\\]\.\w|\.\.;`, each
/// alternative tested for on its own.
fn multi_step(s: &[u8]) -> bool {
    let is_sep = |c: u8| c == b'/' || c == b'\\' || c == b';';
    if s.len() >= 3 && (s[s.len() - 3] == b'/' || s[s.len() - 3] == b'\\') && s.ends_with(b"..") {
        return true;
    }
    for i in 0..s.len() {
        if !s[i..].starts_with(b"..") {
            continue;
        }
        let rest = &s[i + 2..];
        if rest.first() == Some(&b';') {
            return true;
        }
        if rest.len() >= 3
            && (rest[0] == b'/' || rest[0] == b'\\')
            && rest[1] == b'.'
            && is_word_byte(rest[2])
        {
            return true;
        }
        // `\.\.[/\\;]+\.*[/\\;]*\.\.`: stopping the first separator run
        // early leaves a separator that only the second run can take, so
        // the whole run is as good; then two dots or more end the match,
        // and fewer must all be taken before the second run.
        let seps = rest.iter().take_while(|&&c| is_sep(c)).count();
        if seps == 0 {
            continue;
        }
        let after = &rest[seps..];
        let dots = after.iter().take_while(|&&c| c == b'.').count();
        if dots >= 2 {
            return true;
        }
        let after = &after[dots..];
        let seps2 = after.iter().take_while(|&&c| is_sep(c)).count();
        if after[seps2..].starts_with(b"..") {
            return true;
        }
    }
    false
}

/// Go regexp's `\w`: [0-9A-Za-z_].
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
