//! The port of the checks of detect/rules_java.go: Log4Shell lookups
//! however they are nested, and Java payloads hidden in base64.

use crate::base64::contains_any;
use crate::lexicon::{contains, index};
use crate::normalize::Forms;
use crate::rules_table::JAVA_BASE64_WORDS;
use crate::search::index_byte;

/// `javaSerialMagic` starts every Java serialization stream.
const JAVA_SERIAL_MAGIC: &[u8] = &[0xac, 0xed, 0x00, 0x05];

/// `log4jLookup` finds a ${jndi:...} lookup after undoing the nesting
/// Log4j resolves: ${lower:j}, ${::-j}, ${env:X:-j} and friends all yield
/// "j". It runs only on values holding "${" (its rule's keyword), so the
/// two buffers it resolves into are its own, not kept across values.
pub fn log4j_lookup(f: &mut Forms) -> bool {
    let mut s = f.lowered().to_vec();
    let mut r = Vec::new();
    for _ in 0..4 {
        if contains(&s, b"${jndi:") || contains(&s, b"${jndi :") {
            return true;
        }
        r.clear();
        resolve_lookups(&mut r, &s);
        if r == s {
            break;
        }
        std::mem::swap(&mut s, &mut r);
    }
    // Nested lookups around protocol names are the evasion itself.
    contains(&s, b"${${") || contains(&s, b":-j}") || contains(&s, b"${jndi")
}

/// `resolveLookups` appends to `out` the text of `s` with each innermost
/// ${...} that Log4j reduces to a literal replaced: ${prefix:...:-X}
/// gives X, ${lower:X} and ${upper:X} give X.
pub fn resolve_lookups(out: &mut Vec<u8>, mut s: &[u8]) {
    loop {
        let i = match index(s, b"${") {
            None => {
                out.extend_from_slice(s);
                return;
            }
            Some(i) => i,
        };
        let end = index_byte(&s[i + 2..], b'}');
        let inner: &[u8] = match end {
            Some(end) => &s[i + 2..i + 2 + end],
            None => b"",
        };
        let end = match end {
            Some(end) if !contains(inner, b"${") => end,
            _ => {
                out.extend_from_slice(&s[..i + 2]);
                s = &s[i + 2..];
                continue;
            }
        };
        out.extend_from_slice(&s[..i]);
        s = &s[i + 2 + end + 1..];
        if let Some(k) = last_index(inner, b":-") {
            out.extend_from_slice(&inner[k + 2..]);
        } else if inner.starts_with(b"lower:") || inner.starts_with(b"upper:") {
            out.extend_from_slice(&inner[6..]);
        } else {
            out.extend_from_slice(b"${");
            out.extend_from_slice(inner);
            out.push(b'}');
        }
    }
}

/// strings.LastIndex over bytes.
fn last_index(s: &[u8], needle: &[u8]) -> Option<usize> {
    s.windows(needle.len()).rposition(|w| w == needle)
}

/// `base64HidesJava` looks in base64 runs for gadget names and the
/// serialization magic.
pub fn base64_hides_java(f: &mut Forms) -> bool {
    let plains = f.base64_plains();
    (0..plains.len()).any(|i| {
        contains(plains.raw(i), JAVA_SERIAL_MAGIC)
            || contains_any(plains.low(i), &JAVA_BASE64_WORDS)
    })
}
