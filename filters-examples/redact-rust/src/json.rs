//! Redaction of JSON, as redactor/json.go has it: a tokenizer that finds
//! the strings and numbers of one or more JSON texts, redacts strings
//! (decoding those with escapes first) and turns a card written as a
//! number into a string, so that valid JSON stays valid. Input that is not
//! JSON is redacted as text.

use crate::redactor::{
    is_card_number, push_json_string_content, push_masked, Redactor, State, CLASS, C_START, C_STOP,
};

impl Redactor {
    /// Redacts src as JSON: the redacted bytes, or None when nothing
    /// matched, and the number of replacements.
    pub fn json(&mut self, src: &[u8]) -> (Option<&[u8]>, usize) {
        let mut st = State::new(src, std::mem::take(&mut self.out));
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut text = std::mem::take(&mut self.text);
        let ok = self.walk(&mut st, &mut scratch, &mut text);
        self.scratch = scratch;
        self.text = text;
        if !ok {
            self.out = st.dst;
            return self.text(src);
        }
        self.finish(st)
    }

    /// Redacts the tokens of st.src into st; false means it is not JSON.
    /// scratch and text hold a decoded string and its redaction.
    fn walk(&self, st: &mut State<'_>, scratch: &mut Vec<u8>, text: &mut Vec<u8>) -> bool {
        let src = st.src;
        let mut i = 0;
        while i < src.len() {
            let c = src[i];
            match c {
                b' ' | b'\n' | b'\r' | b'\t' | b'{' | b'}' | b'[' | b']' | b',' | b':' => i += 1,
                b'"' => {
                    let saved = (st.dst.len(), st.last, st.n);
                    let (mut end, escaped) = match self.scan_string(st, i + 1) {
                        Some(v) => v,
                        None => return false,
                    };
                    if escaped {
                        // Undo what the plain pass replaced, and redact
                        // the decoded string instead.
                        st.dst.truncate(saved.0);
                        st.last = saved.1;
                        st.n = saved.2;
                        end = match string_end(src, end) {
                            Some(e) => e,
                            None => return false,
                        };
                        scratch.clear();
                        if !unescape(scratch, &src[i + 1..end]) {
                            return false;
                        }
                        let mut sub = State::new(scratch, std::mem::take(text));
                        self.scan(&mut sub, 0, scratch.len(), false);
                        let n = sub.n;
                        *text = sub.finish();
                        if n > 0 {
                            st.replace(i, end + 1, b"");
                            st.dst.push(b'"');
                            push_json_string_content(&mut st.dst, text);
                            st.dst.push(b'"');
                            st.n += n - 1;
                        }
                    }
                    i = end + 1;
                }
                b'-' | b'0'..=b'9' => {
                    let mut j = i + 1;
                    while j < src.len() && is_number_byte(src[j]) {
                        j += 1;
                    }
                    let num = &src[i..j];
                    if self.opts.cards
                        && (13..=19).contains(&num.len())
                        && num.iter().all(u8::is_ascii_digit)
                        && is_card_number(num)
                    {
                        st.replace(i, j, b"");
                        st.dst.push(b'"');
                        if self.opts.card_keep_last4 {
                            push_masked(&mut st.dst, num);
                        } else {
                            st.dst.extend_from_slice(&self.repl_json);
                        }
                        st.dst.push(b'"');
                    }
                    i = j;
                }
                b't' | b'f' | b'n' => {
                    let lit: &[u8] = match c {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    if !src[i..].starts_with(lit) {
                        return false;
                    }
                    i += lit.len();
                }
                _ => return false,
            }
        }
        true
    }

    /// Redacts the raw content of the string that starts at st.src[from],
    /// up to its closing quote: that quote's index and false. It stops
    /// early at the first backslash, returning its index and true: the
    /// caller then undoes its replacements and decodes the string. None
    /// for an unterminated string or a raw control byte.
    fn scan_string(&self, st: &mut State<'_>, from: usize) -> Option<(usize, bool)> {
        let src = st.src;
        let mut i = from;
        while i < src.len() {
            let c = src[i];
            let k = CLASS[c as usize];
            if k & (C_START | C_STOP) == 0 {
                i += 1;
                continue;
            }
            match c {
                b'"' => return Some((i, false)),
                b'\\' => return Some((i, true)),
                _ if k & C_STOP != 0 => return None,
                _ => {}
            }
            i = self.match_at(st, from, i, src.len(), true);
        }
        None
    }
}

fn is_number_byte(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')
}

/// The index of the closing quote of the string whose content starts at
/// src[i]; None for an unterminated string or a raw control byte.
fn string_end(src: &[u8], mut i: usize) -> Option<usize> {
    while i < src.len() {
        match src[i] {
            b'"' => return Some(i),
            b'\\' => i += 2,
            c if c < 0x20 => return None,
            _ => i += 1,
        }
    }
    None
}

/// Appends the decoded content of a JSON string to dst; false for a bad
/// escape. A lone surrogate becomes U+FFFD, as Go's encoding/json has it.
pub(crate) fn unescape(dst: &mut Vec<u8>, s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != b'\\' {
            dst.push(c);
            i += 1;
            continue;
        }
        if i + 1 >= s.len() {
            return false;
        }
        let d = match s[i + 1] {
            b'"' | b'\\' | b'/' => s[i + 1],
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let r = match hex4(s, i + 2) {
                    Some(r) => r,
                    None => return false,
                };
                i += 6;
                let mut ch = char::from_u32(r);
                if (0xd800..0xe000).contains(&r) {
                    ch = None;
                    // A high surrogate followed by an escaped low one is
                    // one character.
                    if (0xd800..0xdc00).contains(&r)
                        && i + 1 < s.len()
                        && s[i] == b'\\'
                        && s[i + 1] == b'u'
                    {
                        if let Some(r2) = hex4(s, i + 2) {
                            if (0xdc00..0xe000).contains(&r2) {
                                ch = char::from_u32(0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00));
                                i += 6;
                            }
                        }
                    }
                }
                let mut b = [0u8; 4];
                dst.extend_from_slice(ch.unwrap_or('\u{fffd}').encode_utf8(&mut b).as_bytes());
                continue;
            }
            _ => return false,
        };
        dst.push(d);
        i += 2;
    }
    true
}

/// The four hex digits at s[i..].
fn hex4(s: &[u8], i: usize) -> Option<u32> {
    let h = s.get(i..i + 4)?;
    let mut r = 0;
    for &c in h {
        r = r << 4 | (c as char).to_digit(16)?;
    }
    Some(r)
}
