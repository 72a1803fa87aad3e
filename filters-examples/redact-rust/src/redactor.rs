//! The matching of filters-examples/redact/redactor (redactor.go), byte
//! for byte: e-mail addresses and card numbers found by one forward scan
//! of a byte class table, cards judged by their network prefix and the
//! Luhn check. The package comment there says what matches; the tests
//! (wasm_test.go) hold this file to it.

/// What to redact and with what.
#[derive(Clone, Debug)]
pub struct Options {
    pub emails: bool,
    pub cards: bool,
    /// Replaces a match; escaped as needed inside JSON strings.
    pub replacement: Vec<u8>,
    /// Masks a card's digits but the last four with '*' instead.
    pub card_keep_last4: bool,
}

/// Redacts with fixed options, reusing its buffers from call to call.
pub struct Redactor {
    pub(crate) opts: Options,
    /// The replacement's content escaped for a JSON string (in text it
    /// goes as opts.replacement has it).
    pub(crate) repl_json: Vec<u8>,
    /// The output under construction, kept for its capacity.
    pub(crate) out: Vec<u8>,
    /// A JSON string's decoded content and its redaction (json.rs).
    pub(crate) scratch: Vec<u8>,
    pub(crate) text: Vec<u8>,
}

impl Redactor {
    pub fn new(opts: Options) -> Redactor {
        let mut repl_json = Vec::new();
        push_json_string_content(&mut repl_json, &opts.replacement);
        Redactor {
            opts,
            repl_json,
            out: Vec::new(),
            scratch: Vec::new(),
            text: Vec::new(),
        }
    }

    /// Redacts src as plain text: the redacted bytes, or None when
    /// nothing matched, and the number of replacements.
    pub fn text(&mut self, src: &[u8]) -> (Option<&[u8]>, usize) {
        let mut st = State::new(src, std::mem::take(&mut self.out));
        self.scan(&mut st, 0, src.len(), false);
        self.finish(st)
    }

    /// Ends st: its output, kept in self.out, and its count.
    pub(crate) fn finish(&mut self, st: State<'_>) -> (Option<&[u8]>, usize) {
        let n = st.n;
        self.out = st.finish();
        if n == 0 {
            (None, 0)
        } else {
            (Some(&self.out), n)
        }
    }

    /// Redacts st.src[from..to]. in_json says the window is the raw
    /// content of a JSON string without escapes, so replacements are
    /// escaped.
    pub(crate) fn scan(&self, st: &mut State<'_>, from: usize, to: usize, in_json: bool) {
        let src = st.src;
        let mut i = from;
        while i < to {
            if CLASS[src[i] as usize] & C_START == 0 {
                i += 1;
                continue;
            }
            i = self.match_at(st, from, i, to, in_json);
        }
    }

    /// Tries a match at src[i], a digit or '@', within the window
    /// [from, to), replaces it if there is one, and returns where to go on.
    pub(crate) fn match_at(
        &self,
        st: &mut State<'_>,
        from: usize,
        i: usize,
        to: usize,
        in_json: bool,
    ) -> usize {
        let src = st.src;
        let repl: &[u8] = if in_json {
            &self.repl_json
        } else {
            &self.opts.replacement
        };
        if src[i] != b'@' {
            let (end, ok) = card_at(src, from, i, to);
            if ok && self.opts.cards {
                if self.opts.card_keep_last4 {
                    st.replace(i, end, b"");
                    push_masked(&mut st.dst, &src[i..end]);
                } else {
                    st.replace(i, end, repl);
                }
            }
            return end;
        }
        if !self.opts.emails {
            return i + 1;
        }
        let lo = from.max(st.last);
        match email_at(src, lo, i, to) {
            Some((s, e)) => {
                st.replace(s, e, repl);
                e
            }
            None => i + 1,
        }
    }
}

/// One redaction in progress. dst holds the output of src[..last] once
/// the first replacement is made; before that nothing is copied.
pub(crate) struct State<'a> {
    pub(crate) src: &'a [u8],
    pub(crate) dst: Vec<u8>,
    pub(crate) last: usize,
    pub(crate) n: usize,
}

