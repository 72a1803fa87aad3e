//! `probe_values`: a request split into the values the rules inspect
//! (waf_detect::targets and the files beside it), with the protocol
//! checks it fails and what became of its body.
//!
//! Integers are little-endian; a byte string is its u32 length, then its
//! bytes; a flag is one byte, 1 or 0.
//!
//! Input: method, uri (byte strings); u32 count of headers, then each
//! header's name and value (byte strings), in order; body (byte string);
//! body-unread (flag); max_body_bytes (i64); u32 count of allowed
//! methods, then each (byte string).
//!
//! Output: u32 count of values, then for each call of ValueSink::value in
//! order: target (u16), where's kind and name, arg, raw (byte strings),
//! plus (flag); u32 count of failed protocol checks, then each one's id
//! and place (byte strings, the place joined as Match.Where has it);
//! body skipped, body truncated (flags). A malformed input traps.

use std::cell::RefCell;

use waf_detect::body::BodyFlags;
use waf_detect::protocol::failed_checks;
use waf_detect::request::{Header, Request};
use waf_detect::target::{Target, Where};
use waf_detect::targets::{Splitter, ValueSink};

thread_local! {
    // One splitter for every call, as the engine keeps one from request
    // to request: a call must not see what an earlier one left in it.
    static SPLITTER: RefCell<Splitter> = RefCell::new(Splitter::new());
}

/// Reads the input's fields in order.
pub(crate) struct Reader<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> &'a [u8] {
        assert!(self.rest.len() >= n, "probe_values: input ends early");
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        head
    }

    pub(crate) fn u32(&mut self) -> u32 {
        let b = self.take(4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    pub(crate) fn i64(&mut self) -> i64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8));
        i64::from_le_bytes(b)
    }

    pub(crate) fn bytes(&mut self) -> &'a [u8] {
        let n = self.u32() as usize;
        self.take(n)
    }

    pub(crate) fn flag(&mut self) -> bool {
        match self.take(1)[0] {
            0 => false,
            1 => true,
            f => panic!("probe_values: flag byte {}", f),
        }
    }
}

/// A request as the probes' inputs give it, owning only its list of
/// headers; `request` borrows it as the engine takes one.
pub(crate) struct RequestInput<'a> {
    method: &'a [u8],
    uri: &'a [u8],
    headers: Vec<Header<'a>>,
    body: &'a [u8],
    body_unread: bool,
}

impl<'a> RequestInput<'a> {
    /// Reads method, uri, the u32 count of headers and each one's name
    /// and value, body and body-unread: the order every probe's input
    /// puts a request in.
    pub(crate) fn read(rd: &mut Reader<'a>) -> Self {
        let method = rd.bytes();
        let uri = rd.bytes();
        let headers = (0..rd.u32())
            .map(|_| Header {
                name: rd.bytes(),
                value: rd.bytes(),
            })
            .collect();
        RequestInput {
            method,
            uri,
            headers,
            body: rd.bytes(),
            body_unread: rd.flag(),
        }
    }

    pub(crate) fn request(&self) -> Request<'_> {
        Request {
            method: self.method,
            uri: self.uri,
            headers: &self.headers,
            body: self.body,
            body_unread: self.body_unread,
        }
    }
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Records each value as the output lists it, counting them.
struct Recorder<'o> {
    out: &'o mut Vec<u8>,
    n: u32,
}

impl ValueSink for Recorder<'_> {
    fn value(&mut self, target: Target, at: Where<'_>, arg: &[u8], raw: &[u8], plus: bool) {
        self.n += 1;
        self.out.extend_from_slice(&target.0.to_le_bytes());
        put_bytes(self.out, at.kind.prefix());
        put_bytes(self.out, at.name);
        put_bytes(self.out, arg);
        put_bytes(self.out, raw);
        self.out.push(plus as u8);
    }
}

#[no_mangle]
pub extern "C" fn probe_values(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let mut rd = Reader { rest: input };
        let req = RequestInput::read(&mut rd);
        let max_body_bytes = rd.i64();
        let allowed: Vec<Vec<u8>> = (0..rd.u32()).map(|_| rd.bytes().to_vec()).collect();
        assert!(
            rd.rest.is_empty(),
            "probe_values: {} bytes past the input",
            rd.rest.len()
        );
        let r = req.request();

        out.extend_from_slice(&[0; 4]); // the count of values, set below
        let mut rec = Recorder { out, n: 0 };
        let flags: BodyFlags =
            SPLITTER.with(|s| s.borrow_mut().split(&r, max_body_bytes, &mut rec));
        let n = rec.n;
        out[..4].copy_from_slice(&n.to_le_bytes());

        let count_at = out.len();
        out.extend_from_slice(&[0; 4]);
        let mut hits = 0u32;
        let mut place = Vec::new();
        for (check, at) in failed_checks(&r, &allowed) {
            hits += 1;
            put_bytes(out, check.id.as_bytes());
            place.clear();
            at.write_to(&mut place);
            put_bytes(out, &place);
        }
        out[count_at..count_at + 4].copy_from_slice(&hits.to_le_bytes());
        out.push(flags.skipped as u8);
        out.push(flags.truncated as u8);
    })
}
