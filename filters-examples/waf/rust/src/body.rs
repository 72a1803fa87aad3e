//! The port of body.go: the body inspected by its declared type.

use crate::gostrings::{
    equal_fold_ascii, to_lower_for_ascii_compare, trim_bytes, trim_right_bytes, trim_space,
};
use crate::request::{cut_byte, Request};
use crate::target::{Kind, Target, Where};
use crate::targets::{Splitter, ValueSink};

/// Bounds recursion into multipart parts holding JSON or XML.
pub const MAX_NESTING: usize = 2;

/// What became of the body (Result.BodySkipped and BodyTruncated).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct BodyFlags {
    /// The request had a body the engine could not have.
    pub skipped: bool,
    /// Only the first max_body_bytes of the body were inspected.
    pub truncated: bool,
}

/// The media types inspectTyped tells apart.
enum Media {
    Form,
    Multipart,
    Json,
    Xml,
    Text,
    Other,
}

impl Splitter {
    /// Inspects the body by its declared type. A body without a type is
    /// read as a form, as PHP and most frameworks do; types the engine
    /// cannot parse are inspected as one raw value.
    pub fn inspect_body<S: ValueSink>(
        &mut self,
        r: &Request<'_>,
        max_body_bytes: i64,
        sink: &mut S,
    ) -> BodyFlags {
        let mut flags = BodyFlags::default();
        if r.body_unread {
            flags.skipped = true;
            return flags;
        }
        if r.body.is_empty() || max_body_bytes < 0 {
            return flags;
        }
        let mut body = r.body;
        if body.len() as u64 > max_body_bytes as u64 {
            body = &body[..max_body_bytes as usize];
            flags.truncated = true;
        }
        let ct = r.header(b"content-type").unwrap_or(b"");
        self.inspect_typed(ct, body, 0, sink);
        flags
    }

    /// Dispatches on a content type; depth counts multipart nesting.
    pub fn inspect_typed<S: ValueSink>(
        &mut self,
        content_type: &[u8],
        body: &[u8],
        depth: usize,
        sink: &mut S,
    ) {
        let (media, params, _) = cut_byte(content_type, b';');
        let media = self.classify(trim_space(media));
        let raw = |sink: &mut S| sink.value(Target::BODY, Where::of(Kind::Body), b"", body, false);
        match media {
            Media::Form => self.inspect_form(
                trim_right_bytes(body, b"\r\n"),
                Target::ARG_NAME,
                Target::ARG_VALUE,
                sink,
            ),
            Media::Multipart => {
                let b = boundary(params);
                if !b.is_empty() && depth < MAX_NESTING {
                    self.inspect_multipart(body, b, depth, sink);
                    return;
                }
                raw(sink);
            }
            Media::Json => {
                if !self.inspect_json(body, sink) {
                    raw(sink);
                }
            }
            Media::Xml => self.inspect_xml(body, sink),
            Media::Text => {
                // Plain text often carries a form anyway; a raw look
                // catches what spans the separators.
                raw(sink);
                self.inspect_form(
                    trim_right_bytes(body, b"\r\n"),
                    Target::ARG_NAME,
                    Target::ARG_VALUE,
                    sink,
                );
            }
            Media::Other => raw(sink),
        }
    }

    /// The case of inspectTyped's switch a trimmed media type falls in,
    /// compared lower-cased as Go's strings.ToLower has it.
    fn classify(&mut self, media: &[u8]) -> Media {
        to_lower_for_ascii_compare(media, &mut self.lower);
        let m = &self.lower[..];
        if m.is_empty() || m == b"application/x-www-form-urlencoded" {
            Media::Form
        } else if m == b"multipart/form-data" || m == b"multipart/mixed" {
            Media::Multipart
        } else if m == b"application/json" || m.ends_with(b"+json") {
            Media::Json
        } else if m.ends_with(b"/xml") || m.ends_with(b"+xml") {
            Media::Xml
        } else if m == b"text/plain" {
            Media::Text
        } else {
            Media::Other
        }
    }
}

/// The multipart boundary of content-type parameters, empty if none.
pub fn boundary(mut params: &[u8]) -> &[u8] {
    while !params.is_empty() {
        let (p, rest, _) = cut_byte(params, b';');
        params = rest;
        let (k, v, ok) = cut_byte(trim_space(p), b'=');
        if ok && equal_fold_ascii(k, b"boundary") {
            return trim_bytes(v, b"\"");
        }
    }
    b""
}
