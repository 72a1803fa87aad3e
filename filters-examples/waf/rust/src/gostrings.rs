//! The behaviours of Go's strings, unicode/utf8 and unicode packages that
//! the splitting of a request relies on, over bytes: a Go string may hold
//! any bytes, and where Go decodes runes an invalid byte is one
//! utf8.RuneError (U+FFFD) of width 1. Only what the ported files call is
//! here, each function named after the Go one it stands for.

pub(crate) use crate::decode::decode_rune;

/// utf8.RuneError, what Go decodes an invalid byte as.
pub(crate) const RUNE_ERROR: u32 = 0xFFFD;

/// utf8.DecodeLastRune: the last rune of `s` and its width, found by
/// going back at most three bytes to a byte that can start a rune; an
/// encoding that does not end exactly at the end is (RUNE_ERROR, 1).
pub(crate) fn decode_last_rune(s: &[u8]) -> (u32, usize) {
    let end = s.len();
    if end == 0 {
        return (RUNE_ERROR, 0);
    }
    if s[end - 1] < 0x80 {
        return (s[end - 1] as u32, 1);
    }
    let lim = end.saturating_sub(4);
    let mut start = end - 1;
    while start > lim {
        start -= 1;
        if s[start] & 0xC0 != 0x80 {
            break;
        }
    }
    let (r, size) = decode_rune(&s[start..end]);
    if start + size != end {
        return (RUNE_ERROR, 1);
    }
    (r, size)
}

/// unicode.IsSpace: the White_Space property.
pub(crate) fn is_space(r: u32) -> bool {
    matches!(
        r,
        0x09..=0x0D
            | 0x20
            | 0x85
            | 0xA0
            | 0x1680
            | 0x2000..=0x200A
            | 0x2028
            | 0x2029
            | 0x202F
            | 0x205F
            | 0x3000
    )
}

/// strings.TrimSpace: leading white space trimmed rune by rune from the
/// front (strings.TrimLeftFunc), then trailing white space by the last
/// rune (strings.TrimRightFunc), as Go does once it meets a non-ASCII
/// byte; its ASCII fast path gives the same result.
pub(crate) fn trim_space(s: &[u8]) -> &[u8] {
    trim_right_space(trim_left_space(s))
}

fn trim_left_space(s: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        if !is_space(r) {
            return &s[i..];
        }
        i += w;
    }
    &s[s.len()..]
}

fn trim_right_space(s: &[u8]) -> &[u8] {
    // lastIndexFunc: the start of the last rune that is not a space.
    let mut i = s.len();
    let mut last: Option<usize> = None;
    while i > 0 {
        let (r, size) = decode_last_rune(&s[..i]);
        i -= size;
        if !is_space(r) {
            last = Some(i);
            break;
        }
    }
    match last {
        None => &s[..0],
        // TrimRightFunc keeps that rune by its width read forwards.
        Some(i) if s[i] >= 0x80 => &s[..i + decode_rune(&s[i..]).1],
        Some(i) => &s[..i + 1],
    }
}

/// strings.EqualFold(s, t) for an ASCII `t`: equal under Unicode simple
/// case folding. Besides the ASCII letters, the only runes that fold to
/// an ASCII letter are U+212A KELVIN SIGN (k, K) and U+017F LONG S (s,
/// S); an invalid byte is RuneError and folds to nothing.
pub(crate) fn equal_fold_ascii(s: &[u8], t: &[u8]) -> bool {
    debug_assert!(t.is_ascii());
    let mut i = 0;
    let mut j = 0;
    while i < s.len() {
        let (sr, w) = decode_rune(&s[i..]);
        i += w;
        let tr = match t.get(j) {
            None => return false,
            Some(&c) => c as u32,
        };
        j += 1;
        if sr == tr {
            continue;
        }
        let (lo, hi) = if sr < tr { (sr, tr) } else { (tr, sr) };
        let folds = if hi < 0x80 {
            (b'A' as u32..=b'Z' as u32).contains(&lo) && hi == lo + (b'a' - b'A') as u32
        } else {
            matches!((lo, hi), (0x4B | 0x6B, 0x212A) | (0x53 | 0x73, 0x17F))
        };
        if !folds {
            return false;
        }
    }
    j == t.len()
}