impl<'a> State<'a> {
    pub(crate) fn new(src: &'a [u8], mut dst: Vec<u8>) -> State<'a> {
        dst.clear();
        State {
            src,
            dst,
            last: 0,
            n: 0,
        }
    }

    /// Emits src[last..start], then repl, and skips src[start..end].
    pub(crate) fn replace(&mut self, start: usize, end: usize, repl: &[u8]) {
        if self.n == 0 && self.dst.is_empty() {
            self.dst.reserve(self.src.len() + self.src.len() / 16 + 16);
        }
        self.dst.extend_from_slice(&self.src[self.last..start]);
        self.dst.extend_from_slice(repl);
        self.last = end;
        self.n += 1;
    }

    /// The output: dst with the rest of src, when anything was replaced.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.dst.extend_from_slice(&self.src[self.last..]);
        }
        self.dst
    }
}

// Byte classes.
const C_DIGIT: u8 = 1;
const C_ALPHA: u8 = 1 << 1;
/// May be in an e-mail local part.
const C_LOCAL: u8 = 1 << 2;
/// May be in a domain label.
const C_DOMAIN: u8 = 1 << 3;
/// Letters, digits, '_': glues to a number.
const C_WORD: u8 = 1 << 4;
/// Digits and '@': where a match is looked for.
pub(crate) const C_START: u8 = 1 << 5;
/// '"', '\\' and control bytes: where a JSON string's plain run ends.
pub(crate) const C_STOP: u8 = 1 << 6;

pub(crate) static CLASS: [u8; 256] = class_table();

const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b.is_ascii_digit() {
            k = C_DIGIT | C_LOCAL | C_DOMAIN | C_WORD | C_START;
        } else if b.is_ascii_alphabetic() {
            k = C_ALPHA | C_LOCAL | C_DOMAIN | C_WORD;
        }
        match b {
            b'_' => k |= C_LOCAL | C_WORD,
            b'.' | b'%' | b'+' | b'\'' => k |= C_LOCAL,
            b'-' => k |= C_LOCAL | C_DOMAIN,
            b'@' => k |= C_START,
            _ => {}
        }
        if b == b'"' || b == b'\\' || b < 0x20 {
            k |= C_STOP;
        }
        t[c] = k;
        c += 1;
    }
    t
}

fn is(c: u8, k: u8) -> bool {
    CLASS[c as usize] & k != 0
}

/// Judges the run of digits starting at src[i] (a digit no earlier run
/// covers): where the run ends, whether or not it is a card, and whether
/// it is. The run is digits joined by one kind of separator.
fn card_at(src: &[u8], from: usize, i: usize, to: usize) -> (usize, bool) {
    let mut digits = 0usize;
    let mut groups = 0;
    let mut group_len = 0;
    let mut shortest = 99;
    let mut first = 0;
    let mut sep = 0u8;
    let mut buf = [0u8; 19];
    let mut j = i;
    loop {
        while j < to && src[j].is_ascii_digit() {
            if digits < buf.len() {
                buf[digits] = src[j];
            }
            digits += 1;
            group_len += 1;
            j += 1;
        }
        groups += 1;
        if groups == 1 {
            first = group_len;
        } else if group_len < shortest {
            shortest = group_len;
        }
        group_len = 0;
        // A separator continues the run only between digits, and only
        // the run's first kind of separator does.
        if j + 1 < to
            && (src[j] == b' ' || src[j] == b'-')
            && src[j + 1].is_ascii_digit()
            && (sep == 0 || sep == src[j])
        {
            sep = src[j];
            j += 1;
            continue;
        }
        break;
    }
    let end = j;
    if !(13..=19).contains(&digits) {
        return (end, false);
    }
    if groups > 1 && (first < 4 || shortest < 2) {
        return (end, false);
    }
    // Boundaries: not glued to a word, an '@', or a '-'/'.' that goes on
    // into a word or number.
    if i > from {
        let p = src[i - 1];
        if is(p, C_WORD) || p == b'@' {
            return (end, false);
        }
        if (p == b'-' || p == b'.') && i - 1 > from && is(src[i - 2], C_WORD) {
            return (end, false);
        }
    }
    if end < to {
        let n = src[end];
        if is(n, C_WORD) || n == b'@' {
            return (end, false);
        }
        if end + 1 < to {
            let nn = src[end + 1];
            if (n == b'-' || n == b'.') && is(nn, C_WORD) {
                return (end, false);
            }
            // The run stopped at a separator of the other kind followed
            // by a digit: it is part of a longer number.
            if n == b' ' && nn.is_ascii_digit() {
                return (end, false);
            }
        }
    }
    (end, is_card_number(&buf[..digits]))
}

