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

/// `probe_views_all`: the views of many values in one call, for measuring
/// the port's cost without a call per value. Input: each value as its
/// flag byte, a u32 little-endian length and its bytes. Output: the u32
/// number of values and, as a u64, the total length of every view and
/// base64 decoding built, which the caller checks against Go's.
#[no_mangle]
pub extern "C" fn probe_views_all(len: u32) -> u64 {
    crate::run(len, |mut input, out| {
        FORMS.with(|f| {
            let f = &mut *f.borrow_mut();
            let (mut values, mut total) = (0u32, 0u64);
            while !input.is_empty() {
                let plus = input[0] == 1;
                let n = u32::from_le_bytes([input[1], input[2], input[3], input[4]]) as usize;
                f.build(&input[5..5 + n], plus);
                input = &input[5 + n..];
                total +=
                    (f.dec().len() + f.lowered().len() + f.sql_text().len() + f.cmd_text().len())
                        as u64;
                let plains = f.base64_plains();
                for i in 0..plains.len() {
                    total += (plains.raw(i).len() + plains.low(i).len()) as u64;
                }
                values += 1;
            }
            out.extend_from_slice(&values.to_le_bytes());
            out.extend_from_slice(&total.to_le_bytes());
        })
    })
}