/// strings.ToLower, as far as a comparison with ASCII text can tell: it
/// writes `s` lower-cased into `out`. ASCII letters are lowered, and so
/// are the only two runes whose lower case is ASCII (U+0130 to 'i',
/// U+212A to 'k'); any other non-ASCII rune, and each invalid byte (which
/// Go writes as U+FFFD), stays as it is: its lower case is non-ASCII too,
/// so equality with, or a prefix or suffix of, ASCII text comes out as in
/// Go, without Unicode's case tables.
pub(crate) fn to_lower_for_ascii_compare(s: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c < 0x80 {
            out.push(c.to_ascii_lowercase());
            i += 1;
            continue;
        }
        let (r, w) = decode_rune(&s[i..]);
        match r {
            0x130 if w == 2 => out.push(b'i'),
            0x212A if w == 3 => out.push(b'k'),
            _ => out.extend_from_slice(&s[i..i + w]),
        }
        i += w;
    }
}

/// strings.IndexByte.
pub(crate) fn index_byte(s: &[u8], c: u8) -> Option<usize> {
    s.iter().position(|&b| b == c)
}

/// indexByte2 (search_other.go): the first a or b in s.
pub(crate) fn index_byte2(s: &[u8], a: u8, b: u8) -> Option<usize> {
    s.iter().position(|&c| c == a || c == b)
}

/// strings.Index: the first occurrence of a non-empty `sep`.
pub(crate) fn index(s: &[u8], sep: &[u8]) -> Option<usize> {
    let (&first, rest) = sep.split_first()?;
    if s.len() < sep.len() {
        return None;
    }
    let last_start = s.len() - sep.len();
    let mut from = 0;
    while from <= last_start {
        let k = index_byte(&s[from..=last_start], first)?;
        let at = from + k;
        if &s[at + 1..at + sep.len()] == rest {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// strings.Trim with an ASCII cutset.
pub(crate) fn trim_bytes<'a>(s: &'a [u8], cutset: &[u8]) -> &'a [u8] {
    trim_right_bytes(trim_left_bytes(s, cutset), cutset)
}

/// strings.TrimLeft with an ASCII cutset.
pub(crate) fn trim_left_bytes<'a>(s: &'a [u8], cutset: &[u8]) -> &'a [u8] {
    let n = s.iter().take_while(|c| cutset.contains(c)).count();
    &s[n..]
}

/// strings.TrimRight with an ASCII cutset.
pub(crate) fn trim_right_bytes<'a>(s: &'a [u8], cutset: &[u8]) -> &'a [u8] {
    let n = s.iter().rev().take_while(|c| cutset.contains(c)).count();
    &s[..s.len() - n]
}

/// strings.TrimPrefix.
pub(crate) fn trim_prefix<'a>(s: &'a [u8], prefix: &[u8]) -> &'a [u8] {
    if s.starts_with(prefix) {
        &s[prefix.len()..]
    } else {
        s
    }
}

/// strings.TrimSuffix.
pub(crate) fn trim_suffix<'a>(s: &'a [u8], suffix: &[u8]) -> &'a [u8] {
    if s.ends_with(suffix) {
        &s[..s.len() - suffix.len()]
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_last_rune_like_go() {
        assert_eq!(decode_last_rune(b"x\xE3\x80\x80"), (0x3000, 3));
        assert_eq!(decode_last_rune(b"\xE3\x80\x80\x80"), (RUNE_ERROR, 1));
        assert_eq!(decode_last_rune(b"\x80"), (RUNE_ERROR, 1));
    }

    #[test]
    fn trim_space_like_go() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"  a b \t", b"a b"),
            (b"\xC2\xA0a\xE3\x80\x80", b"a"),
            (b"\xFF a \xFF", b"\xFF a \xFF"),
            (b"\xE2\x80\x80", b""),
            (b" \x0B\x0C ", b""),
            (b"a\xC2\x85", b"a"),
        ];
        for (input, want) in cases {
            assert_eq!(trim_space(input), *want, "{:?}", input);
        }
    }

    #[test]
    fn equal_fold_like_go() {
        assert!(equal_fold_ascii(b"ChUnKeD", b"chunked"));
        assert!(equal_fold_ascii("chun\u{212A}ed".as_bytes(), b"chunked"));
        assert!(equal_fold_ascii("\u{17F}".as_bytes(), b"s"));
        assert!(!equal_fold_ascii(b"chunke", b"chunked"));
        assert!(!equal_fold_ascii(b"chunked\xFF", b"chunked"));
        assert!(!equal_fold_ascii("\u{130}".as_bytes(), b"i"));
    }

    #[test]
    fn index_finds_first() {
        assert_eq!(index(b"a--b--c", b"--"), Some(1));
        assert_eq!(index(b"-", b"--"), None);
        assert_eq!(index(b"x---y", b"--y"), Some(2));
    }
}
