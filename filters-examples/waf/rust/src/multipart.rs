//! The port of multipart.go: each part of a multipart body, split by a
//! lenient splitter, not a validating parser: it has to see what a
//! lenient backend would accept.

use crate::gostrings::{
    equal_fold_ascii, index, to_lower_for_ascii_compare, trim_bytes, trim_prefix, trim_right_bytes,
    trim_space, trim_suffix,
};
use crate::request::cut_byte;
use crate::target::{Kind, Target, Where};
use crate::targets::{Splitter, ValueSink};

impl Splitter {
    /// Inspects each part of a multipart body: its field name, its file
    /// name and its content (parsed when the part declares a type other
    /// than plain text).
    pub fn inspect_multipart<S: ValueSink>(
        &mut self,
        body: &[u8],
        boundary: &[u8],
        depth: usize,
        sink: &mut S,
    ) {
        // strings.Split(body, "--"+boundary)[1:]: the text between one
        // delimiter and the next (or the end), the preamble left out.
        let delim_len = boundary.len() + 2;
        let mut rest = match index_delimiter(body, boundary) {
            None => return,
            Some(i) => &body[i + delim_len..],
        };
        loop {
            let (p, next) = match index_delimiter(rest, boundary) {
                Some(i) => (&rest[..i], Some(&rest[i + delim_len..])),
                None => (rest, None),
            };
            if p.starts_with(b"--") {
                break; // closing delimiter
            }
            self.inspect_part(trim_prefix(trim_prefix(p, b"\r"), b"\n"), depth, sink);
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    }

    fn inspect_part<S: ValueSink>(&mut self, p: &[u8], depth: usize, sink: &mut S) {
        let (head, content) = match cut_headers(p) {
            Some(hc) => hc,
            None => {
                sink.value(Target::BODY, Where::of(Kind::Body), b"", p, false);
                return;
            }
        };
        let content = trim_suffix(trim_suffix(content, b"\n"), b"\r");
        let (mut name, mut filename, mut ctype): (&[u8], &[u8], &[u8]) = (b"", b"", b"");
        // strings.Split(head, "\n"): an empty head is one empty line.
        for line in head.split(|&c| c == b'\n') {
            let (k, v, _) = cut_byte(trim_right_bytes(line, b"\r"), b':');
            to_lower_for_ascii_compare(trim_space(k), &mut self.lower);
            if self.lower == b"content-disposition" {
                name = disposition_param(v, b"name");
                filename = disposition_param(v, b"filename");
            } else if self.lower == b"content-type" {
                ctype = trim_space(v);
            }
        }
        sink.value(
            Target::ARG_NAME,
            Where::named(Kind::ArgName, name),
            name,
            name,
            false,
        );
        if !filename.is_empty() {
            sink.value(
                Target::FILENAME,
                Where::named(Kind::File, name),
                name,
                filename,
                false,
            );
        }
        if !ctype.is_empty() {
            to_lower_for_ascii_compare(ctype, &mut self.lower);
            if !self.lower.starts_with(b"text/plain") {
                self.inspect_typed(ctype, content, depth + 1, sink);
                return;
            }
        }
        sink.value(
            Target::ARG_VALUE,
            Where::named(Kind::Arg, name),
            name,
            content,
            false,
        );
    }
}

/// The index of the first "--" followed by boundary in s: strings.Index
/// of the delimiter, without writing the delimiter out.
fn index_delimiter(s: &[u8], boundary: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = index(&s[from..], b"--") {
        let at = from + k;
        if s[at + 2..].starts_with(boundary) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Splits a part at its first empty line.
fn cut_headers(p: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(i) = index(p, b"\r\n\r\n") {
        return Some((&p[..i], &p[i + 4..]));
    }
    index(p, b"\n\n").map(|i| (&p[..i], &p[i + 2..]))
}

/// A Content-Disposition parameter, quoted or not; "name" does not match
/// "filename".
fn disposition_param<'a>(mut v: &'a [u8], key: &[u8]) -> &'a [u8] {
    while !v.is_empty() {
        let (p, rest, _) = cut_byte(v, b';');
        v = rest;
        let (k, val, ok) = cut_byte(trim_space(p), b'=');
        if ok && equal_fold_ascii(trim_space(k), key) {
            return trim_bytes(trim_space(val), b"\"");
        }
    }
    b""
}
