//! The port of detect/base64.go: the base64 decodings of a value, which
//! some rules read for encoded payloads.

use crate::charclass::CharClass;
use crate::search::index_upper;

/// The shortest run worth decoding: six bytes of plain text, less than
/// any keyword worth finding.
pub const MIN_BASE64_RUN: usize = 8;

/// `base64Kind` classifies bytes of the base64 alphabets (standard and
/// URL): 0 outside. Runs worth decoding change case inside (an upper-case
/// letter after a lower-case one), as base64 of text does; words, even
/// capitalised ones, hex digests and numbers do not, and decoding them
/// finds nothing.
static BASE64_KIND: [u8; 256] = base64_kinds();

const KIND_LOWER: u8 = 1;
const KIND_UPPER: u8 = 2;
const KIND_OTHER: u8 = 3;

const fn base64_kinds() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 26 {
        t[b'a' as usize + c] = KIND_LOWER;
        t[b'A' as usize + c] = KIND_UPPER;
        c += 1;
    }
    let other = b"0123456789+/-_";
    let mut i = 0;
    while i < other.len() {
        t[other[i] as usize] = KIND_OTHER;
        i += 1;
    }
    t
}

fn kind(c: u8) -> u8 {
    BASE64_KIND[c as usize]
}

/// The base64 decodings of one value, built on demand and kept for every
/// rule that asks (Go's forms.b64done, b64raw, b64low and b64buf). The
/// buffers are kept across values: once grown, decoding allocates
/// nothing.
#[derive(Default)]
pub struct Base64Plains {
    done: bool,
    /// The decodings, each followed by its lower-cased twin.
    bytes: Vec<u8>,
    plains: Vec<Plain>,
    /// decode_run's scratch for the encoded text.
    buf: Vec<u8>,
}

/// Where one decoding is in `Base64Plains::bytes`: its `len` bytes at
/// `start`, its lower-cased twin right after.
#[derive(Clone, Copy)]
struct Plain {
    start: usize,
    len: usize,
}

/// The decodings of a value, as Go's base64Plains returns them: raw and
/// lower-cased, in the same order.
#[derive(Clone, Copy)]
pub struct Plains<'a> {
    bytes: &'a [u8],
    plains: &'a [Plain],
}

impl<'a> Plains<'a> {
    pub fn len(&self) -> usize {
        self.plains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plains.is_empty()
    }

    /// The `i`th decoding, its bytes as they are (for binary magic).
    pub fn raw(&self, i: usize) -> &'a [u8] {
        let p = self.plains[i];
        &self.bytes[p.start..p.start + p.len]
    }

    /// The `i`th decoding, ASCII lower-cased.
    pub fn low(&self, i: usize) -> &'a [u8] {
        let p = self.plains[i];
        &self.bytes[p.start + p.len..p.start + 2 * p.len]
    }
}

impl Base64Plains {
    /// Forgets the decodings of the last value (Go's forms.build resets).
    pub(crate) fn reset(&mut self) {
        self.done = false;
        self.bytes.clear();
        self.plains.clear();
    }

