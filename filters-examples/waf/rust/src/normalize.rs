//! The port of detect/normalize.go: the normalised views of one inspected
//! value.
//!
//! Each attack class looks at the view its payloads survive in: SQL
//! comments split keywords, shell quotes split command names, and so on.
//! The decoded view is built for every value; the others when a rule
//! first asks, since most values interest no rule. Views are shared by
//! every rule.
//!
//! Where the Go engine keeps the views of a request's values in an arena,
//! so that a request allocates a few chunks rather than an object per
//! view, a `Forms` keeps one buffer per view and reuses it for every value
//! (and request): once the buffers have grown to the values' size, building
//! views allocates nothing. A view that equals the one it is built from is
//! not copied, as in Go, where it is the same string.

use crate::base64::{Base64Plains, Plains, MIN_BASE64_RUN};
use crate::charclass::{classes_of, CharClass};
use crate::decode::Decoder;
use crate::search::index_byte;

/// Go's sqlWords values.
pub const SQL_WORDS_UNKNOWN: u8 = 0;
pub const SQL_WORDS_ABSENT: u8 = 1;

/// Where a lazy view's bytes are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// Not built for this value.
    Unbuilt,
    /// The same bytes as the view it is built from.
    Same,
    /// Its own buffer.
    Own,
}

/// The normalised views of one inspected value (Go's forms).
pub struct Forms {
    /// The fully decoded value, NUL bytes removed, case kept.
    dec: Vec<u8>,
    /// The classes of dec's bytes.
    cls: CharClass,
    /// Says dec holds "/*", so that the sql view differs.
    comment: bool,
    /// dec lower-cased with every whitespace run made one space.
    low: Vec<u8>,
    low_at: View,
    /// low with /* */ comments replaced by a space.
    sql: Vec<u8>,
    sql_at: View,
    /// low with shell and cmd.exe quoting removed: quotes, backslashes,
    /// carets, empty expansions ($@, $*, ${x}) and $IFS.
    cmd: Vec<u8>,
    cmd_at: View,
    /// The rules' cache of sqlShaped: 0 unknown, 1 no, 2 yes.
    pub sql_shape: u8,
    /// SQL_WORDS_ABSENT when the keyword scan found no word of the SQL
    /// gate list in the sql view, SQL_WORDS_UNKNOWN otherwise.
    pub sql_words: u8,
    b64: Base64Plains,
    decoder: Decoder,
    /// removeEmptySubstitutions' output, when it removes anything.
    unsubst: Vec<u8>,
}

impl Default for Forms {
    fn default() -> Forms {
        Forms {
            dec: Vec::new(),
            cls: CharClass::NONE,
            comment: false,
            low: Vec::new(),
            low_at: View::Unbuilt,
            sql: Vec::new(),
            sql_at: View::Unbuilt,
            cmd: Vec::new(),
            cmd_at: View::Unbuilt,
            sql_shape: 0,
            sql_words: SQL_WORDS_UNKNOWN,
            b64: Base64Plains::default(),
            decoder: Decoder::default(),
            unsubst: Vec::new(),
        }
    }
}

impl Forms {
    /// Makes the views those of `raw`; `plus` says whether '+' means
    /// space in it (query strings and form bodies). The lazy views are
    /// built when first asked for.
    pub fn build(&mut self, raw: &[u8], plus: bool) {
        let mut cls = classes_of(raw);
        self.dec.clear();
        // The test needsDecode makes, from the summary.
        if cls.any(CharClass::DECODE) || (plus && cls.any(CharClass::PLUS)) {
            self.decoder.append_decode_all(&mut self.dec, raw, plus);
            cls = classes_of(&self.dec);
        } else {
            self.dec.extend_from_slice(raw);
        }
        if cls.any(CharClass::NUL) {
            self.dec.retain(|&c| c != 0);
            cls &= !CharClass::NUL;
        }
        if self.dec.len() >= MIN_BASE64_RUN {
            cls |= CharClass::LONG;
        }
        self.cls = cls;
        self.comment = cls.has(CharClass::SLASH | CharClass::STAR) && contains_comment(&self.dec);
        self.low_at = View::Unbuilt;
        self.sql_at = View::Unbuilt;
        self.cmd_at = View::Unbuilt;
        self.sql_shape = 0;
        self.sql_words = SQL_WORDS_UNKNOWN;
        self.b64.reset();
    }

    /// The decoded view.
    pub fn dec(&self) -> &[u8] {
        &self.dec
    }

    /// The classes of the decoded view's bytes.
    pub fn cls(&self) -> CharClass {
        self.cls
    }

    /// Says whether the decoded view holds "/*".
    pub fn comment(&self) -> bool {
        self.comment
    }

