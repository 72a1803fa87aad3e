//! The filter's config, read as the Go filter (redactor/config.go) reads
//! it with encoding/json: the same members, defaults and checks, names
//! matched without regard to case as encoding/json matches them, null
//! leaving a member at its default, a later member of one name winning,
//! strings made UTF-8 byte by byte. A config one filter takes the other
//! takes, to the same settings (wasm_test.go holds them to it).

use crate::redactor::Options;

/// A parsed, checked config.
#[derive(Clone, Debug)]
pub struct Settings {
    pub options: Options,
    /// The media type patterns to redact, lower case.
    pub types: Vec<Vec<u8>>,
    /// The response header that gets the number of replacements; empty
    /// for none.
    pub count_header: String,
}

/// How a response body is redacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Not a configured content type.
    Skip,
    Text,
    Json,
}

const DEFAULT_TYPES: [&str; 3] = ["application/json", "application/*+json", "text/*"];

/// The config's members as given; None where absent or null.
#[derive(Default)]
struct Members {
    replacement: Option<Vec<u8>>,
    card_keep_last4: bool,
    emails: Option<bool>,
    cards: Option<bool>,
    content_types: Option<Vec<Vec<u8>>>,
    count_header: Option<Vec<u8>>,
}

impl Settings {
    /// Parses and checks the config; empty means all defaults. The error
    /// is the load error's text.
    pub fn parse(config: &[u8]) -> Result<Settings, String> {
        let mut m = Members::default();
        if !is_all_space(config) {
            read_members(config, &mut m).map_err(|e| format!("redact: config: {}", e))?;
        }
        let options = Options {
            emails: m.emails.unwrap_or(true),
            cards: m.cards.unwrap_or(true),
            replacement: m.replacement.unwrap_or_else(|| b"[redacted]".to_vec()),
            card_keep_last4: m.card_keep_last4,
        };
        if !options.emails && !options.cards {
            return Err("redact: config: emails and cards are both off: nothing to redact".into());
        }
        let mut count_header = "X-Redacted".to_string();
        if let Some(h) = m.count_header {
            if !h.is_empty() && !is_token(&h) {
                return Err("redact: config: count_header is not a valid header name".into());
            }
            // A token is ASCII.
            count_header = String::from_utf8(h).unwrap_or_default();
        }
        let given = match m.content_types {
            Some(t) if t.is_empty() => {
                return Err(
                    "redact: config: content_types is empty: nothing would be redacted".into(),
                )
            }
            Some(t) => t,
            None => DEFAULT_TYPES
                .iter()
                .map(|t| t.as_bytes().to_vec())
                .collect(),
        };
        let mut types = Vec::with_capacity(given.len());
        for t in given {
            let mut lowered = Vec::with_capacity(t.len());
            lower_into(&mut lowered, trim_space(&t));
            let t = lowered;
            if !valid_pattern(&t) {
                return Err(format!(
                    "redact: config: content_types: bad media type pattern {}",
                    quote(&t)
                ));
            }
            types.push(t);
        }
        Ok(Settings {
            options,
            types,
            count_header,
        })
    }

    /// How to redact a body whose Content-Type is ct; buf holds its
    /// lower case, kept between calls so that a response allocates nothing.
    pub fn mode_for(&self, ct: &[u8], buf: &mut Vec<u8>) -> Mode {
        let mt = match media_type(ct, buf) {
            Some(mt) => mt,
            None => return Mode::Skip,
        };
        for p in &self.types {
            if match_type(p, mt) {
                return if is_json_type(mt) {
                    Mode::Json
                } else {
                    Mode::Text
                };
            }
        }
        Mode::Skip
    }
}

