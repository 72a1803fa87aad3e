//! The port of targets.go: the path, query or form, headers and cookies
//! of a request split into the values the rules inspect. Also here,
//! because every file of the splitting shares them: the sink the values
//! go to (inspection.value in Go) and the state the splitting keeps for a
//! request (fields of Go's inspection).

use crate::body::BodyFlags;
use crate::decode::{append_percent_decode, Decoder};
use crate::gostrings::trim_space;
use crate::jsonbody::SeenKeys;
use crate::request::{cut_byte, equal_fold, split_uri, Header, Request};
use crate::target::{Kind, Target, Where};

/// Receives every value the splitting finds, in order: Go's
/// inspection.value, which the engine implements by running the rules
/// enabled for `target`. `arg` is the argument or cookie name that
/// exclusions look at (empty for other places), `plus` whether '+' in
/// `raw` means a space. Empty values are passed on too: the engine,
/// like Go's, skips them itself.
pub trait ValueSink {
    fn value(&mut self, target: Target, at: Where<'_>, arg: &[u8], raw: &[u8], plus: bool);
}

/// The state of splitting one request at a time: the JSON keys seen,
/// and scratch reused from value to value and request to request, so
/// that a request's splitting allocates nothing once the buffers have
/// grown (as the Go engine's pooled inspection does).
#[derive(Default)]
pub struct Splitter {
    pub(crate) seen_keys: SeenKeys,
    /// A JSON key, kept while the values after it are inspected.
    pub(crate) json_key: Vec<u8>,
    /// A JSON string with escapes, unquoted.
    pub(crate) json_str: Vec<u8>,
    /// A media type or header name lowered for comparison.
    pub(crate) lower: Vec<u8>,
    /// A form name percent-decoded: the argument name of its values.
    arg: Vec<u8>,
    /// The path decoded, then with '\\' made '/' and rooted, then
    /// cleaned.
    decoder: Decoder,
    dec: Vec<u8>,
    slashed: Vec<u8>,
    clean: Vec<u8>,
}

impl Splitter {
    pub fn new() -> Splitter {
        Splitter::default()
    }

    /// Walks the values of `r` in the order of Engine.Inspect
    /// (engine.go): the path, the query, the headers, then the body (of
    /// which at most `max_body_bytes` are read; negative: none).
    pub fn split<S: ValueSink>(
        &mut self,
        r: &Request<'_>,
        max_body_bytes: i64,
        sink: &mut S,
    ) -> BodyFlags {
        // What the Go engine's inspection.release clears after each
        // request: JSON keys are remembered for one request only.
        self.seen_keys.reset();
        let (path, query) = split_uri(r.uri);
        self.inspect_path(path, sink);
        self.inspect_form(query, Target::ARG_NAME, Target::ARG_VALUE, sink);
        self.inspect_headers(r.headers, sink);
        self.inspect_body(r, max_body_bytes, sink)
    }

    /// Looks at the path as sent (decoded, so traversal shows) and, when
    /// they differ, as a server resolves it (so /a/../.env is seen as
    /// /.env).
    pub fn inspect_path<S: ValueSink>(&mut self, p: &[u8], sink: &mut S) {
        // '+' is read as a space, as in a query: a path segment that
        // reaches a database or a shell gets the same treatment from many
        // routers.
        sink.value(Target::PATH, Where::of(Kind::Path), b"", p, true);
        if !resolvable(p) {
            return; // nothing a server would resolve differently
        }
        self.dec.clear();
        self.decoder.append_decode_all(&mut self.dec, p, false);
        self.slashed.clear();
        self.slashed.push(b'/');
        self.slashed
            .extend(self.dec.iter().map(|&c| if c == b'\\' { b'/' } else { c }));
        clean_path(&self.slashed, &mut self.clean);
        if self.clean != self.dec && self.clean[..] != *p {
            sink.value(Target::PATH, Where::of(Kind::Path), b"", &self.clean, false);
        }
    }

    /// Walks an application/x-www-form-urlencoded string (a query or a
    /// form body). Names and values are both inspected: payloads travel
    /// in names too.
    pub fn inspect_form<S: ValueSink>(
        &mut self,
        mut s: &[u8],
        name_t: Target,
        value_t: Target,
        sink: &mut S,
    ) {
        while !s.is_empty() {
            let (pair, rest, _) = cut_byte(s, b'&');
            s = rest;
            if pair.is_empty() {
                continue;
            }
            let (name, val, _) = cut_byte(pair, b'=');
            self.arg.clear();
            append_percent_decode(&mut self.arg, name, true);
            let arg = &self.arg[..];
            sink.value(name_t, Where::named(Kind::ArgName, arg), arg, name, true);
            sink.value(value_t, Where::named(Kind::Arg, arg), arg, val, true);
        }
    }

