//! `probe_views`: the views of waf_detect::normalize and base64 of one
//! value.
//!
//! Input: one flag byte (1: '+' is a space), then the raw value. Output,
//! each byte string as a u32 little-endian length and its bytes, each
//! number as a u32 little-endian: dec, the class bits, one byte each for
//! the comment flag, sqlDiffers and cmdDiffers, then low, sql and cmd,
//! then the number of base64 decodings and each decoding's raw and
//! lower-cased bytes in turn.

use std::cell::RefCell;

use waf_detect::normalize::Forms;

thread_local! {
    // One Forms for every call, as the engine keeps one for every value:
    // a value must not see what an earlier one left in its buffers.
    static FORMS: RefCell<Forms> = RefCell::new(Forms::default());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

#[no_mangle]
pub extern "C" fn probe_views(len: u32) -> u64 {
    crate::run(len, |input, out| {
        FORMS.with(|f| {
            let f = &mut *f.borrow_mut();
            f.build(&input[1..], input[0] == 1);
            // The lazy views in the reverse of their order of dependence:
            // each must build what it is built on.
            f.cmd_text();
            f.sql_text();
            f.lowered();
            put_bytes(out, f.dec());
            put_u32(out, f.cls().0);
            out.extend_from_slice(&[
                f.comment() as u8,
                f.sql_differs() as u8,
                f.cmd_differs() as u8,
            ]);
            put_bytes(out, f.low());
            put_bytes(out, f.sql());
            put_bytes(out, f.cmd());
            let plains = f.base64_plains();
            put_u32(out, plains.len() as u32);
            for i in 0..plains.len() {
                put_bytes(out, plains.raw(i));
                put_bytes(out, plains.low(i));
            }
        })
    })
}