/// Whether d (13-19 ASCII digits) has a major network's prefix and
/// passes the Luhn check.
pub(crate) fn is_card_number(d: &[u8]) -> bool {
    match d[0] {
        b'3' | b'4' | b'5' | b'6' => {}
        b'2' => {
            let p = (d[1] - b'0') as u32 * 100 + (d[2] - b'0') as u32 * 10 + (d[3] - b'0') as u32;
            if !(221..=720).contains(&p) {
                return false;
            }
        }
        _ => return false,
    }
    luhn(d)
}

/// Whether the ASCII digits d pass the Luhn (mod 10) check.
fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    for &c in d.iter().rev() {
        let mut v = (c - b'0') as u32;
        if double {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
        double = !double;
    }
    sum % 10 == 0
}

/// Appends card with every digit but the last four as '*'.
pub(crate) fn push_masked(dst: &mut Vec<u8>, card: &[u8]) {
    let mut digits = card.iter().filter(|c| c.is_ascii_digit()).count();
    for &c in card {
        if c.is_ascii_digit() {
            dst.push(if digits > 4 { b'*' } else { c });
            digits -= 1;
        } else {
            dst.push(c);
        }
    }
}

/// Matches an address around the '@' at src[at], looking no further left
/// than lo and no further right than to: its start and end.
fn email_at(src: &[u8], lo: usize, at: usize, to: usize) -> Option<(usize, usize)> {
    let mut s = at;
    while s > lo && is(src[s - 1], C_LOCAL) {
        s -= 1;
    }
    while s < at && src[s] == b'.' {
        s += 1;
    }
    if s == at {
        return None;
    }
    // Domain: labels of letters, digits and inner hyphens, joined by
    // single dots. Remember where the last label that could be a TLD
    // ended, with at least two labels before it ends.
    let mut j = at + 1;
    let mut labels = 0;
    let mut end = None;
    loop {
        let ls = j;
        while j < to && is(src[j], C_DOMAIN) {
            j += 1;
        }
        let mut le = j; // a label may not end with '-': stop before them
        while le > ls && src[le - 1] == b'-' {
            le -= 1;
        }
        if le == ls || src[ls] == b'-' {
            break;
        }
        labels += 1;
        if labels >= 2 && le - ls >= 2 && is(src[ls], C_ALPHA) {
            end = Some(le);
        }
        if le == j && j + 1 < to && src[j] == b'.' && is(src[j + 1], C_DOMAIN) {
            j += 1;
            continue;
        }
        break;
    }
    end.map(|e| (s, e))
}

/// Appends s escaped as the content of a JSON string (without quotes).
pub(crate) fn push_json_string_content(dst: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &c in s {
        match c {
            b'"' | b'\\' => dst.extend_from_slice(&[b'\\', c]),
            b'\n' => dst.extend_from_slice(b"\\n"),
            b'\r' => dst.extend_from_slice(b"\\r"),
            b'\t' => dst.extend_from_slice(b"\\t"),
            0x08 => dst.extend_from_slice(b"\\b"),
            0x0c => dst.extend_from_slice(b"\\f"),
            c if c < 0x20 => dst.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 0xf) as usize],
            ]),
            c => dst.push(c),
        }
    }
}
