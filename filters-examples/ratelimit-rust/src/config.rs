//! The filter's config: the Go filter's JSON object, read by a parser
//! of flat objects (the crate has no dependencies but `gojinn`, and the
//! config needs no more), with the Go filter's defaults and messages.

use crate::window::Window;

/// Where a request's key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The client's IP address, without the port.
    ClientAddr,
    /// The first value of a request header.
    Header(String),
    /// A chain variable an earlier filter set.
    Var(String),
}

/// The config, checked.
#[derive(Clone, Debug)]
pub struct Config {
    pub store: String,
    pub window: Window,
    pub key: KeySource,
    pub prefix: String,
}

/// A value of the config object: only what its members need.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Num(f64),
    Other,
}

impl Config {
    /// Reads the config, or says what is wrong with it (the load error).
    pub fn parse(text: &[u8]) -> Result<Config, String> {
        let members = parse_object(text).ok_or_else(|| "config is not valid JSON".to_string())?;
        // As gjson does in the Go filter, the first of two members of one
        // name counts.
        let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let string = |name: &str, default: &str| match get(name) {
            Some(Value::Str(s)) => s.clone(),
            _ => default.to_string(),
        };
        let limit = match get("limit") {
            Some(Value::Num(n)) if n.is_finite() => n.trunc() as i64,
            Some(Value::Str(s)) => s.trim().parse().unwrap_or(0),
            _ => 0,
        };
        if limit <= 0 {
            return Err("limit must be a positive number of requests".to_string());
        }
        let mut size_ns = 60 * NS_PER_SEC;
        if let Some(w) = get("window") {
            size_ns = match w {
                Value::Str(s) => parse_duration(s).filter(|&d| d >= NS_PER_SEC),
                _ => None,
            }
            .ok_or_else(|| "window must be a duration of at least 1s".to_string())?;
        }
        let key = match string("key", "client_addr").as_str() {
            "client_addr" => KeySource::ClientAddr,
            k => match k.split_once(':') {
                Some(("header", name)) if !name.is_empty() => KeySource::Header(name.to_string()),
                Some(("var", name)) if !name.is_empty() => KeySource::Var(name.to_string()),
                _ => {
                    return Err(
                        r#"key must be "client_addr", "header:<name>" or "var:<name>""#.to_string(),
                    )
                }
            },
        };
        Ok(Config {
            store: string("store", "default"),
            window: Window { limit, size_ns },
            key,
            prefix: string("prefix", "rl"),
        })
    }
}

pub const NS_PER_SEC: i64 = 1_000_000_000;

/// Parses a duration as Go's time.ParseDuration spells one ("90s",
/// "1m30s", "1.5h"; units ns, us, µs, ms, s, m, h), in nanoseconds; None
/// for anything else, a negative duration or one past i64.
fn parse_duration(s: &str) -> Option<i64> {
    let mut rest = s.as_bytes();
    if rest.is_empty() {
        return None;
    }
    if rest == b"0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .count();
        if digits == 0 {
            return None;
        }
        let n: f64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .iter()
            .take_while(|c| !(c.is_ascii_digit() || **c == b'.'))
            .count();
        let unit = match &rest[..unit_len] {
            b"ns" => 1.0,
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1e3, // us, µs (micro sign or mu)
            b"ms" => 1e6,
            b"s" => 1e9,
            b"m" => 60e9,
            b"h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * unit;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    Some(total as i64)
}

/// Parses a JSON object into its members in order, the values of
/// strings and numbers kept and any other (true, false, null, an array,
/// an object: no member the filter reads is one) checked and dropped;
/// None when the text is not a JSON object.
fn parse_object(text: &[u8]) -> Option<Vec<(String, Value)>> {
    let mut p = Parser {
        s: text,
        i: 0,
        depth: 0,
    };
    p.space();
    let mut members = Vec::new();
    p.object(|name, value| members.push((name, value)))?;
    p.space();
    if p.i != p.s.len() {
        return None;
    }
    Some(members)
}

/// How deep arrays and objects may nest: a bound on the parser's
/// recursion, far past any config.
const MAX_DEPTH: u32 = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then(|| ())
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<Value> {
        let end = self.i.checked_add(word.len())?;
        (self.s.get(self.i..end)? == word).then(|| ())?;
        self.i = end;
        Some(Value::Other)
    }

    /// An object, each member handed to member.
    fn object(&mut self, mut member: impl FnMut(String, Value)) -> Option<()> {
        self.eat(b'{')?;
        self.space();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.space();
            let name = self.string()?;
            self.space();
            self.eat(b':')?;
            self.space();
            let value = self.value()?;
            member(name, value);
            self.space();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// An array, its values checked and dropped.
    fn array(&mut self) -> Option<()> {
        self.eat(b'[')?;
        self.space();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.space();
            self.value()?;
            self.space();
            match self.next()? {
                b',' => continue,
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A nested array or object, checked and dropped.
    fn nested(&mut self, array: bool) -> Option<Value> {
        if self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let ok = if array {
            self.array()
        } else {
            self.object(|_, _| {})
        };
        self.depth -= 1;
        ok.map(|_| Value::Other)
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => self.string().map(Value::Str),
            b'[' => self.nested(true),
            b'{' => self.nested(false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A number as JSON's grammar has it, as its f64.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits1()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits1()?;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        text.parse().ok().map(Value::Num)
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn digits1(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then(|| ())
    }

    /// A string with its escapes decoded; None for a malformed one (a
    /// control character, a bad escape, a lone surrogate, bytes that are
    /// not UTF-8).
    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode()?,
                        _ => return None,
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                c if c < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    /// The character of a \u escape (its "u" read), a surrogate pair
    /// included.
    fn unicode(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if !(0xD800..0xE000).contains(&hi) {
            return char::from_u32(hi);
        }
        if hi >= 0xDC00 {
            return None;
        }
        self.eat(b'\\')?;
        self.eat(b'u')?;
        let lo = self.hex4()?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.i.checked_add(4)?;
        let text = std::str::from_utf8(self.s.get(self.i..end)?).ok()?;
        // from_str_radix takes a sign, which JSON does not.
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.i = end;
        u32::from_str_radix(text, 16).ok()
    }
}
