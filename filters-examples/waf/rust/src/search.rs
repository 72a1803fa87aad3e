//! The port of detect/search_other.go and search_wasm.go: the byte
//! searches the views make, by the fastest means of the target. On wasm
//! the word-at-a-time ones of words.rs; natively plain loops, which the
//! compiler vectorises where it can.

/// `indexByte`: the index of the first `c` in `s`.
#[cfg(target_arch = "wasm32")]
pub fn index_byte(s: &[u8], c: u8) -> Option<usize> {
    crate::words::index_byte_words(s, c)
}

/// `indexByte`: the index of the first `c` in `s`.
#[cfg(not(target_arch = "wasm32"))]
pub fn index_byte(s: &[u8], c: u8) -> Option<usize> {
    s.iter().position(|&b| b == c)
}

/// `indexUpper`: the index of the first ASCII upper-case letter in `s`.
#[cfg(target_arch = "wasm32")]
pub fn index_upper(s: &[u8]) -> Option<usize> {
    crate::words::index_upper_words(s)
}

/// `indexUpper`: the index of the first ASCII upper-case letter in `s`.
#[cfg(not(target_arch = "wasm32"))]
pub fn index_upper(s: &[u8]) -> Option<usize> {
    s.iter().position(|b| b.is_ascii_uppercase())
}
