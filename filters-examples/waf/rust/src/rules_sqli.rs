//! The port of the checks of detect/rules_sqli.go: the SQL gate
//! (sqlShaped and its tests), the numeric tautology, the dangling boolean
//! and the rules' inline checks.

use crate::charclass::CharClass;
use crate::host::Host;
use crate::lexicon::{
    ends_with_call_fragment, has_call, has_call_gap, has_word, is_ident_byte, GapKind,
};
use crate::normalize::{Forms, SQL_WORDS_ABSENT};
use crate::rules_table::{QUOTE_FOLLOWERS, SQL_FUNCTIONS, SQL_GATE_WORDS, SQL_WORD_FUNCTIONS};

/// `sqlShaped` is the gate of the SQL rules: a value can only inject SQL
/// if it holds a quote in an SQL-like context, a comment marker, an
/// operator, or an SQL word. The answer is kept in the Forms for every
/// rule of the value.
pub fn sql_shaped(f: &mut Forms) -> bool {
    if f.sql_shape == 0 {
        f.sql_shape = 1;
        // The sql view holds no byte that dec lacks but blanks and
        // lower-case letters, so dec's classes rule the searches out.
        let cls = f.cls();
        let words_absent = f.sql_words == SQL_WORDS_ABSENT;
        let s = f.sql_text();
        if cls.any(CharClass::SQL_PUNCT) && sql_punctuation(s)
            || cls.any(CharClass::QUOTE) && quote_shaped(s)
            || !words_absent && has_word(s, &SQL_GATE_WORDS)
        {
            f.sql_shape = 2;
        }
    }
    f.sql_shape == 2
}

