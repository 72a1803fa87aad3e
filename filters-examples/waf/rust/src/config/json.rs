//! The JSON syntax the Go filter's config goes through: json.Decoder's
//! reading of one value (scan_value), and a reader of the tokens of a
//! value already scanned (Reader), which unquotes strings as
//! encoding/json does. Two passes, as in Go: a syntax error anywhere in
//! the value is reported before any type error, and the second pass can
//! skip a value it has no use for without checking it again.

use crate::decode::{decode_rune, push_rune};

/// encoding/json's maxNestingDepth: one more open object or array is a
/// syntax error.
const MAX_DEPTH: usize = 10000;

/// JSON's white space, the only bytes allowed between tokens.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// A byte as Go's scanner shows it in an error (quoteChar): the byte
/// taken as a rune (0xE9 is 'é'), quoted as strconv.Quote would.
fn show(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let mut b = [0u8; 4];
            let q = super::go_quote((c as char).encode_utf8(&mut b).as_bytes());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// A syntax error, in the words of Go's scanner (a SyntaxError's text
/// has no offset).
fn syntax(c: u8, context: &str) -> String {
    format!("invalid character {} {}", show(c), context)
}

const UNEXPECTED_EOF: &str = "unexpected EOF";

/// Finds the first JSON value in `data` as json.Decoder.Decode does and
/// returns where it starts and ends: leading white space is skipped, an
/// object or array ends at its closing bracket whatever follows it (the
/// decoder never reads further), and any other value must be followed by
/// white space or the end of the data. The value is checked all through;
/// the first syntax error is the answer.
pub(super) fn scan_value(data: &[u8]) -> Result<(usize, usize), String> {
    let mut s = Scanner { data, pos: 0 };
    s.skip_space();
    let start = s.pos;
    // The open objects ('{') and arrays ('[').
    let mut open: Vec<u8> = Vec::new();
    loop {
        // A value is expected at s.pos.
        s.skip_space();
        let c = s.peek().ok_or(UNEXPECTED_EOF)?;
        match c {
            b'{' | b'[' => {
                s.pos += 1;
                open.push(c);
                if open.len() > MAX_DEPTH {
                    return Err(syntax(c, "exceeded max depth"));
                }
                s.skip_space();
                let close = if c == b'{' { b'}' } else { b']' };
                if s.peek() == Some(close) {
                    s.pos += 1;
                    open.pop();
                } else {
                    if c == b'{' {
                        s.key()?;
                    }
                    continue;
                }
            }
            b'"' => s.string()?,
            b'-' | b'0'..=b'9' => s.number()?,
            b't' => s.literal(b"true")?,
            b'f' => s.literal(b"false")?,
            b'n' => s.literal(b"null")?,
            _ => return Err(syntax(c, "looking for beginning of value")),
        }
        // A value has ended: close the containers it ends, until one
        // takes a further element.
        loop {
            let inner = match open.last() {
                None => {
                    // The decoder stops at the first byte that cannot
                    // continue the value, and never reads what follows.
                    let end = s.pos;
                    return Ok((start, end));
                }
                Some(&inner) => inner,
            };
            s.skip_space();
            let c = s.peek().ok_or(UNEXPECTED_EOF)?;
            match (inner, c) {
                (b'{', b'}') | (b'[', b']') => {
                    s.pos += 1;
                    open.pop();
                }
                (_, b',') => {
                    s.pos += 1;
                    if inner == b'{' {
                        s.skip_space();
                        s.key()?;
                    }
                    break;
                }
                (b'{', _) => return Err(syntax(c, "after object key:value pair")),
                _ => return Err(syntax(c, "after array element")),
            }
        }
    }
}

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().map_or(false, is_space) {
            self.pos += 1;
        }
    }

    /// An object's key and its colon, leaving s.pos at the value.
    fn key(&mut self) -> Result<(), String> {
        match self.peek() {
            None => return Err(UNEXPECTED_EOF.to_string()),
            Some(b'"') => self.string()?,
            Some(c) => return Err(syntax(c, "looking for beginning of object key string")),
        }
        self.skip_space();
        match self.peek() {
            None => Err(UNEXPECTED_EOF.to_string()),
            Some(b':') => {
                self.pos += 1;
                self.skip_space();
                Ok(())
            }
            Some(c) => Err(syntax(c, "after object key")),
        }
    }

    /// A string literal: control bytes are refused, escapes checked, and
    /// any other byte, valid UTF-8 or not, taken.
    fn string(&mut self) -> Result<(), String> {
        self.pos += 1;
        loop {
            let c = self.peek().ok_or(UNEXPECTED_EOF)?;
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek().ok_or(UNEXPECTED_EOF)?;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            self.pos += 1;
                            for _ in 0..4 {
                                let h = self.peek().ok_or(UNEXPECTED_EOF)?;
                                if !h.is_ascii_hexdigit() {
                                    return Err(syntax(h, "in \\u hexadecimal character escape"));
                                }
                                self.pos += 1;
                            }
                        }
                        _ => return Err(syntax(e, "in string escape code")),
                    }
                }
                0..=0x1F => return Err(syntax(c, "in string literal")),
                _ => self.pos += 1,
            }
        }
    }

    /// A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            Some(c) => return Err(syntax(c, "in numeric literal")),
            None => return Err(UNEXPECTED_EOF.to_string()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.first_digit("after decimal point in numeric literal")?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.first_digit("in exponent of numeric literal")?;
        }
        Ok(())
    }

    fn first_digit(&mut self, context: &str) -> Result<(), String> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            Some(c) => Err(syntax(c, context)),
            None => Err(UNEXPECTED_EOF.to_string()),
        }
    }

    fn digits(&mut self) {
        while self.peek().map_or(false, |c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), String> {
        for &want in word {
            match self.peek() {
                None => return Err(UNEXPECTED_EOF.to_string()),
                Some(c) if c == want => self.pos += 1,
                Some(c) => {
                    let context = format!(
                        "in literal {} (expecting {})",
                        String::from_utf8_lossy(word),
                        show(want)
                    );
                    return Err(syntax(c, &context));
                }
            }
        }
        Ok(())
    }
}