    /// `base64Plains`: decodes each base64 run of `dec` (standard or URL
    /// alphabet), once per value. A keyword can start on any byte of the
    /// plain text, so each run is decoded at all four alignments of the
    /// encoded stream: that finds a keyword cut out of a longer blob as
    /// well as a whole encoded value. `cls` are `dec`'s classes.
    pub(crate) fn plains(&mut self, dec: &[u8], cls: CharClass) -> Plains<'_> {
        if !self.done {
            self.done = true;
            // A run is decoded only if it changes case (see BASE64_KIND).
            if cls.has(CharClass::UPPER | CharClass::LOWER) {
                let mut from = 0;
                while let Some((start, end)) = next_mixed_run(dec, from) {
                    if end - start >= MIN_BASE64_RUN {
                        self.decode_run(&dec[start..end]);
                    }
                    from = end;
                }
            }
        }
        Plains {
            bytes: &self.bytes,
            plains: &self.plains,
        }
    }

    /// `decodeRun`: appends the decodings of `run` at the four alignments.
    fn decode_run(&mut self, run: &[u8]) {
        for shift in 0..4 {
            let buf = &mut self.buf;
            buf.clear();
            buf.extend_from_slice(&b"AAA"[..shift]);
            buf.extend(run.iter().map(|&c| match c {
                b'-' => b'+',
                b'_' => b'/',
                _ => c,
            }));
            // Complete the last quantum the way the encoder would have.
            match buf.len() % 4 {
                1 => {
                    buf.pop();
                }
                2 => buf.extend_from_slice(b"=="),
                3 => buf.push(b'='),
                _ => {}
            }
            let start = self.bytes.len();
            // Go skips a decoding that fails before its first byte; these
            // cannot fail: the run holds only the alphabet, padded as
            // the encoder pads, and trailing bits are ignored, as Go's
            // (non-strict) StdEncoding does.
            decode_padded(buf, &mut self.bytes);
            let len = self.bytes.len() - start;
            if len == 0 {
                continue;
            }
            self.bytes.extend_from_within(start..);
            self.bytes[start + len..].make_ascii_lowercase();
            self.plains.push(Plain { start, len });
        }
    }
}

/// The values of the standard alphabet's bytes; padding and bytes outside
/// are 0, which `decode_padded`'s callers never pass but the padding.
static STD_VALUES: [u8; 256] = std_values();

const fn std_values() -> [u8; 256] {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < alphabet.len() {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
}

/// Appends the decoding of `src` to `out`: whole quanta of the standard
/// alphabet, the last one padded with '=' to four bytes. A quantum of two
/// or three symbols gives one or two bytes, its trailing bits dropped.
fn decode_padded(src: &[u8], out: &mut Vec<u8>) {
    for quantum in src.chunks_exact(4) {
        let mut v = 0u32;
        let mut n = 0;
        for &c in quantum {
            if c == b'=' {
                break;
            }
            v = v << 6 | STD_VALUES[c as usize] as u32;
            n += 1;
        }
        v <<= 6 * (4 - n);
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        // n symbols carry 6n bits: n-1 whole bytes.
        out.extend_from_slice(&bytes[..n.max(1) - 1]);
    }
}

/// `nextMixedRun`: the bounds of the first run of the base64 alphabets
/// in `s[from..]` that changes case inside (see BASE64_KIND); `s[from]`
/// is not inside a run that starts before it. Runs are found from their
/// upper-case letters, which prose has few of, so that a value is not read
/// a byte at a time: an upper-case letter with a lower-case one before it
/// in its run is the sign. Nothing is read twice: the walk back from one
/// upper-case letter stops at the one before, the run before which held
/// no lower-case letter.
pub fn next_mixed_run(s: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut stop = from;
    while stop < s.len() {
        let q = stop + index_upper(&s[stop..])?;
        // j is one past the byte looked at.
        let mut j = q;
        while j > stop && matches!(kind(s[j - 1]), KIND_UPPER | KIND_OTHER) {
            j -= 1;
        }
        if j > stop && kind(s[j - 1]) == KIND_LOWER {
            let (mut start, mut end) = (j - 1, q + 1);
            while start > 0 && kind(s[start - 1]) != 0 {
                start -= 1;
            }
            while end < s.len() && kind(s[end]) != 0 {
                end += 1;
            }
            return Some((start, end));
        }
        stop = q + 1;
    }
    None
}

/// `containsAny`: says whether `b` holds one of the words of `words`.
/// Go sorts its byteWords by length to stop at the first word longer than
/// `b`; the lexicon's names are sorted alphabetically, so each is skipped
/// on its own when it is too long, which answers the same.
pub fn contains_any(b: &[u8], words: &crate::rules_table::Lexicon) -> bool {
    words
        .names
        .iter()
        .any(|w| w.len() <= b.len() && crate::lexicon::contains(b, w))
}
