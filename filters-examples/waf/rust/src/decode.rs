//! The port of detect/decode.go: undoing the encodings an attacker hides a
//! payload behind.
//!
//! Values are bytes, not UTF-8, as Go strings are: where the Go code
//! decodes or encodes runes, this module does it the way Go's utf8
//! package does (see `decode_rune` and `push_rune`), so that invalid bytes
//! give the same output.
//!
//! Each decoder has an appending form that writes into a buffer the caller
//! reuses, as the Go engine reuses its arena; the `Vec`-returning forms
//! (`decode_all`, `percent_decode`) are for callers without a buffer at
//! hand.

/// Bounds repeated decoding. Attackers stack encodings (%252e, &#x25;2e)
/// to slip past single-pass decoders; three rounds undo every stacking
/// seen in practice while keeping the cost bounded.
pub const MAX_DECODE_ROUNDS: usize = 3;

/// Go's utf8.RuneError, written for invalid runes and read for invalid
/// bytes.
const RUNE_ERROR: u32 = 0xFFFD;

/// Go's utf8.MaxRune.
const MAX_RUNE: u32 = 0x10FFFF;

/// Returns `s` fully decoded, as `decodeAll` does: percent escapes (and
/// the IIS %uXXXX form), HTML character references, backslash escapes
/// (\uXXXX, \xHH) and full-width or enclosed look-alike letters, repeated
/// until nothing changes or `MAX_DECODE_ROUNDS` is reached. `plus` says
/// whether '+' means space (query strings and form bodies).
///
/// Allocates its result and scratch; a caller decoding many values keeps
/// a [`Decoder`] and calls [`Decoder::append_decode_all`] instead.
pub fn decode_all(s: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    Decoder::default().append_decode_all(&mut out, s, plus);
    out
}

/// Returns `s` with %HH and %uHHHH decoded (and '+' made a space when
/// `plus`), as `percentDecode` does: malformed escapes are kept as they
/// are. Allocates; see [`append_percent_decode`].
pub fn percent_decode(s: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    append_percent_decode(&mut out, s, plus);
    out
}

/// Appends the percent decoding of `s` to `dst` (see [`percent_decode`]).
pub fn append_percent_decode(dst: &mut Vec<u8>, s: &[u8], plus: bool) {
    if !percent_decode_step(s, plus, dst) {
        dst.extend_from_slice(s);
    }
}

/// The scratch of repeated decoding, kept across values so that decoding
/// allocates nothing once its buffers have grown to the values' size.
#[derive(Default)]
pub struct Decoder {
    /// The value as the last round left it.
    cur: Vec<u8>,
    /// The next round's output.
    next: Vec<u8>,
    /// Where one decoder of a round writes while the round's value is in
    /// `next`.
    tmp: Vec<u8>,
}

impl Decoder {
    /// Appends `decode_all(s, plus)` to `dst`.
    pub fn append_decode_all(&mut self, dst: &mut Vec<u8>, s: &[u8], plus: bool) {
        let Decoder { cur, next, tmp } = self;
        if !decode_once_step(s, plus, cur, tmp) || cur.as_slice() == s {
            dst.extend_from_slice(s);
            return;
        }
        // '+' is a space once, in the form encoding; a '+' that an inner
        // round produced (%2b) is a plus sign.
        for _ in 1..MAX_DECODE_ROUNDS {
            if !decode_once_step(cur, false, next, tmp) || next == cur {
                break;
            }
            std::mem::swap(cur, next);
        }
        dst.extend_from_slice(cur);
    }

    /// Appends `decodeOnce(s, plus)` to `dst`: every decoder once, left to
    /// right.
    pub fn append_decode_once(&mut self, dst: &mut Vec<u8>, s: &[u8], plus: bool) {
        if decode_once_step(s, plus, &mut self.cur, &mut self.tmp) {
            dst.extend_from_slice(&self.cur);
        } else {
            dst.extend_from_slice(s);
        }
    }
}

/// One round of decoding (`decodeOnce`). It writes the round's output to
/// `out` (cleared first) and returns true, or returns false when the
/// output is `src` itself; `tmp` is scratch.
fn decode_once_step(src: &[u8], plus: bool, out: &mut Vec<u8>, tmp: &mut Vec<u8>) -> bool {
    if !needs_decode(src, plus) {
        return false;
    }
    out.clear();
    let mut in_out = percent_decode_step(src, plus, out);
    in_out = chain_step(entity_decode_step, in_out, src, out, tmp);
    in_out = chain_step(backslash_decode_step, in_out, src, out, tmp);
    chain_step(fold_lookalikes_step, in_out, src, out, tmp)
}