    /// `lowered`: builds the low view if it is not yet, and returns it.
    pub fn lowered(&mut self) -> &[u8] {
        self.build_low();
        self.low()
    }

    /// `sqlText`: builds the sql view if it is not yet, and returns it.
    pub fn sql_text(&mut self) -> &[u8] {
        self.build_sql();
        self.sql()
    }

    /// `cmdText`: builds the cmd view if it is not yet, and returns it.
    pub fn cmd_text(&mut self) -> &[u8] {
        self.build_cmd();
        self.cmd()
    }

    /// The low view, once built (by `lowered` or a view built on it); the
    /// accessors let a caller hold several views at once.
    pub fn low(&self) -> &[u8] {
        debug_assert!(
            self.low_at != View::Unbuilt,
            "the low view is read before it is built"
        );
        match self.low_at {
            View::Own => &self.low,
            _ => &self.dec,
        }
    }

    /// The sql view, once built by `sql_text`.
    pub fn sql(&self) -> &[u8] {
        debug_assert!(
            self.sql_at != View::Unbuilt,
            "the sql view is read before it is built"
        );
        match self.sql_at {
            View::Own => &self.sql,
            _ => self.low(),
        }
    }

    /// The cmd view, once built by `cmd_text`.
    pub fn cmd(&self) -> &[u8] {
        debug_assert!(
            self.cmd_at != View::Unbuilt,
            "the cmd view is read before it is built"
        );
        match self.cmd_at {
            View::Own => &self.cmd,
            _ => self.low(),
        }
    }

    fn build_low(&mut self) {
        if self.low_at != View::Unbuilt {
            return;
        }
        self.low_at = View::Same;
        // Without upper case and blanks other than ' ', only a run of
        // spaces can change; without spaces, nothing.
        if self.cls.any(CharClass::UPPER | CharClass::CTL_SPACE)
            || (self.cls.any(CharClass::SPACE) && has_double(&self.dec, b' '))
        {
            self.low.clear();
            append_fold_space(&mut self.low, &self.dec);
            self.low_at = View::Own;
        }
    }

    fn build_sql(&mut self) {
        if self.sql_at != View::Unbuilt {
            return;
        }
        self.build_low();
        self.sql_at = View::Same;
        if self.sql_differs() {
            let low = match self.low_at {
                View::Own => &self.low,
                _ => &self.dec,
            };
            self.sql.clear();
            append_sql_stripped(&mut self.sql, low);
            self.sql_at = View::Own;
        }
    }

    fn build_cmd(&mut self) {
        if self.cmd_at != View::Unbuilt {
            return;
        }
        self.build_low();
        self.cmd_at = View::Same;
        if self.cmd_differs() {
            let mut s: &[u8] = match self.low_at {
                View::Own => &self.low,
                _ => &self.dec,
            };
            if self.cls.any(CharClass::BACKTICK | CharClass::PAREN) {
                // Empty substitutions run nothing and vanish: pi$()ng is
                // ping.
                self.unsubst.clear();
                if append_without_empty_substitutions(&mut self.unsubst, s) {
                    s = &self.unsubst;
                }
            }
            self.cmd.clear();
            append_unquote_shell(&mut self.cmd, s);
            self.cmd_at = View::Own;
        }
    }

    /// `sqlDiffers`: says whether the sql view can differ from the low
    /// one, without building it. The low view holds the same punctuation
    /// as dec.
    pub fn sql_differs(&self) -> bool {
        self.comment
    }

    /// `cmdDiffers`: says whether the cmd view can differ from the low
    /// one, without building it.
    pub fn cmd_differs(&self) -> bool {
        self.cls.any(CharClass::SHELL)
    }

    /// `base64Plains`: the base64 decodings of the decoded view, computed
    /// once per value for every rule that asks.
    pub fn base64_plains(&mut self) -> Plains<'_> {
        self.b64.plains(&self.dec, self.cls)
    }
}

/// Says whether `s` holds "/*" (Go's strings.Contains(dec, "/*")).
fn contains_comment(s: &[u8]) -> bool {
    s.windows(2).any(|w| w == b"/*")
}

/// The index of the first "*/" in `s` (Go's strings.Index(s, "*/")).
fn index_comment_end(s: &[u8]) -> Option<usize> {
    s.windows(2).position(|w| w == b"*/")
}

/// `hasDouble`: says whether `s` holds `c` twice in a row, through
/// index_byte.
pub fn has_double(s: &[u8], c: u8) -> bool {
    let mut i = 0;
    while let Some(k) = index_byte(&s[i..], c) {
        i += k;
        if i + 1 < s.len() && s[i + 1] == c {
            return true;
        }
        i += 1;
    }
    false
}

/// Go's isSpace: the ASCII blanks.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `foldByte`: what append_fold_space makes of each byte.
static FOLD_BYTE: [u8; 256] = fold_bytes();