    /// Inspects header values; cookies are split into names and values
    /// so that exclusions by name apply to them.
    pub fn inspect_headers<S: ValueSink>(&mut self, hs: &[Header<'_>], sink: &mut S) {
        for h in hs {
            if skip_header(h.name) {
            } else if equal_fold(h.name, b"cookie") {
                self.inspect_cookies(h.value, sink);
            } else if equal_fold(h.name, b"user-agent") {
                sink.value(
                    Target::USER_AGENT,
                    Where::of(Kind::UserAgent),
                    b"",
                    h.value,
                    false,
                );
            } else if equal_fold(h.name, b"referer") {
                sink.value(
                    Target::REFERER,
                    Where::of(Kind::Referer),
                    b"",
                    h.value,
                    false,
                );
            } else if one_of(h.name, FILE_NAME_HEADERS) {
                sink.value(
                    Target::FILENAME,
                    Where::named(Kind::File, h.name),
                    b"",
                    h.value,
                    false,
                );
            } else {
                sink.value(
                    Target::HEADER,
                    Where::named(Kind::Header, h.name),
                    b"",
                    h.value,
                    false,
                );
            }
        }
    }

    pub fn inspect_cookies<S: ValueSink>(&mut self, mut s: &[u8], sink: &mut S) {
        while !s.is_empty() {
            let (pair, rest, _) = cut_byte(s, b';');
            s = rest;
            let pair = trim_space(pair);
            if pair.is_empty() {
                continue;
            }
            let (name, val, _) = cut_byte(pair, b'=');
            sink.value(
                Target::COOKIE_NAME,
                Where::named(Kind::Cookie, name),
                name,
                name,
                false,
            );
            sink.value(
                Target::COOKIE_VALUE,
                Where::named(Kind::Cookie, name),
                name,
                val,
                false,
            );
        }
    }
}

/// Headers whose values are structural (negotiation, framing,
/// credentials) and full of the punctuation attack rules look for. The
/// protocol checks read the framing ones.
pub const SKIP_HEADERS: &[&[u8]] = &[
    b"host",
    b"accept",
    b"accept-encoding",
    b"accept-language",
    b"accept-charset",
    b"content-length",
    b"content-type",
    b"transfer-encoding",
    b"connection",
    b"authorization",
    b"cache-control",
    b"pragma",
    b"if-none-match",
    b"if-modified-since",
    b"upgrade-insecure-requests",
    b"te",
];

/// Headers that carry the name of an uploaded file.
pub const FILE_NAME_HEADERS: &[&[u8]] =
    &[b"x-filename", b"x_filename", b"x.filename", b"x-file-name"];

fn one_of(name: &[u8], lower_names: &[&[u8]]) -> bool {
    lower_names.iter().any(|n| equal_fold(name, n))
}

/// Whether a header is one of SKIP_HEADERS. Go groups the names by
/// length so that a name is compared with few; here equal_fold, inlined,
/// compares lengths first, which comes to the same.
fn skip_header(name: &[u8]) -> bool {
    one_of(name, SKIP_HEADERS)
}

/// Whether a server could read path p as another one: it holds '%',
/// '.', '\\' or "//".
pub fn resolvable(p: &[u8]) -> bool {
    for (i, &c) in p.iter().enumerate() {
        match c {
            b'%' | b'.' | b'\\' => return true,
            b'/' if p.get(i + 1) == Some(&b'/') => return true,
            _ => {}
        }
    }
    false
}

/// Go's path.Clean, writing into `out`: the shortest path equivalent to
/// `path` by purely lexical processing (runs of slashes made one, "."
/// elements dropped, ".." elements dropped with the element before them,
/// a rooted path's leading ".." dropped), "." for an empty result.
pub fn clean_path(path: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if path.is_empty() {
        out.push(b'.');
        return;
    }
    let rooted = path[0] == b'/';
    let n = path.len();
    // r reads path; out is written; dotdot is where ".." backtracking
    // must stop.
    let mut r = 0;
    let mut dotdot = 0;
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        let at_end = |k: usize| k == n || path[k] == b'/';
        if path[r] == b'/' {
            r += 1; // an empty element
        } else if path[r] == b'.' && at_end(r + 1) {
            r += 1; // a "." element
        } else if path[r] == b'.' && path[r + 1] == b'.' && at_end(r + 2) {
            // A ".." element: back up to the slash before the last
            // element, or keep it when there is nothing to undo.
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            // A real element: add a slash if needed, then the element.
            if rooted && out.len() != 1 || !rooted && !out.is_empty() {
                out.push(b'/');
            }
            while r < n && path[r] != b'/' {
                out.push(path[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        out.push(b'.');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_like_go() {
        let cases: &[(&str, &str)] = &[
            ("", "."),
            ("/", "/"),
            ("abc", "abc"),
            ("abc/def/", "abc/def"),
            ("a/./b", "a/b"),
            ("/../a", "/a"),
            ("../../a", "../../a"),
            ("a/../../b", "../b"),
            ("/a//b/../c/.", "/a/c"),
            ("a/..", "."),
            ("/..", "/"),
            ("abc/def/../../..", ".."),
            ("..x/.y", "..x/.y"),
        ];
        let mut out = Vec::new();
        for (p, want) in cases {
            clean_path(p.as_bytes(), &mut out);
            assert_eq!(String::from_utf8_lossy(&out), *want, "Clean({:?})", p);
        }
    }

    #[test]
    fn skip_headers_fold_case() {
        for n in SKIP_HEADERS {
            let upper: Vec<u8> = n.iter().map(|c| c.to_ascii_uppercase()).collect();
            assert!(skip_header(&upper), "{:?}", n);
        }
        assert!(!skip_header(b"x-host"));
    }
}