/// Runs one decoder of a round on the round's value so far: `src` when
/// `in_out` is false, else `out`. Returns where the value is now (true:
/// in `out`).
fn chain_step(
    step: fn(&[u8], &mut Vec<u8>) -> bool,
    in_out: bool,
    src: &[u8],
    out: &mut Vec<u8>,
    tmp: &mut Vec<u8>,
) -> bool {
    if !in_out {
        return step(src, out);
    }
    tmp.clear();
    if step(out, tmp) {
        std::mem::swap(out, tmp);
    }
    true
}

/// `needsDecode`, the fast path: most values hold no escape at all.
pub fn needs_decode(s: &[u8], plus: bool) -> bool {
    s.iter()
        .any(|&c| c == b'%' || c == b'&' || c == b'\\' || c >= 0x80 || (c == b'+' && plus))
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `hexRune`: parses `n` hex digits of `s` at `i`.
fn hex_rune(s: &[u8], i: usize, n: usize) -> Option<u32> {
    if i + n > s.len() {
        return None;
    }
    let mut r = 0u32;
    for &c in &s[i..i + n] {
        r = r << 4 | unhex(c)? as u32;
    }
    Some(r)
}

/// Appends `r` UTF-8 encoded, as Go's strings.Builder.WriteRune does: a
/// surrogate half or a value past `MAX_RUNE` is written as U+FFFD.
pub(crate) fn push_rune(dst: &mut Vec<u8>, r: u32) {
    let r = if (0xD800..=0xDFFF).contains(&r) || r > MAX_RUNE {
        RUNE_ERROR
    } else {
        r
    };
    match r {
        0..=0x7F => dst.push(r as u8),
        0x80..=0x7FF => dst.extend_from_slice(&[0xC0 | (r >> 6) as u8, 0x80 | (r & 0x3F) as u8]),
        0x800..=0xFFFF => dst.extend_from_slice(&[
            0xE0 | (r >> 12) as u8,
            0x80 | (r >> 6 & 0x3F) as u8,
            0x80 | (r & 0x3F) as u8,
        ]),
        _ => dst.extend_from_slice(&[
            0xF0 | (r >> 18) as u8,
            0x80 | (r >> 12 & 0x3F) as u8,
            0x80 | (r >> 6 & 0x3F) as u8,
            0x80 | (r & 0x3F) as u8,
        ]),
    }
}

/// Decodes the rune at the start of `s` as Go's utf8.DecodeRune does: an
/// invalid or truncated sequence (overlong forms, surrogate halves, past
/// `MAX_RUNE`) is `(RUNE_ERROR, 1)`, and so is an empty `s` but with a
/// width of 0.
pub(crate) fn decode_rune(s: &[u8]) -> (u32, usize) {
    let b0 = match s.first() {
        Some(&b) => b,
        None => return (RUNE_ERROR, 0),
    };
    if b0 < 0x80 {
        return (b0 as u32, 1);
    }
    // The size the first byte announces and the range of the second
    // byte, which is narrower than 80..BF where a wider one would allow
    // an overlong form, a surrogate or a rune past MAX_RUNE.
    let (size, lo, hi) = match b0 {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xF0 => (4, 0x90, 0xBF),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        _ => return (RUNE_ERROR, 1),
    };
    if s.len() < size
        || s[1] < lo
        || s[1] > hi
        || s[2..size].iter().any(|&b| !(0x80..=0xBF).contains(&b))
    {
        return (RUNE_ERROR, 1);
    }
    let mut r = (b0 as u32) & (0x7F >> size);
    for &b in &s[1..size] {
        r = r << 6 | (b & 0x3F) as u32;
    }
    (r, size)
}

/// `percentDecode`: decodes %HH and %uHHHH, leaving malformed escapes as
/// they are (a lenient decoder sees what a lenient backend would).
/// Appends the decoding to `dst` and returns true, or returns false when
/// `s` holds nothing to decode.
pub fn percent_decode_step(s: &[u8], plus: bool, dst: &mut Vec<u8>) -> bool {
    if !s.iter().any(|&c| c == b'%' || (plus && c == b'+')) {
        return false;
    }
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'+' && plus {
            dst.push(b' ');
        } else if c == b'%' && i + 1 < s.len() && (s[i + 1] == b'u' || s[i + 1] == b'U') {
            if let Some(r) = hex_rune(s, i + 2, 4) {
                push_rune(dst, r);
                i += 6;
                continue;
            }
            dst.push(c);
        } else if c == b'%' {
            if let Some(r) = hex_rune(s, i + 1, 2) {
                dst.push(r as u8);
                i += 3;
                continue;
            }
            dst.push(c);
        } else {
            dst.push(c);
        }
        i += 1;
    }
    true
}

