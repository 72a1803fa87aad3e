//! The port of request.go: the request the engine inspects, and the
//! lookups of its headers and target.

use crate::gostrings::index_byte;

/// One request header field. A header sent twice appears twice.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
}

/// What the engine inspects: plain borrowed bytes (none of it need be
/// UTF-8), read and never kept.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub method: &'a [u8],
    /// The request target as received: path and raw query.
    pub uri: &'a [u8],
    pub headers: &'a [Header<'a>],
    pub body: &'a [u8],
    /// The request has a body the engine could not have (over the host's
    /// limit); it is reported, not guessed at.
    pub body_unread: bool,
}

impl<'a> Request<'a> {
    /// The first value of the named header (name in lower case),
    /// compared without regard to case.
    pub fn header(&self, lower: &[u8]) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|h| equal_fold(h.name, lower))
            .map(|h| h.value)
    }
}

/// Compares s with an ASCII lower-case string, ignoring ASCII case only.
pub fn equal_fold(s: &[u8], lower: &[u8]) -> bool {
    s.len() == lower.len()
        && s.iter()
            .zip(lower)
            .all(|(&c, &l)| c.to_ascii_lowercase() == l)
}

/// Splits a request target into path and raw query.
pub fn split_uri(uri: &[u8]) -> (&[u8], &[u8]) {
    let (path, query, _) = cut_byte(uri, b'?');
    (path, query)
}

/// strings.Cut with a one-byte separator (request.go's cutByte).
pub fn cut_byte(s: &[u8], sep: u8) -> (&[u8], &[u8], bool) {
    match index_byte(s, sep) {
        Some(i) => (&s[..i], &s[i + 1..], true),
        None => (s, &s[s.len()..], false),
    }
}