/// ct's type/subtype, lower case (written into buf), without parameters;
/// None if ct is not of that shape.
fn media_type<'b>(ct: &[u8], buf: &'b mut Vec<u8>) -> Option<&'b [u8]> {
    let ct = match ct.iter().position(|&c| c == b';') {
        Some(i) => &ct[..i],
        None => ct,
    };
    buf.clear();
    lower_into(buf, ct);
    let ct = trim_space(buf);
    let slash = ct.iter().position(|&c| c == b'/')?;
    if slash == 0 || slash == ct.len() - 1 || !is_token(&ct[..slash]) || !is_token(&ct[slash + 1..])
    {
        return None;
    }
    Some(ct)
}

/// Accepts "type/subtype", "type/*", "type/*+suffix" and "*/*".
fn valid_pattern(p: &[u8]) -> bool {
    if p == b"*/*" {
        return true;
    }
    let slash = match p.iter().position(|&c| c == b'/') {
        Some(s) if s > 0 => s,
        _ => return false,
    };
    if !is_token(&p[..slash]) || &p[..slash] == b"*" {
        return false;
    }
    let sub = &p[slash + 1..];
    if sub == b"*" {
        return true;
    }
    if let Some(suffix) = sub.strip_prefix(b"*+") {
        return is_token(suffix);
    }
    is_token(sub) && !sub.contains(&b'*')
}

/// Matches a media type against a valid pattern.
fn match_type(p: &[u8], mt: &[u8]) -> bool {
    if p == b"*/*" || p == mt {
        return true;
    }
    let slash = p.iter().position(|&c| c == b'/').unwrap_or(0);
    if !mt.starts_with(&p[..slash + 1]) {
        return false;
    }
    let (sub, msub) = (&p[slash + 1..], &mt[slash + 1..]);
    if sub == b"*" {
        return true;
    }
    if sub.starts_with(b"*+") {
        return msub.ends_with(&sub[1..]) && msub.len() > sub.len() - 1;
    }
    false
}

/// Media types whose bodies are JSON texts, or streams of them: */json,
/// */*+json and the JSON Lines family.
fn is_json_type(mt: &[u8]) -> bool {
    let sub = match mt.iter().position(|&c| c == b'/') {
        Some(i) => &mt[i + 1..],
        None => mt,
    };
    matches!(
        sub,
        b"json" | b"x-ndjson" | b"ndjson" | b"jsonl" | b"x-jsonlines" | b"json-seq"
    ) || sub.ends_with(b"+json")
}

/// RFC 9110's token: one or more of letters, digits and !#$%&'*+-.^_`|~.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// Appends s lower-cased as Go's strings.ToLower does it where it matters here:
/// ASCII, and the two characters whose lower case is ASCII (KELVIN SIGN
/// to 'k', LATIN CAPITAL I WITH DOT ABOVE to 'i'). Any other non-ASCII
/// byte stays: it makes no token either way.
fn lower_into(out: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with("\u{212a}".as_bytes()) {
            out.push(b'k');
            i += 3;
        } else if s[i..].starts_with("\u{130}".as_bytes()) {
            out.push(b'i');
            i += 2;
        } else {
            out.push(s[i].to_ascii_lowercase());
            i += 1;
        }
    }
}

/// s without leading and trailing white space, Unicode's as Go's
/// bytes.TrimSpace has it (a byte that is not UTF-8 is not space).
fn trim_space(s: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some((c, n)) = decode(&s[start..]) {
        if !c.is_whitespace() {
            break;
        }
        start += n;
    }
    let mut end = s.len();
    while end > start {
        // The last character: back over continuation bytes.
        let mut k = end - 1;
        while k > start && end - k < 4 && s[k] & 0xc0 == 0x80 {
            k -= 1;
        }
        match decode(&s[k..end]) {
            Some((c, n)) if k + n == end && c.is_whitespace() => end = k,
            _ => break,
        }
    }
    &s[start..end]
}

fn is_all_space(s: &[u8]) -> bool {
    trim_space(s).is_empty()
}

