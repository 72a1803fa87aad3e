//! Test-only exports of waf-detect's internals. A Go test in
//! filters-examples/waf/detect (rustprobe_test.go) writes an input into
//! the buffer `probe_alloc` returns, calls one `probe_*` export with its
//! length, and reads the output it returns: the same step run by the Go
//! engine must give the same bytes. Never part of the filter.
//!
//! Every `probe_*` export takes the input's length (the input is at the
//! address the last `probe_alloc` returned) and returns the output as
//! `(address << 32) | length`; the output stays valid until the next call.

mod allocs;
mod checks;
mod config;
mod decode;
mod engine;
mod keywords;
mod values;
mod views;

use std::cell::RefCell;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = RefCell::new(Vec::new());
    static OUTPUT: RefCell<Vec<u8>> = RefCell::new(Vec::new());
}

/// Returns a buffer of `len` bytes for the next call's input.
#[no_mangle]
pub extern "C" fn probe_alloc(len: u32) -> *mut u8 {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        b.resize(len as usize, 0);
        b.as_mut_ptr()
    })
}

/// Runs `f` on the input of `len` bytes and returns what it wrote, packed
/// as the exports return it.
pub(crate) fn run(len: u32, f: impl FnOnce(&[u8], &mut Vec<u8>)) -> u64 {
    INPUT.with(|input| {
        OUTPUT.with(|output| {
            let input = input.borrow();
            let mut out = output.borrow_mut();
            out.clear();
            f(&input[..len as usize], &mut out);
            ((out.as_ptr() as u64) << 32) | out.len() as u64
        })
    })
}

/// The harness's own check: the output is the input, reversed.
#[no_mangle]
pub extern "C" fn probe_echo(len: u32) -> u64 {
    run(len, |input, out| out.extend(input.iter().rev()))
}
