//! The port of the searches of detect/words.go that the views use:
//! word-at-a-time byte searches, eight bytes per step, for the wasm
//! build, where a loop over single bytes is what a search would
//! otherwise be. Safe code: each word is loaded with
//! `u64::from_le_bytes`, which compiles to one unaligned load.
//!
//! Native builds search with plain loops instead (see search.rs), as Go's
//! search_other.go does; these are compiled natively too so that their
//! tests run there.

const LSBS: u64 = 0x0101_0101_0101_0101;
const MSBS: u64 = 0x8080_8080_8080_8080;

/// Loads the eight bytes of `s` at `i`, little-endian as in Go's port.
fn word(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(w)
}

/// Has the high bit of the lowest zero byte of `x` set, and none below
/// it: bits above it may be set spuriously, by a borrow, so only the
/// lowest one counts.
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LSBS) & !x & MSBS
}

/// The index of the first byte of `s` the word `m` (from `matches`) marks
/// in some word of `s`, or None: the words step by eight bytes, and the
/// last one overlaps the one before it, whose bytes held no match, so the
/// first match in it is the first.
fn first_marked(s: &[u8], matches: impl Fn(u64) -> u64) -> Option<usize> {
    let last = s.len() - 8;
    let mut i = 0;
    loop {
        if i > last {
            i = last;
        }
        let m = matches(word(s, i));
        if m != 0 {
            return Some(i + (m.trailing_zeros() >> 3) as usize);
        }
        if i == last {
            return None;
        }
        i += 8;
    }
}

/// `indexByteWords`: the index of the first `c` in `s`.
pub fn index_byte_words(s: &[u8], c: u8) -> Option<usize> {
    if s.len() < 8 {
        return s.iter().position(|&b| b == c);
    }
    let pat = LSBS * c as u64;
    first_marked(s, |w| zero_bytes(w ^ pat))
}

/// `indexUpperWords`: the index of the first ASCII upper-case letter in
/// `s`.
pub fn index_upper_words(s: &[u8]) -> Option<usize> {
    if s.len() < 8 {
        return s.iter().position(|b| b.is_ascii_uppercase());
    }
    // With the high bit of every byte set first, no subtraction borrows
    // across bytes: ge has the high bit of the bytes >= 'A', gt of those
    // > 'Z'; !x drops the bytes that had it already.
    first_marked(s, |x| {
        let ge = (x | MSBS) - LSBS * b'A' as u64;
        let gt = (x | MSBS) - LSBS * (b'Z' + 1) as u64;
        ge & !gt & !x & MSBS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_loop_finds() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789 ABC\x80\xff\x00";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let s = &text[start..end];
                assert_eq!(
                    index_upper_words(s),
                    s.iter().position(|b| b.is_ascii_uppercase())
                );
                for &c in b"a z9 A\x80\xff\x00" {
                    assert_eq!(index_byte_words(s, c), s.iter().position(|&b| b == c));
                }
            }
        }
    }
}
