//! The port of detect/gates.go: cheap preconditions that spare rules
//! their regexp on values that cannot match.

use crate::lexicon::contains;
use crate::normalize::Forms;
use crate::search::index_byte;

/// `hasFrom` gates rules whose pattern needs FROM besides their keyword.
pub fn has_from(f: &mut Forms) -> bool {
    contains(f.sql_text(), b"from")
}

/// `tagOpen` gates the tag rules: a '<' right before a letter, '/', '!'
/// or '?' opens markup as browsers parse it; "x < y" does not.
pub fn tag_open(f: &mut Forms) -> bool {
    let s = f.dec();
    let mut next = index_byte(s, b'<');
    while let Some(i) = next {
        if i + 1 < s.len() {
            let c = s[i + 1] | 0x20;
            if c.is_ascii_lowercase() || c == b'/' || c == b'!' || c == b'?' {
                return true;
            }
        }
        next = index_byte(&s[i + 1..], b'<').map(|k| i + 1 + k);
    }
    false
}
