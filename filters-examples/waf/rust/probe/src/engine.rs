//! `probe_inspect`: a request judged by the port's engine
//! (waf_detect::engine), whose host is the Go test: the rules'
//! expressions are matched by the Go engine's own regexps and
//! libinjection is the Go library, through the imports of module
//! "probe_host" that rustprobe_test.go provides.
//!
//! Input (encoded as probe_values' input): the config (byte string), then
//! method, uri (byte strings), u32 count of headers and each one's name
//! and value, body (byte string), body-unread (flag).
//!
//! Output: the config's refusal (byte string, empty when accepted; then
//! nothing else), score (i64), attack, body skipped, body truncated
//! (flags), u32 count of matches, then each one's rule id, class name and
//! place (byte strings) and score (i32). A malformed input traps.

use std::cell::RefCell;

use waf_detect::config::parse_config;
use waf_detect::engine::{Engine, Inspector, Verdict};
use waf_detect::host::Host;

use crate::values::{put_bytes, Reader, RequestInput};

#[link(wasm_import_module = "probe_host")]
extern "C" {
    /// Whether rule's expression matches text, by the Go engine's regexp.
    fn regex_match(rule: u32, text: *const u8, len: u32) -> u32;
    /// libinjection's verdicts, by the Go library.
    fn is_sqli(text: *const u8, len: u32) -> u32;
    fn is_xss(text: *const u8, len: u32) -> u32;
}

/// The Go test as the engine's host.
struct GoHost;

// SAFETY (each call): the text is live for the call, and the host only
// reads it.
#[allow(unsafe_code)]
impl Host for GoHost {
    fn is_sqli(&self, s: &[u8]) -> bool {
        unsafe { is_sqli(s.as_ptr(), s.len() as u32) == 1 }
    }

    fn is_xss(&self, s: &[u8]) -> bool {
        unsafe { is_xss(s.as_ptr(), s.len() as u32) == 1 }
    }

    fn regex_match(&self, rule: usize, s: &[u8]) -> bool {
        unsafe { regex_match(rule as u32, s.as_ptr(), s.len() as u32) == 1 }
    }
}

thread_local! {
    // The last config's engine (built once per config, as the filter
    // builds it once per configure), and the inspector and verdict every
    // call reuses, as the filter does from request to request.
    static ENGINE: RefCell<Option<(Vec<u8>, Result<Engine, String>)>> = RefCell::new(None);
    static INSPECTOR: RefCell<(Inspector, Verdict)> = RefCell::new((Inspector::new(), Verdict::default()));
}

#[no_mangle]
pub extern "C" fn probe_inspect(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let mut rd = Reader { rest: input };
        let config = rd.bytes();
        let req = RequestInput::read(&mut rd);
        assert!(
            rd.rest.is_empty(),
            "probe_inspect: {} bytes past the input",
            rd.rest.len()
        );
        let r = req.request();
        ENGINE.with(|cell| {
            let mut cached = cell.borrow_mut();
            if cached.as_ref().map_or(true, |(c, _)| c[..] != *config) {
                let engine = parse_config(config).and_then(|cfg| Engine::new(&cfg));
                *cached = Some((config.to_vec(), engine));
            }
            let engine = match &cached.as_ref().unwrap().1 {
                Ok(e) => e,
                Err(msg) => {
                    put_bytes(out, msg.as_bytes());
                    return;
                }
            };
            put_bytes(out, b"");
            INSPECTOR.with(|state| {
                let (inspector, verdict) = &mut *state.borrow_mut();
                inspector.inspect(engine, &GoHost, &r, verdict);
                out.extend_from_slice(&verdict.score.to_le_bytes());
                out.push(verdict.attack as u8);
                out.push(verdict.body_skipped as u8);
                out.push(verdict.body_truncated as u8);
                out.extend_from_slice(&(verdict.matches.len() as u32).to_le_bytes());
                for m in &verdict.matches {
                    put_bytes(out, m.rule.as_bytes());
                    put_bytes(out, m.class.name().as_bytes());
                    put_bytes(out, verdict.place(m));
                    out.extend_from_slice(&m.score.to_le_bytes());
                }
            });
        });
    })
}