/// `sqlPunctuation`: comparison operators, comment markers and the
/// doubled operators (||, &&, @@, !=) SQL uses.
pub fn sql_punctuation(s: &[u8]) -> bool {
    for i in 0..s.len() {
        let next = if i + 1 < s.len() { s[i + 1] } else { 0 };
        match s[i] {
            b'=' | b'<' | b'>' | b'#' => return true,
            c @ (b'|' | b'&' | b'@' | b'-') => {
                if next == c {
                    return true;
                }
            }
            b'!' => {
                if next == b'=' {
                    return true;
                }
            }
            b'/' => {
                if next == b'*' {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `quoteShaped`: a quote that an injection would close, followed past
/// blanks and parentheses by an operator, a digit, a comment or a keyword
/// of SQL's; the apostrophes of prose are followed by letters that make
/// no SQL word.
pub fn quote_shaped(s: &[u8]) -> bool {
    for i in 0..s.len() {
        if !matches!(s[i], b'\'' | b'"' | b'`') {
            continue;
        }
        let mut j = i + 1;
        while j < s.len() && matches!(s[j], b' ' | b')' | b'(') {
            j += 1;
        }
        if j == s.len() {
            return true; // a dangling quote ends the value
        }
        if !is_ident_byte(s[j]) || s[j].is_ascii_digit() {
            return true;
        }
        let mut k = j;
        while k < s.len() && is_ident_byte(s[k]) {
            k += 1;
        }
        if QUOTE_FOLLOWERS.has(&s[j..k]) {
            return true;
        }
    }
    false
}

/// `numericTautology` finds a comparison of two numbers that is always
/// true (1=1, 2<>3) and ends the value or the query: the classic probe.
/// A false one (1 + 1 = 3) is arithmetic, not a probe.
pub fn numeric_tautology(f: &mut Forms) -> bool {
    let s = f.sql_text();
    let mut from = 0;
    while let Some(m) = next_numeric_comparison(s, from) {
        let equal = &s[m.left.0..m.left.1] == &s[m.right.0..m.right.1];
        let op = &s[m.op.0..m.op.1];
        if (op == b"=" || op == b"<=>") == equal {
            return true;
        }
        from = m.end;
    }
    false
}

/// One match of Go's numericComparison,
/// `(?:^|[\s,(])(\d+)\s*(!=|<>|<=>|=)\s*(\d+)\s*(?:$|--|#|;|\))`: its
/// three groups and where it ends, as byte ranges.
struct Comparison {
    left: (usize, usize),
    op: (usize, usize),
    right: (usize, usize),
    end: usize,
}

/// The leftmost match of numericComparison in s[from..], as Go's
/// FindAllStringSubmatch finds them one after the other. The expression
/// leaves no choice to backtracking: each repetition must take its whole
/// run (a shorter one leaves a digit or a blank where the next part
/// cannot start), and the operators differ in their first two bytes, so
/// the match at a given start is unique; trying starts left to right and
/// the `^` branch before the byte branch is Go's leftmost-first order.
fn next_numeric_comparison(s: &[u8], from: usize) -> Option<Comparison> {
    for p in from..=s.len() {
        if p == 0 {
            if let Some(m) = numeric_comparison_from(s, 0) {
                return Some(m);
            }
        }
        if p < s.len() && (is_re_space(s[p]) || s[p] == b',' || s[p] == b'(') {
            if let Some(m) = numeric_comparison_from(s, p + 1) {
                return Some(m);
            }
        }
    }
    None
}

/// The rest of numericComparison, from its first number at `i`.
fn numeric_comparison_from(s: &[u8], i: usize) -> Option<Comparison> {
    let left = (i, skip_digits(s, i));
    if left.0 == left.1 {
        return None;
    }
    let o = skip_re_spaces(s, left.1);
    let rest = &s[o..];
    let n = if rest.starts_with(b"!=") || rest.starts_with(b"<>") {
        2
    } else if rest.starts_with(b"<=>") {
        3
    } else if rest.starts_with(b"=") {
        1
    } else {
        return None;
    };
    let op = (o, o + n);
    let r = skip_re_spaces(s, op.1);
    let right = (r, skip_digits(s, r));
    if right.0 == right.1 {
        return None;
    }
    let t = skip_re_spaces(s, right.1);
    let tail = &s[t..];
    let end = if tail.is_empty() {
        t
    } else if tail.starts_with(b"--") {
        t + 2
    } else if matches!(tail[0], b'#' | b';' | b')') {
        t + 1
    } else {
        return None;
    };
    Some(Comparison {
        left,
        op,
        right,
        end,
    })
}

fn skip_digits(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn skip_re_spaces(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_re_space(s[i]) {
        i += 1;
    }
    i
}

/// Go regexp's `\s`: [\t\n\f\r ], without \v.
pub fn is_re_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// `never`: no name of the list is distinct enough to skip the prose
/// test.
fn never(_: &[u8]) -> bool {
    false
}

/// `danglingBoolean`: a value that ends in OR/AND/XOR, or starts with one
/// followed by punctuation, is the half of a condition a probe leaves for
/// the query to complete.
pub fn dangling_boolean(f: &mut Forms) -> bool {
    let s = f.sql_text();
    let s = &s[..s.len() - s.iter().rev().take_while(|&&c| c == b' ').count()];
    let trimmed = &s[s.iter().take_while(|&&c| c == b' ').count()..];
    for w in [&b"or"[..], b"and", b"xor"] {
        if s.ends_with(w) && (s.len() == w.len() || !is_ident_byte(s[s.len() - w.len() - 1])) {
            return true;
        }
        if trimmed.len() > w.len() && trimmed.starts_with(w) && trimmed[w.len()] == b' ' {
            let rest = &trimmed[w.len() + 1..];
            if !rest.is_empty() && !is_ident_byte(rest[0]) {
                return true;
            }
        }
    }
    false
}

/// The check of sqli-libinjection: libinjection's verdict on the decoded
/// value, from the host.
pub fn rule_sqli_libinjection(f: &mut Forms, host: &dyn Host) -> bool {
    host.is_sqli(f.dec())
}

/// The check of sqli-function-call.
pub fn rule_sqli_function_call(f: &mut Forms) -> bool {
    let s = f.sql_text();
    has_call(s, &SQL_FUNCTIONS, GapKind::Space)
        || has_call_gap(s, &SQL_WORD_FUNCTIONS, GapKind::None, Some(never))
}

/// The check of sqli-function-fragment.
pub fn rule_sqli_function_fragment(f: &mut Forms) -> bool {
    let s = f.sql_text();
    ends_with_call_fragment(s, &SQL_FUNCTIONS) || ends_with_call_fragment(s, &SQL_WORD_FUNCTIONS)
}