const fn fold_bytes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => b' ',
            b'A'..=b'Z' => b + (b'a' - b'A'),
            _ => b,
        };
        c += 1;
    }
    t
}

/// `appendFoldSpace`: appends `s` to `dst` with ASCII lower-cased and
/// each whitespace run collapsed to one space.
pub fn append_fold_space(dst: &mut Vec<u8>, s: &[u8]) {
    dst.reserve(s.len());
    let mut blank = false;
    for &b in s {
        let c = FOLD_BYTE[b as usize];
        if c == b' ' {
            if blank {
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        dst.push(c);
    }
}

/// `appendSQLStripped`: appends `s` to `dst` with each /* ... */
/// replaced by a space (MySQL's /*! ... */ keeps its body, since MySQL
/// runs it), so that keywords split by comments meet again.
pub fn append_sql_stripped(dst: &mut Vec<u8>, s: &[u8]) {
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'/' && i + 1 < s.len() && s[i + 1] == b'*' {
            let end = index_comment_end(&s[i + 2..]);
            if i + 2 < s.len() && s[i + 2] == b'!' {
                // Executable comment: drop the markers and any version.
                let mut j = i + 3;
                while j < s.len() && s[j].is_ascii_digit() {
                    j += 1;
                }
                dst.push(b' ');
                let end = match end {
                    Some(end) => end,
                    None => {
                        dst.extend_from_slice(&s[j..]);
                        return;
                    }
                };
                dst.extend_from_slice(&s[j..i + 2 + end]);
                dst.push(b' ');
                i += 2 + end + 2;
                continue;
            }
            dst.push(b' ');
            match end {
                Some(end) => i += 2 + end + 2,
                None => return,
            }
            continue;
        }
        dst.push(s[i]);
        i += 1;
    }
}

/// `appendUnquoteShell`: appends `s` to `dst` with the tricks shells and
/// cmd.exe accept inside a command name undone: c'a't, c\at, c""at, c^at,
/// c$@at, c${x}at and ${IFS} for a space. The result is not a faithful
/// parse; it only has to bring the command words back together for
/// matching. The empty substitutions are removed first
/// (append_without_empty_substitutions).
pub fn append_unquote_shell(dst: &mut Vec<u8>, s: &[u8]) {
    dst.reserve(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b'\'' | b'"' | b'\\' | b'^' => {
                i += 1;
                continue;
            }
            b'$' => {
                let n = empty_expansion(&s[i..]);
                if n > 0 {
                    i += n;
                    continue;
                }
                let rest = &s[i..];
                if rest.starts_with(b"${ifs}") {
                    dst.push(b' ');
                    i += b"${ifs}".len();
                    continue;
                }
                if rest.starts_with(b"$ifs") {
                    dst.push(b' ');
                    i += b"$ifs".len();
                    continue;
                }
            }
            _ => {}
        }
        dst.push(c);
        i += 1;
    }
}

/// `removeEmptySubstitutions`: appends `s` to `dst` without its empty
/// substitutions (a pair of backticks, "$()", "<()" and ">()"), removed
/// left to right as a strings.Replacer of the four would, and returns
/// true; or returns false, leaving `dst` as it is, when `s` holds none.
pub fn append_without_empty_substitutions(dst: &mut Vec<u8>, s: &[u8]) -> bool {
    let mut found = false;
    let mut last = 0;
    let mut i = 0;
    while i + 1 < s.len() {
        let n = match s[i] {
            b'`' if s[i + 1] == b'`' => 2,
            b'$' | b'<' | b'>' if s[i + 1] == b'(' && i + 2 < s.len() && s[i + 2] == b')' => 3,
            _ => 0,
        };
        if n == 0 {
            i += 1;
            continue;
        }
        found = true;
        dst.extend_from_slice(&s[last..i]);
        i += n;
        last = i;
    }
    if found {
        dst.extend_from_slice(&s[last..]);
    }
    found
}

/// `emptyExpansion`: the length of a shell expansion at the start of `s`
/// that is empty in practice ($@, $*, $!, $1-$9, ${x} with a short name,
/// $u), or 0.
pub fn empty_expansion(s: &[u8]) -> usize {
    if s.len() < 2 {
        return 0;
    }
    match s[1] {
        b'@' | b'*' | b'!' | b'?' | b'_' | b'$' | b'1'..=b'9' => 2,
        b'{' => match index_byte(s, b'}') {
            Some(end)
                if end > 2
                    && end <= 14
                    && !s[2..end].iter().any(|c| b":{$ ".contains(c))
                    && &s[2..end] != b"ifs" =>
            {
                end + 1
            }
            _ => 0,
        },
        _ => 0,
    }
}