/// `backslashDecode`: decodes \uHHHH, \u{H..}, \xHH and octal-free
/// escapes used by JavaScript, JSON, Java and shell payloads. Appends to
/// `dst` and returns true, or returns false when `s` holds no backslash.
pub fn backslash_decode_step(s: &[u8], dst: &mut Vec<u8>) -> bool {
    if !s.contains(&b'\\') {
        return false;
    }
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != b'\\' || i + 1 >= s.len() {
            dst.push(c);
            i += 1;
            continue;
        }
        match s[i + 1] {
            b'u' | b'U' => {
                if i + 2 < s.len() && s[i + 2] == b'{' {
                    if let Some(end) = s[i + 3..].iter().position(|&b| b == b'}') {
                        if end > 0 && end <= 6 {
                            if let Some(r) = hex_rune(s, i + 3, end) {
                                push_rune(dst, r);
                                i += 4 + end;
                                continue;
                            }
                        }
                    }
                }
                if let Some(r) = hex_rune(s, i + 2, 4) {
                    push_rune(dst, r);
                    i += 6;
                    continue;
                }
            }
            b'x' | b'X' => {
                if let Some(r) = hex_rune(s, i + 2, 2) {
                    dst.push(r as u8);
                    i += 4;
                    continue;
                }
            }
            _ => {}
        }
        dst.push(c);
        i += 1;
    }
    true
}

/// `namedEntities`: the HTML character references payloads use to hide
/// markup and punctuation; the full HTML5 table would cost binary size for
/// letters nobody needs to spell. `name` is lower case.
fn named_entity(name: &[u8]) -> Option<&'static [u8]> {
    let v: &[u8] = match name {
        b"lt" => b"<",
        b"gt" => b">",
        b"amp" => b"&",
        b"quot" => b"\"",
        b"apos" => b"'",
        b"nbsp" => b" ",
        b"colon" => b":",
        b"semi" => b";",
        b"comma" => b",",
        b"period" => b".",
        b"sol" => b"/",
        b"bsol" => b"\\",
        b"lpar" => b"(",
        b"rpar" => b")",
        b"lsqb" => b"[",
        b"rsqb" => b"]",
        b"lbrack" => b"[",
        b"rbrack" => b"]",
        b"lcub" => b"{",
        b"rcub" => b"}",
        b"lbrace" => b"{",
        b"rbrace" => b"}",
        b"dollar" => b"$",
        b"num" => b"#",
        b"percnt" => b"%",
        b"excl" => b"!",
        b"quest" => b"?",
        b"equals" => b"=",
        b"plus" => b"+",
        b"ast" => b"*",
        b"grave" => b"`",
        b"vert" => b"|",
        b"verbar" => b"|",
        b"tab" => b"\t",
        b"newline" => b"\n",
        b"hyphen" => b"-",
        b"dash" => b"-",
        b"lowbar" => b"_",
        _ => return None,
    };
    Some(v)
}

/// Longest entity name looked up, in bytes, before lower-casing.
const MAX_ENTITY_NAME: usize = 8;

/// Looks `name` up as Go's namedEntities[strings.ToLower(name)] does.
/// Every name of the table is ASCII, and the only runes outside ASCII
/// that Go lower-cases into ASCII are U+0130 (to 'i') and U+212A, the
/// Kelvin sign (to 'k'): any other rune outside ASCII, and any invalid
/// byte (which ToLower makes U+FFFD), leaves the name outside the table.
fn lookup_entity(name: &[u8]) -> Option<&'static [u8]> {
    let mut low = [0u8; MAX_ENTITY_NAME];
    let mut n = 0;
    let mut i = 0;
    while i < name.len() {
        let (r, w) = decode_rune(&name[i..]);
        let c = match r {
            0x41..=0x5A => r as u8 + (b'a' - b'A'),
            0..=0x7F => r as u8,
            0x130 => b'i',
            0x212A => b'k',
            _ => return None,
        };
        // At most one lowered byte per byte of name, which is no longer
        // than MAX_ENTITY_NAME.
        low[n] = c;
        n += 1;
        i += w;
    }
    named_entity(&low[..n])
}

