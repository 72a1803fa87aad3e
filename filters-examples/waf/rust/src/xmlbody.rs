//! The port of xmlbody.go: the text, attribute values, comments and
//! CDATA of an XML document, and declarations (<!DOCTYPE, <!ENTITY)
//! whole, where entity tricks live. The prolog and the markup itself are
//! not values: "<?xml" would read as a PHP open tag. A scanner, not a
//! parser: it must not give up on the malformed documents attacks send.

use crate::gostrings::{index, index_byte, trim_space};
use crate::target::{Kind, Target, Where};
use crate::targets::{Splitter, ValueSink};

impl Splitter {
    pub fn inspect_xml<S: ValueSink>(&mut self, mut s: &[u8], sink: &mut S) {
        while !s.is_empty() {
            let lt = match index_byte(s, b'<') {
                None => {
                    xml_text(s, sink);
                    return;
                }
                Some(lt) => lt,
            };
            xml_text(&s[..lt], sink);
            s = &s[lt..];
            s = if let Some(rest) = s.strip_prefix(b"<!--") {
                xml_section(rest, b"-->", Target::ARG_VALUE, sink)
            } else if let Some(rest) = s.strip_prefix(b"<![CDATA[") {
                xml_section(rest, b"]]>", Target::ARG_VALUE, sink)
            } else if s.starts_with(b"<!") {
                xml_section(s, b">", Target::BODY, sink)
            } else if s.starts_with(b"<?xml") {
                skip_past(s, b"?>")
            } else if s.starts_with(b"<?") {
                xml_section(s, b"?>", Target::ARG_VALUE, sink)
            } else {
                xml_tag(&s[1..], sink)
            };
        }
    }
}

fn xml_value<S: ValueSink>(t: Target, v: &[u8], sink: &mut S) {
    sink.value(t, Where::of(Kind::Xml), b"", v, false);
}

fn xml_text<S: ValueSink>(t: &[u8], sink: &mut S) {
    let t = trim_space(t);
    if !t.is_empty() {
        xml_value(Target::ARG_VALUE, t, sink);
    }
}

/// Inspects s up to end and returns what follows it.
fn xml_section<'a, S: ValueSink>(s: &'a [u8], end: &[u8], t: Target, sink: &mut S) -> &'a [u8] {
    match index(s, end) {
        None => {
            xml_value(t, s, sink);
            b""
        }
        Some(i) => {
            xml_value(t, &s[..i], sink);
            &s[i + end.len()..]
        }
    }
}

fn skip_past<'a>(s: &'a [u8], end: &[u8]) -> &'a [u8] {
    match index(s, end) {
        Some(i) => &s[i + end.len()..],
        None => b"",
    }
}

/// Inspects the quoted attribute values of a tag and returns what
/// follows the tag.
fn xml_tag<'a, S: ValueSink>(s: &'a [u8], sink: &mut S) -> &'a [u8] {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'>' => return &s[i + 1..],
            c @ (b'"' | b'\'') => match index_byte(&s[i + 1..], c) {
                None => {
                    xml_value(Target::ARG_VALUE, &s[i + 1..], sink);
                    return b"";
                }
                Some(end) => {
                    xml_value(Target::ARG_VALUE, &s[i + 1..i + 1 + end], sink);
                    i += end + 1;
                }
            },
            _ => {}
        }
        i += 1;
    }
    b""
}
