//! The port of jsonbody.go: every key and string value of a JSON
//! document, found by a lenient scanner rather than a parser (an attack
//! need not be valid JSON to reach a lenient backend).

use crate::decode::push_rune;
use crate::gostrings::{index_byte, index_byte2, trim_space};
use crate::target::{Kind, Target, Where};
use crate::targets::{Splitter, ValueSink};

/// Bounds the keys remembered; past it, keys are inspected every time,
/// as any other value.
pub const MAX_SEEN_KEYS: usize = 64;

/// The JSON keys of a request already inspected: in an array of objects
/// every element repeats them, and seeing one again can only fire rules
/// that already fired. A short list compared in order (cheaper than
/// hashing), its keys copied end to end into one buffer reused from
/// request to request.
pub struct SeenKeys {
    bytes: Vec<u8>,
    /// The end of each key in bytes; a key starts where the one before
    /// it ends.
    ends: Vec<usize>,
    /// follows[i] is the index of the key seen after key i last time.
    follows: [u8; MAX_SEEN_KEYS],
    /// The index of the last key seen, if it was remembered.
    last: Option<usize>,
}

impl Default for SeenKeys {
    fn default() -> SeenKeys {
        SeenKeys {
            bytes: Vec::new(),
            ends: Vec::with_capacity(MAX_SEEN_KEYS),
            follows: [0; MAX_SEEN_KEYS],
            last: None,
        }
    }
}

impl SeenKeys {
    /// Forgets the keys of the last request. follows is left as it is,
    /// as in Go: it only says which key to compare first.
    pub fn reset(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.last = None;
    }

    fn key(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.bytes[start..self.ends[k]]
    }

    /// sawKey: whether key was inspected already; remembers it.
    pub fn saw(&mut self, key: &[u8]) -> bool {
        // The elements of an array of objects list their keys in the
        // same order: the key that followed the last one then is tried
        // first.
        let mut at = None;
        if let Some(last) = self.last {
            let k = self.follows[last] as usize;
            if k < self.ends.len() && self.key(k) == key {
                at = Some(k);
            }
        }
        if at.is_none() {
            at = (0..self.ends.len()).find(|&k| self.key(k) == key);
        }
        let seen = at.is_some();
        if !seen && self.ends.len() < MAX_SEEN_KEYS {
            at = Some(self.ends.len());
            self.bytes.extend_from_slice(key);
            self.ends.push(self.bytes.len());
        }
        if let (Some(last), Some(at)) = (self.last, at) {
            self.follows[last] = at as u8;
        }
        self.last = at;
        seen
    }
}

impl Splitter {
    /// Inspects every key and string value of a JSON document; false when
    /// body is not JSON, so the caller can fall back to a raw look.
    /// Numbers, booleans and null carry no payload and are skipped.
    pub fn inspect_json<S: ValueSink>(&mut self, body: &[u8], sink: &mut S) -> bool {
        let s = trim_space(body);
        if s.is_empty() || (s[0] != b'{' && s[0] != b'[' && s[0] != b'"') {
            return false;
        }
        let Splitter {
            seen_keys,
            json_key: key,
            json_str,
            ..
        } = self;
        key.clear();
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'"' {
            } else if i + 1 < s.len() && s[i + 1] == b'"' {
                // The next string is mostly a byte on (`":"`, `","`).
                i += 1;
            } else {
                match index_byte(&s[i..], b'"') {
                    None => return true,
                    Some(q) => i += q,
                }
            }
            // Most strings hold no escape: those are cut out in place.
            let rest = &s[i + 1..];
            let (text, n) = match index_byte2(rest, b'"', b'\\') {
                Some(k) if rest[k] == b'"' => (&rest[..k], k + 2),
                _ => match json_string(&s[i..], json_str) {
                    Some(found) => found,
                    None => return false,
                },
            };
            i += n - 1;
            if is_json_key(&s[i + 1..]) {
                key.clear();
                key.extend_from_slice(text);
                if !seen_keys.saw(key) {
                    sink.value(
                        Target::ARG_NAME,
                        Where::named(Kind::ArgName, key),
                        key,
                        text,
                        false,
                    );
                }
            } else {
                sink.value(
                    Target::ARG_VALUE,
                    Where::named(Kind::Arg, key),
                    key,
                    text,
                    false,
                );
            }
            i += 1;
        }
        true
    }
}

/// Whether the text after a string starts, past blanks, with ':'.
fn is_json_key(rest: &[u8]) -> bool {
    for &c in rest {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b':' => return true,
            _ => return false,
        }
    }
    false
}

/// Unquotes the JSON string at the start of s (which is '"'), returning
/// it and the bytes consumed, quotes included; None if it has no closing
/// quote. A string with escapes is written into buf. Lenient: an unknown
/// escape stands for the byte escaped, a bad \u for itself.
pub fn json_string<'a>(s: &'a [u8], buf: &'a mut Vec<u8>) -> Option<(&'a [u8], usize)> {
    let mut end = None;
    let mut escaped = false;
    let mut i = 1;
    while i < s.len() {
        i += index_byte2(&s[i..], b'"', b'\\')?;
        if s[i] == b'\\' {
            escaped = true;
            i += 2; // past the escaped byte
            continue;
        }
        end = Some(i);
        break;
    }
    let end = end?;
    let raw = &s[1..end];
    if !escaped {
        return Some((raw, end + 1));
    }
    buf.clear();
    buf.reserve(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' || i + 1 >= raw.len() {
            buf.push(c);
            i += 1;
            continue;
        }
        i += 1;
        match raw[i] {
            b'n' => buf.push(b'\n'),
            b't' => buf.push(b'\t'),
            b'r' => buf.push(b'\r'),
            b'b' => buf.push(0x08),
            b'f' => buf.push(0x0C),
            b'u' => match hex4(raw, i + 1) {
                Some(r) => {
                    // A surrogate half is not a rune: Go writes
                    // RuneError, as push_rune does.
                    push_rune(buf, r);
                    i += 4;
                }
                None => buf.extend_from_slice(b"\\u"),
            },
            // '"', '\\', '/' and anything lenient parsers accept.
            other => buf.push(other),
        }
        i += 1;
    }
    Some((&buf[..], end + 1))
}

/// hexRune(s, i, 4) of decode.go: the four hex digits of s at i.
/// (decode.rs has hex_rune, but keeps it to itself.)
fn hex4(s: &[u8], i: usize) -> Option<u32> {
    let digits = s.get(i..i + 4)?;
    let mut r = 0;
    for &c in digits {
        r = r << 4 | (c as char).to_digit(16)?;
    }
    Some(r)
}
