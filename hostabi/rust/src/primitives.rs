//! The native primitives (docs/ABI.md, "Native primitives"): JSON by
//! path, regular expression sets, literal pattern sets, and the trace
//! context.

use crate::{abi, checked, fetch, fetch_string, sys, Error, Kind, Result};

/// The type of a JSON value json_get found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    /// null.
    Null,
    /// false.
    False,
    /// true.
    True,
    /// A number, as its JSON text.
    Number,
    /// A string, decoded.
    String,
    /// An array, as its JSON text.
    Array,
    /// An object, as its JSON text.
    Object,
}

/// The value at path (gjson syntax, without modifiers) in the JSON body
/// of the message of kind: its type and bytes (a string decoded, anything
/// else as its JSON text); None when nothing is there. A body that is not
/// JSON is `Error::Invalid`.
pub fn json_get(kind: Kind, path: &str) -> Result<Option<(JsonType, Vec<u8>)>> {
    let k = kind.code();
    // SAFETY: path and the buffer are live for the call.
    #[allow(unsafe_code)]
    let v = fetch(|buf, limit| unsafe {
        sys::json_get(k, path.as_ptr(), path.len() as u32, buf, limit)
    });
    let mut v = match v {
        Ok(v) => v,
        Err(Error::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    if v.is_empty() {
        return Err(Error::Invalid);
    }
    let t = match v.remove(0) {
        abi::JSON_NULL => JsonType::Null,
        abi::JSON_FALSE => JsonType::False,
        abi::JSON_TRUE => JsonType::True,
        abi::JSON_NUMBER => JsonType::Number,
        abi::JSON_STRING => JsonType::String,
        abi::JSON_ARRAY => JsonType::Array,
        abi::JSON_OBJECT => JsonType::Object,
        t => return Err(Error::Unknown(t as i32)),
    };
    Ok(Some((t, v)))
}

/// What a regular expression or pattern set scans.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// The filter's own bytes.
    Bytes(&'a [u8]),
    /// The body of a message, read as `Message::body` reads it.
    Body(Kind),
    /// The values of a message's header, NUL-separated.
    Header(Kind, &'a str),
    /// The request's URI.
    Uri,
}

impl<'a> Target<'a> {
    /// The (target, kind, data) arguments of the scanning functions.
    fn args(&self) -> (u32, u32, &'a [u8]) {
        match *self {
            Target::Bytes(b) => (abi::REGEX_BYTES, 0, b),
            Target::Body(k) => (abi::REGEX_BODY, k.code(), &[]),
            Target::Header(k, name) => (abi::REGEX_HEADER, k.code(), name.as_bytes()),
            Target::Uri => (abi::REGEX_URI, 0, &[]),
        }
    }
}

/// decode_ids reads the little-endian u32 ids the host writes.
fn decode_ids(v: &[u8]) -> Vec<u32> {
    v.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// join_nul is the NUL-separated list the compile functions take.
fn join_nul(items: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// A set of regular expressions (Go's regexp, RE2 syntax) the host
/// compiled; ids are their places in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regex(i32);

/// The leftmost match of a regular expression set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegexMatch {
    /// The expression's place in the list.
    pub id: u32,
    /// The match's start offset in the target.
    pub start: u32,
    /// The match's end offset in the target.
    pub end: u32,
}

impl Regex {
    /// Compiles the expressions into one set; during configure only.
    pub fn compile(exprs: &[&str]) -> Result<Regex> {
        let list = join_nul(exprs);
        // SAFETY: list is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::regex_compile(list.as_ptr(), list.len() as u32) };
        checked(r).map(|_| Regex(r))
    }

    /// Whether any expression matches the target.
    pub fn is_match(&self, target: Target<'_>) -> Result<bool> {
        let (t, k, data) = target.args();
        let mut none = [0u8; 0];
        // SAFETY: data and the empty buffer are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::regex_match(
                self.0,
                t,
                k,
                data.as_ptr(),
                data.len() as u32,
                none.as_mut_ptr(),
                0,
            )
        };
        checked(r).map(|_| r > 0)
    }

    /// The ids of the expressions that match the target, in list order.
    pub fn matches(&self, target: Target<'_>) -> Result<Vec<u32>> {
        let (t, k, data) = target.args();
        // SAFETY: data and the buffer are live for the call.
        #[allow(unsafe_code)]
        let v = fetch(|buf, limit| unsafe {
            sys::regex_match(self.0, t, k, data.as_ptr(), data.len() as u32, buf, limit)
        });
        v.map(|v| decode_ids(&v))
    }

    /// The ids of the expressions that match the target, in list order,
    /// into ids (cleared first): what `matches` returns, without
    /// allocating once ids has room, for a filter that asks per value.
    pub fn matches_into(&self, target: Target<'_>, ids: &mut Vec<u32>) -> Result<()> {
        let (t, k, data) = target.args();
        // A set has at most MAX_REGEX_PATTERNS expressions, 4 bytes an id.
        let mut buf = [0u8; 4 * abi::MAX_REGEX_PATTERNS];
        // SAFETY: data and the buffer are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::regex_match(
                self.0,
                t,
                k,
                data.as_ptr(),
                data.len() as u32,
                buf.as_mut_ptr(),
                buf.len() as u32,
            )
        };
        checked(r)?;
        let n = r as usize;
        if n > buf.len() {
            return Err(Error::Unknown(r));
        }
        ids.clear();
        ids.extend(
            buf[..n]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        Ok(())
    }

    /// The leftmost match of any expression in the target.
    pub fn find(&self, target: Target<'_>) -> Result<Option<RegexMatch>> {
        let (t, k, data) = target.args();
        let mut buf = [0u8; 12];
        // SAFETY: data and the buffer are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::regex_find(
                self.0,
                t,
                k,
                data.as_ptr(),
                data.len() as u32,
                buf.as_mut_ptr(),
                12,
            )
        };
        match checked(r) {
            Ok(()) if r == 12 => {
                let ids = decode_ids(&buf);
                Ok(Some(RegexMatch {
                    id: ids[0],
                    start: ids[1],
                    end: ids[2],
                }))
            }
            Ok(()) => Err(Error::Unknown(r)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A set of literals in one automaton (Aho-Corasick) the host compiled;
/// ids are their places in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patterns(i32);

impl Patterns {
    /// Compiles the non-empty literals into one set, ASCII case folded
    /// when fold_case; during configure only.
    pub fn compile(literals: &[&str], fold_case: bool) -> Result<Patterns> {
        let list = join_nul(literals);
        let flags = if fold_case {
            abi::PATTERNS_FOLD_CASE
        } else {
            0
        };
        // SAFETY: list is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::patterns_compile(list.as_ptr(), list.len() as u32, flags) };
        checked(r).map(|_| Patterns(r))
    }

    /// The ids of the literals found in the target, each once, in the
    /// order their first occurrences end.
    pub fn scan(&self, target: Target<'_>) -> Result<Vec<u32>> {
        let (t, k, data) = target.args();
        // SAFETY: data and the buffer are live for the call.
        #[allow(unsafe_code)]
        let v = fetch(|buf, limit| unsafe {
            sys::patterns_scan(self.0, t, k, data.as_ptr(), data.len() as u32, buf, limit)
        });
        v.map(|v| decode_ids(&v))
    }
}

/// Whether the target reads as SQL injection to libinjection, whose
/// check the host runs natively (docs/ABI.md, "Injection checks"). A
/// target over 1 MiB is `Error::TooLarge`: an injection not ruled out.
pub fn is_sqli(target: Target<'_>) -> Result<bool> {
    let (t, k, data) = target.args();
    let mut none = [0u8; 0];
    // SAFETY: data and the empty buffer are live for the call.
    #[allow(unsafe_code)]
    let r =
        unsafe { sys::sqli_check(t, k, data.as_ptr(), data.len() as u32, none.as_mut_ptr(), 0) };
    checked(r).map(|_| r > 0)
}

/// libinjection's fingerprint of the target (the token types it
/// matched, such as `s&sos`) when it reads as SQL injection, None when
/// it does not.
pub fn sqli_fingerprint(target: Target<'_>) -> Result<Option<String>> {
    let (t, k, data) = target.args();
    let mut buf = [0u8; abi::MAX_SQLI_FINGERPRINT];
    // SAFETY: data and the buffer are live for the call.
    #[allow(unsafe_code)]
    let r = unsafe {
        sys::sqli_check(
            t,
            k,
            data.as_ptr(),
            data.len() as u32,
            buf.as_mut_ptr(),
            buf.len() as u32,
        )
    };
    checked(r)?;
    match r as usize {
        0 => Ok(None),
        n if n <= buf.len() => Ok(Some(String::from_utf8_lossy(&buf[..n]).into_owned())),
        _ => Err(Error::Unknown(r)),
    }
}

/// Whether the target holds HTML or script that would run, to
/// libinjection's HTML5 tokenizer in every context, run natively by the
/// host. A target over 1 MiB is `Error::TooLarge`.
pub fn is_xss(target: Target<'_>) -> Result<bool> {
    let (t, k, data) = target.args();
    // SAFETY: data is live for the call.
    #[allow(unsafe_code)]
    let r = unsafe { sys::xss_check(t, k, data.as_ptr(), data.len() as u32) };
    checked(r).map(|_| r == 1)
}

/// The W3C traceparent of the trace the call runs in; None when the
/// request is not traced.
pub fn trace_context() -> Option<String> {
    // SAFETY: the buffer is live for the call.
    #[allow(unsafe_code)]
    let s = fetch_string(|buf, limit| unsafe { sys::trace_context_get(buf, limit) });
    s.ok()
}
