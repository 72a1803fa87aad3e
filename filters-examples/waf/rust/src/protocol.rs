//! The port of protocol.go: per-request checks of the HTTP framing,
//! where request smuggling and method tricks show.

use crate::gostrings::{equal_fold_ascii, trim_bytes, trim_space};
use crate::request::{cut_byte, equal_fold, Request};
use crate::rules_table::{ProtocolCheck, ProtocolSpec, PROTOCOL};
use crate::target::{Kind, Where};

/// Runs one check on `r`: the place it reports when the request fails
/// it. `allowed` are the methods the configuration allows. The checks'
/// ids, levels and scores are the Go table's, in rules_table::PROTOCOL;
/// a check added there does not compile until it is matched here.
pub fn run<'r>(c: ProtocolCheck, r: &Request<'r>, allowed: &[Vec<u8>]) -> Option<Where<'r>> {
    match c {
        ProtocolCheck::MethodNotAllowed => method_not_allowed(r, allowed),
        ProtocolCheck::LengthAndChunked => length_and_chunked(r),
        ProtocolCheck::OddTransferEncoding => odd_transfer_encoding(r),
        ProtocolCheck::ConflictingLengths => conflicting_lengths(r),
        ProtocolCheck::LineBreakInHeader => line_break_in_header(r),
        ProtocolCheck::BodyWithoutType => body_without_type(r),
    }
}

/// hostabi.IsToken: a non-empty RFC 9110 token.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// A method outside the allowed list, or one that is not even a token (a
/// request line split by a smuggled CR or space).
fn method_not_allowed<'r>(r: &Request<'r>, allowed: &[Vec<u8>]) -> Option<Where<'r>> {
    let hit = !is_token(r.method) || !allowed.iter().any(|m| m[..] == *r.method);
    hit.then(|| Where::of(Kind::Request))
}

/// Content-Length and Transfer-Encoding together let a front end and a
/// back end disagree on where the request ends.
fn length_and_chunked<'r>(r: &Request<'r>) -> Option<Where<'r>> {
    let hit = r.header(b"content-length").is_some() && r.header(b"transfer-encoding").is_some();
    hit.then(|| Where::named(Kind::Header, b"Transfer-Encoding"))
}

/// Anything but a plain "chunked" (obfuscated spellings, stacked codings)
/// is how TE.TE smuggling starts.
fn odd_transfer_encoding<'r>(r: &Request<'r>) -> Option<Where<'r>> {
    let mut n = 0;
    let mut odd = false;
    for h in r
        .headers
        .iter()
        .filter(|h| equal_fold(h.name, b"transfer-encoding"))
    {
        n += 1;
        if !equal_fold_ascii(h.value, b"chunked") {
            odd = true;
        }
    }
    (odd || n > 1).then(|| Where::named(Kind::Header, b"Transfer-Encoding"))
}

/// Several Content-Length values that differ, or one that is not a
/// number.
fn conflicting_lengths<'r>(r: &Request<'r>) -> Option<Where<'r>> {
    let hit = Some(Where::named(Kind::Header, b"Content-Length"));
    let mut first: &[u8] = b"";
    for h in r
        .headers
        .iter()
        .filter(|h| equal_fold(h.name, b"content-length"))
    {
        let mut rest = h.value;
        loop {
            let (v, after, more) = cut_byte(rest, b',');
            rest = after;
            let v = trim_space(v);
            if v.is_empty() || !trim_bytes(v, b"0123456789").is_empty() {
                return hit;
            }
            if first.is_empty() {
                first = v;
            } else if v != first {
                return hit;
            }
            if !more {
                break;
            }
        }
    }
    None
}

/// A CR or LF inside a value is header injection, or a second request
/// hidden in the first; so is a CR, LF, space or ':' in a name. (Go
/// looks for a control byte first and runs ContainsAny only on the few
/// strings that hold one, because a call is dear inside Go's wasm; one
/// pass over the bytes here gives the same answer.)
fn line_break_in_header<'r>(r: &Request<'r>) -> Option<Where<'r>> {
    r.headers
        .iter()
        .find(|h| {
            h.value.iter().any(|&c| c == b'\r' || c == b'\n')
                || h.name
                    .iter()
                    .any(|&c| c == b'\r' || c == b'\n' || c == b' ' || c == b':')
        })
        .map(|h| Where::named(Kind::Header, h.name))
}

/// A body nobody declared a type for. Browsers and API clients always
/// declare one; hand-made probes often do not. A notice alone, it lets
/// weak signals in the body add up to a block.
fn body_without_type<'r>(r: &Request<'r>) -> Option<Where<'r>> {
    (!r.body.is_empty() && r.header(b"content-type").is_none())
        .then(|| Where::named(Kind::Header, b"Content-Type"))
}

/// The checks of PROTOCOL that `r` fails, in order, each with its
/// place.
pub fn failed_checks<'r, 'c>(
    r: &'c Request<'r>,
    allowed: &'c [Vec<u8>],
) -> impl Iterator<Item = (&'static ProtocolSpec, Where<'r>)> + 'c {
    PROTOCOL
        .iter()
        .filter_map(move |p| run(p.check, r, allowed).map(|w| (p, w)))
}
