//! `probe_decode`: the decoders of waf_detect::decode, one at a time.
//!
//! Input: one mode byte, one flag byte (1: '+' is a space), the text.
//! Modes: 0 decodeAll, 1 decodeOnce, 2 percentDecode, 3 entityDecode,
//! 4 backslashDecode, 5 foldLookalikes, 6 needsDecode. Output: the
//! decoded bytes, or for needsDecode one byte, 1 or 0. An input shorter
//! than two bytes or an unknown mode traps.

use std::cell::RefCell;

use waf_detect::decode;

thread_local! {
    // One decoder for every call, as the engine keeps one for every
    // value: a call must not see what an earlier one left in it.
    static DECODER: RefCell<decode::Decoder> = RefCell::new(decode::Decoder::default());
}

#[no_mangle]
pub extern "C" fn probe_decode(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let (mode, plus, text) = (input[0], input[1] == 1, &input[2..]);
        let step = |f: fn(&[u8], &mut Vec<u8>) -> bool, out: &mut Vec<u8>| {
            if !f(text, out) {
                out.extend_from_slice(text);
            }
        };
        match mode {
            0 => DECODER.with(|d| d.borrow_mut().append_decode_all(out, text, plus)),
            1 => DECODER.with(|d| d.borrow_mut().append_decode_once(out, text, plus)),
            2 => decode::append_percent_decode(out, text, plus),
            3 => step(decode::entity_decode_step, out),
            4 => step(decode::backslash_decode_step, out),
            5 => step(decode::fold_lookalikes_step, out),
            6 => out.push(decode::needs_decode(text, plus) as u8),
            _ => panic!("probe_decode: unknown mode {}", mode),
        }
    })
}
