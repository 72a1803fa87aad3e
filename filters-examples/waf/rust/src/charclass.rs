//! The port of detect/charclass.go: the byte classes a value is summed
//! up by.
//!
//! A value's classes are the union of its bytes' classes, computed in one
//! pass when the value is built (see `Forms::build`): the lazy views, the
//! gates and the base64 search test it before they read the value, so
//! that a benign value ("red running shoes", a session id) is read by the
//! keyword scan and little else.

use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

/// A set of byte classes (Go's charClass). The bits are Go's, in Go's
/// order: the probe reports them as they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CharClass(pub u32);

impl CharClass {
    /// No class.
    pub const NONE: CharClass = CharClass(0);
    /// '%', '&', '\\' and non-ASCII bytes, which decodeOnce acts on in
    /// any value.
    pub const DECODE: CharClass = CharClass(1 << 0);
    /// '+', a space in the form encoding.
    pub const PLUS: CharClass = CharClass(1 << 1);
    pub const NUL: CharClass = CharClass(1 << 2);
    /// '/' and '*' together may open an SQL comment.
    pub const SLASH: CharClass = CharClass(1 << 3);
    pub const STAR: CharClass = CharClass(1 << 4);
    /// The bytes the shell view changes on.
    pub const SHELL: CharClass = CharClass(1 << 5);
    /// ' " `
    pub const QUOTE: CharClass = CharClass(1 << 6);
    /// CR, LF.
    pub const BREAK: CharClass = CharClass(1 << 7);
    /// Blanks other than ' ' (the low view makes them ' ').
    pub const CTL_SPACE: CharClass = CharClass(1 << 8);
    pub const SPACE: CharClass = CharClass(1 << 9);
    pub const UPPER: CharClass = CharClass(1 << 10);
    pub const LOWER: CharClass = CharClass(1 << 11);
    pub const EQUALS: CharClass = CharClass(1 << 12);
    /// The bytes sqlPunctuation starts a match on.
    pub const SQL_PUNCT: CharClass = CharClass(1 << 13);
    /// '(', ')' and '.', a call's parenthesis or a concatenation dot.
    pub const CALL_PUNCT: CharClass = CharClass(1 << 14);
    /// '#', which opens a comment in PHP, shells and MySQL.
    pub const HASH: CharClass = CharClass(1 << 15);
    /// '`' and '(' start the empty substitutions.
    pub const BACKTICK: CharClass = CharClass(1 << 16);
    pub const PAREN: CharClass = CharClass(1 << 17);
    /// No byte class: the value is long enough to hold a base64 run worth
    /// decoding (`base64::MIN_BASE64_RUN` bytes).
    pub const LONG: CharClass = CharClass(1 << 18);

    /// Says whether `self` holds every class of `want` (Go's has).
    pub fn has(self, want: CharClass) -> bool {
        self.0 & want.0 == want.0
    }

    /// Says whether `self` holds any class of `other` (Go's m&x != 0).
    pub fn any(self, other: CharClass) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for CharClass {
    type Output = CharClass;
    fn bitor(self, o: CharClass) -> CharClass {
        CharClass(self.0 | o.0)
    }
}

impl BitOrAssign for CharClass {
    fn bitor_assign(&mut self, o: CharClass) {
        self.0 |= o.0;
    }
}

impl BitAnd for CharClass {
    type Output = CharClass;
    fn bitand(self, o: CharClass) -> CharClass {
        CharClass(self.0 & o.0)
    }
}

impl BitAndAssign for CharClass {
    fn bitand_assign(&mut self, o: CharClass) {
        self.0 &= o.0;
    }
}

impl Not for CharClass {
    type Output = CharClass;
    fn not(self) -> CharClass {
        CharClass(!self.0)
    }
}

/// The classes of each byte (Go's byteClasses).
static BYTE_CLASSES: [u32; 256] = byte_classes();

const fn byte_classes() -> [u32; 256] {
    const fn set(mut t: [u32; 256], c: CharClass, bytes: &[u8]) -> [u32; 256] {
        let mut i = 0;
        while i < bytes.len() {
            t[bytes[i] as usize] |= c.0;
            i += 1;
        }
        t
    }
    let mut t = [0u32; 256];
    t = set(t, CharClass::DECODE, b"%&\\");
    let mut c = 0x80;
    while c < 0x100 {
        t[c] |= CharClass::DECODE.0;
        c += 1;
    }
    t = set(t, CharClass::PLUS, b"+");
    t = set(t, CharClass::NUL, b"\x00");
    t = set(t, CharClass::SLASH, b"/");
    t = set(t, CharClass::STAR, b"*");
    t = set(t, CharClass::SHELL, b"'\"\\^$`<>");
    t = set(t, CharClass::QUOTE, b"'\"`");
    t = set(t, CharClass::BREAK, b"\r\n");
    t = set(t, CharClass::CTL_SPACE, b"\t\n\r\x0b\x0c");
    t = set(t, CharClass::SPACE, b" ");
    t = set(t, CharClass::UPPER, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    t = set(t, CharClass::LOWER, b"abcdefghijklmnopqrstuvwxyz");
    t = set(t, CharClass::EQUALS, b"=");
    t = set(t, CharClass::SQL_PUNCT, b"=<>#|&@-!/");
    t = set(t, CharClass::CALL_PUNCT, b"().");
    t = set(t, CharClass::HASH, b"#");
    t = set(t, CharClass::BACKTICK, b"`");
    t = set(t, CharClass::PAREN, b"(");
    t
}

/// Returns the union of the classes of the bytes of `s` (Go's classesOf).
pub fn classes_of(s: &[u8]) -> CharClass {
    CharClass(s.iter().fold(0, |m, &c| m | BYTE_CLASSES[c as usize]))
}