/// `entityDecode`: decodes &name;, &#NN; and &#xHH;. Numeric references
/// are accepted without the closing ';' as browsers do. Appends to `dst`
/// and returns true, or returns false when `s` holds no '&'.
pub fn entity_decode_step(s: &[u8], dst: &mut Vec<u8>) -> bool {
    if !s.contains(&b'&') {
        return false;
    }
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != b'&' || i + 2 >= s.len() {
            dst.push(c);
            i += 1;
            continue;
        }
        if let Some((r, n)) = numeric_entity(&s[i + 1..]) {
            push_rune(dst, r);
            i += n + 1;
            continue;
        }
        if let Some(end) = s[i + 1..].iter().position(|&b| b == b';') {
            if end > 0 && end <= MAX_ENTITY_NAME {
                if let Some(v) = lookup_entity(&s[i + 1..i + 1 + end]) {
                    dst.extend_from_slice(v);
                    i += end + 2;
                    continue;
                }
            }
        }
        dst.push(c);
        i += 1;
    }
    true
}

/// `numericEntity`: parses "#NN;" or "#xHH;" (the '&' already consumed)
/// and returns the rune and how many bytes it used.
fn numeric_entity(s: &[u8]) -> Option<(u32, usize)> {
    if s.len() < 2 || s[0] != b'#' {
        return None;
    }
    let (mut i, base) = if s[1] == b'x' || s[1] == b'X' {
        (2, 16)
    } else {
        (1, 10)
    };
    while i + 1 < s.len() && s[i] == b'0' {
        i += 1; // leading zeros pad a reference to any length
    }
    let start = i;
    // At most seven digits: 0xFFFFFFF and 9999999 both fit a u32.
    let mut r = 0u32;
    while i < s.len() && i - start < 7 {
        match unhex(s[i]) {
            Some(v) if base == 16 || v <= 9 => r = r * base + v as u32,
            _ => break,
        }
        i += 1;
    }
    if i == start || r > MAX_RUNE {
        return None;
    }
    if i < s.len() && s[i] == b';' {
        i += 1;
    }
    Some((r, i))
}

/// `foldLookalikes`: maps full-width ASCII (U+FF01-FF5E), enclosed
/// letters (U+24B6-24E9) and a few ASCII-like punctuation forms to ASCII,
/// the way many backends normalise (NFKC) after the WAF has looked. Bytes
/// that are not UTF-8 are kept as the rune of the same value. Appends to
/// `dst` and returns true, or returns false when `s` is ASCII.
pub fn fold_lookalikes_step(s: &[u8], dst: &mut Vec<u8>) -> bool {
    if s.is_ascii() {
        return false;
    }
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        let (mut r, n) = decode_rune(&s[i..]);
        if r == RUNE_ERROR && n == 1 {
            // Keep stray bytes: %bc and friends decode to them.
            r = s[i] as u32;
        }
        i += n;
        r = match r {
            0xFF01..=0xFF5E => r - (0xFF01 - '!' as u32),
            0x24B6..=0x24CF => r - (0x24B6 - 'a' as u32),
            0x24D0..=0x24E9 => r - (0x24D0 - 'a' as u32),
            0x2018 | 0x2019 | 0x02BC | 0xB4 | 0x2032 => '\'' as u32,
            0x201C | 0x201D => '"' as u32,
            0x2044 | 0x2215 => '/' as u32,
            // Ideographic full stops, which IDNA maps to '.'.
            0x3002 | 0xFF61 => '.' as u32,
            // Circled digits.
            0x2460..=0x2468 => r - (0x2460 - '1' as u32),
            0x24EA => '0' as u32,
            // '<', '>' and '"' with the high bit set: a backend that reads
            // the bytes as 7-bit US-ASCII drops that bit.
            0xBC | 0xBE | 0xA2 => r & 0x7F,
            _ => r,
        };
        push_rune(dst, r);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_go_tables_cases() {
        let cases: &[(&[u8], bool, &[u8])] = &[
            (b"%252e%252e%252f", false, b"../"),
            (b"%252b", true, b"+"),
            (b"&LBRACE;", false, b"{"),
            (b"&sem\xc4\xb0;", false, b";"),
            (b"%ff", false, b"\xc3\xbf"),
            (b"\\u{110000}", false, b"\xef\xbf\xbd"),
        ];
        for &(input, plus, want) in cases {
            assert_eq!(decode_all(input, plus), want, "{:?}", input);
        }
    }

    #[test]
    fn decodes_runes_as_go_does() {
        assert_eq!(decode_rune(b"\xed\xa0\x80"), (RUNE_ERROR, 1));
        assert_eq!(decode_rune(b"\xc0\x80"), (RUNE_ERROR, 1));
        assert_eq!(decode_rune(b"\xf4\x8f\xbf\xbf"), (0x10FFFF, 4));
        assert_eq!(decode_rune(b"\xe2\x82"), (RUNE_ERROR, 1));
    }
}