/// The UTF-8 character at the start of s and its length; None for an
/// empty s or bytes that are not UTF-8.
fn decode(s: &[u8]) -> Option<(char, usize)> {
    let n = match *s.first()? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(s.get(..n)?).ok()?.chars().next()?;
    Some((c, n))
}

/// s in double quotes with Go's escapes for what is not printable ASCII,
/// as strconv.Quote puts a bad pattern in the error (the patterns are
/// short and the user's own).
fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut i = 0;
    while i < s.len() {
        match decode(&s[i..]) {
            Some((c, n)) => {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if (' '..='~').contains(&c) => out.push(c),
                    c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
                    c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push_str(&format!("\\U{:08x}", c as u32)),
                }
                i += n;
            }
            None => {
                out.push_str(&format!("\\x{:02x}", s[i]));
                i += 1;
            }
        }
    }
    out.push('"');
    out
}

/// Which member a name is, as encoding/json matches a name to a field:
/// exactly, else without regard to case (its folding: ASCII letters, and
/// the two characters that fold to one, ſ to S and KELVIN SIGN to K;
/// encoding/json does not fold ı or İ to I).
fn member(name: &[u8]) -> Option<Member> {
    const NAMES: [(&str, Member); 6] = [
        ("replacement", Member::Replacement),
        ("card_keep_last4", Member::CardKeepLast4),
        ("emails", Member::Emails),
        ("cards", Member::Cards),
        ("content_types", Member::ContentTypes),
        ("count_header", Member::CountHeader),
    ];
    if let Some((_, m)) = NAMES.iter().find(|(n, _)| n.as_bytes() == name) {
        return Some(*m);
    }
    let folded = fold(name);
    NAMES
        .iter()
        .find(|(n, _)| fold(n.as_bytes()) == folded)
        .map(|(_, m)| *m)
}

/// The config's members.
#[derive(Clone, Copy)]
enum Member {
    Replacement,
    CardKeepLast4,
    Emails,
    Cards,
    ContentTypes,
    CountHeader,
}

fn fold(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (c, n) = decode(&s[i..]).unwrap_or(('\u{fffd}', 1));
        let f = match c {
            '\u{17f}' => 'S',
            '\u{212a}' => 'K',
            c => c.to_ascii_uppercase(),
        };
        let mut b = [0u8; 4];
        out.extend_from_slice(f.encode_utf8(&mut b).as_bytes());
        i += n;
    }
    out
}

/// Reads the config object into m. A value of the wrong type, a name
/// that is no member, or anything not JSON is an error, as with
/// encoding/json's Decoder and DisallowUnknownFields; so is data after
/// the value, unless it starts with ']' or '}' (what Decoder.More
/// reports).
fn read_members(config: &[u8], m: &mut Members) -> Result<(), String> {
    let mut p = Parser { s: config, i: 0 };
    p.space();
    match p.peek() {
        Some(b'{') => {
            p.i += 1;
            p.space();
            if p.peek() == Some(b'}') {
                p.i += 1;
            } else {
                loop {
                    p.space();
                    let name = p.string()?;
                    p.space();
                    p.expect(b':')?;
                    p.space();
                    let which = member(&name)
                        .ok_or_else(|| format!("json: unknown field {}", quote(&name)))?;
                    p.member_value(which, m)?;
                    p.space();
                    match p.next() {
                        Some(b',') => continue,
                        Some(b'}') => break,
                        _ => return Err(p.syntax("after object key:value pair")),
                    }
                }
            }
        }
        Some(b'n') => p.literal(b"null")?,
        Some(_) => return Err("json: the config is not a JSON object".into()),
        None => return Err("unexpected EOF".into()),
    }
    p.space();
    match p.peek() {
        None | Some(b']') | Some(b'}') => Ok(()),
        Some(_) => Err("data after the JSON object".into()),
    }
}