/// What a JSON value is, by its first byte; `name` is how Go's type
/// errors call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Null => "null",
        }
    }
}

/// Reads the tokens of a value scan_value has accepted. The syntax is
/// not checked again: on input scan_value refused, the reader's answers
/// are meaningless (but it stays within the data).
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(value: &'a [u8]) -> Reader<'a> {
        Reader {
            data: value,
            pos: 0,
        }
    }

    fn peek(&self) -> u8 {
        self.data.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_space(&mut self) {
        while self.pos < self.data.len() && is_space(self.data[self.pos]) {
            self.pos += 1;
        }
    }

    /// The kind of the next value.
    pub(super) fn kind(&mut self) -> Kind {
        self.skip_space();
        match self.peek() {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// Skips the next value, of any depth, without recursion.
    pub(super) fn skip(&mut self) {
        self.skip_space();
        let mut depth = 0usize;
        loop {
            match self.peek() {
                b'"' => self.skip_string(),
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
            // Past a scalar or the bracket that closes the value.
            if depth == 0 {
                if self.pos > 0
                    && !matches!(self.data[self.pos - 1], b'{' | b'[' | b'"' | b'}' | b']')
                {
                    // A number or literal: to its last byte.
                    while self.pos < self.data.len()
                        && !matches!(self.data[self.pos], b',' | b'}' | b']')
                        && !is_space(self.data[self.pos])
                    {
                        self.pos += 1;
                    }
                }
                return;
            }
            if self.pos >= self.data.len() {
                return;
            }
        }
    }

    fn skip_string(&mut self) {
        self.pos += 1;
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// The text of the next value, a number.
    pub(super) fn number(&mut self) -> &'a [u8] {
        self.skip_space();
        let start = self.pos;
        while self.pos < self.data.len()
            && matches!(
                self.data[self.pos],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// Appends the next value, a string, to `out` unquoted as Go's
    /// unquoteBytes does: escapes are decoded, a \u escape of a lone
    /// surrogate (one not followed by the \u escape of its pair) is
    /// U+FFFD, and so is each byte that is not valid UTF-8.
    pub(super) fn string(&mut self, out: &mut Vec<u8>) {
        self.skip_space();
        self.pos += 1;
        while self.pos < self.data.len() {
            let c = self.data[self.pos];
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    let e = self.data.get(self.pos + 1).copied().unwrap_or(0);
                    self.pos += 2;
                    match e {
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0C),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let r = self.hex4(self.pos);
                            self.pos += 4;
                            let r = if (0xD800..0xE000).contains(&r) {
                                // A pair is a high half, then the \u escape
                                // of a low one; anything else leaves the
                                // next escape to be read on its own.
                                let next = self.escaped_unit(self.pos);
                                match next {
                                    Some(lo) if r < 0xDC00 && (0xDC00..0xE000).contains(&lo) => {
                                        self.pos += 6;
                                        0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00)
                                    }
                                    _ => 0xFFFD,
                                }
                            } else {
                                r
                            };
                            push_rune(out, r);
                        }
                        // '"', '\\' and '/' stand for themselves.
                        _ => out.push(e),
                    }
                }
                0..=0x7F => {
                    out.push(c);
                    self.pos += 1;
                }
                _ => {
                    let (r, w) = decode_rune(&self.data[self.pos..]);
                    push_rune(out, r);
                    self.pos += w;
                }
            }
        }
    }

    /// The four hex digits at `at` as a number.
    fn hex4(&self, at: usize) -> u32 {
        let mut r = 0;
        for i in at..at + 4 {
            let d = match self.data.get(i) {
                Some(&c) => (c as char).to_digit(16).unwrap_or(0),
                None => 0,
            };
            r = r * 16 + d;
        }
        r
    }

    /// The code unit of a \u escape at `at`, if one is there (Go's getu4).
    fn escaped_unit(&self, at: usize) -> Option<u32> {
        let s = self.data.get(at..at + 6)?;
        if s[0] != b'\\' || s[1] != b'u' || !s[2..].iter().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.hex4(at + 2))
    }

    /// Starts reading an object: its '{'.
    pub(super) fn begin(&mut self) {
        self.skip_space();
        self.pos += 1;
    }

    /// Moves to an object's next member, writing its key unquoted into
    /// `key`, or past the object's end: false.
    pub(super) fn next_key(&mut self, key: &mut Vec<u8>) -> bool {
        self.skip_space();
        if self.peek() == b',' {
            self.pos += 1;
            self.skip_space();
        }
        if self.peek() != b'"' {
            self.pos += 1;
            return false;
        }
        key.clear();
        self.string(key);
        self.skip_space();
        self.pos += 1;
        true
    }

    /// Moves to an array's next element, or past the array's end: false.
    pub(super) fn next_element(&mut self) -> bool {
        self.skip_space();
        if self.peek() == b',' {
            self.pos += 1;
            self.skip_space();
        }
        if self.peek() == b']' {
            self.pos += 1;
            return false;
        }
        true
    }
}