/// A reader of the JSON a config may hold.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn syntax(&self, context: &str) -> String {
        // Called after next() took the offending byte, or ran past the end.
        match self.s.get(self.i.wrapping_sub(1)) {
            Some(&c) => format!("invalid character {} {}", quote(&[c]), context),
            None => "unexpected end of JSON input".into(),
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(self.syntax(&format!("where {:?} was expected", c as char)))
        }
    }

    fn literal(&mut self, lit: &[u8]) -> Result<(), String> {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(self.syntax("in literal"))
        }
    }

    /// A JSON string, decoded, each byte that is not UTF-8 made U+FFFD as
    /// encoding/json makes it.
    fn string(&mut self) -> Result<Vec<u8>, String> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            match self.next() {
                Some(b'"') => break,
                Some(b'\\') => match self.next() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        let hex = self.s.get(self.i..self.i + 4).unwrap_or(&[]);
                        if hex.len() < 4 || !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err("invalid character in \\u hexadecimal escape".into());
                        }
                        self.i += 4;
                    }
                    _ => return Err(self.syntax("in string escape code")),
                },
                Some(c) if c < 0x20 => return Err(self.syntax("in string literal")),
                Some(_) => {}
                None => return Err("unexpected end of JSON input".into()),
            }
        }
        let mut raw = Vec::new();
        crate::json::unescape(&mut raw, &self.s[start..self.i - 1]);
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            match decode(&raw[i..]) {
                Some((_, n)) => {
                    out.extend_from_slice(&raw[i..i + n]);
                    i += n;
                }
                None => {
                    out.extend_from_slice("\u{fffd}".as_bytes());
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    /// The value of member which, into m. null sets a member that is
    /// a pointer in the Go filter's Config back to absent (nil), and
    /// leaves card_keep_last4, a bool there, as it is.
    fn member_value(&mut self, which: Member, m: &mut Members) -> Result<(), String> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            match which {
                Member::Replacement => m.replacement = None,
                Member::CardKeepLast4 => {}
                Member::Emails => m.emails = None,
                Member::Cards => m.cards = None,
                Member::ContentTypes => m.content_types = None,
                Member::CountHeader => m.count_header = None,
            }
            return Ok(());
        }
        match which {
            Member::Replacement => m.replacement = Some(self.typed_string("replacement")?),
            Member::CardKeepLast4 => m.card_keep_last4 = self.boolean("card_keep_last4")?,
            Member::Emails => m.emails = Some(self.boolean("emails")?),
            Member::Cards => m.cards = Some(self.boolean("cards")?),
            Member::ContentTypes => m.content_types = Some(self.string_array("content_types")?),
            Member::CountHeader => m.count_header = Some(self.typed_string("count_header")?),
        }
        Ok(())
    }

    fn type_error(&self, field: &str, want: &str) -> String {
        format!(
            "json: cannot unmarshal a value into the {} of field {}",
            want, field
        )
    }

    fn typed_string(&mut self, field: &str) -> Result<Vec<u8>, String> {
        if self.peek() != Some(b'"') {
            return Err(self.type_error(field, "string"));
        }
        self.string()
    }

    fn boolean(&mut self, field: &str) -> Result<bool, String> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|_| true),
            Some(b'f') => self.literal(b"false").map(|_| false),
            _ => Err(self.type_error(field, "bool")),
        }
    }

    /// An array of strings; a null element is "", as encoding/json leaves
    /// a string it decodes null into.
    fn string_array(&mut self, field: &str) -> Result<Vec<Vec<u8>>, String> {
        if self.peek() != Some(b'[') {
            return Err(self.type_error(field, "[]string"));
        }
        self.i += 1;
        let mut out = Vec::new();
        self.space();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(out);
        }
        loop {
            self.space();
            if self.peek() == Some(b'n') {
                self.literal(b"null")?;
                out.push(Vec::new());
            } else {
                out.push(self.typed_string(field)?);
            }
            self.space();
            match self.next() {
                Some(b',') => continue,
                Some(b']') => return Ok(out),
                _ => return Err(self.syntax("after array element")),
            }
        }
    }
}
