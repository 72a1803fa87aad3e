//! `probe_checks`: every gate and check of waf_detect::checks on one
//! value.
//!
//! Input: a mode byte (0: one Forms build for the whole value, the gates
//! then the checks run on it as the engine runs them; 1: a fresh build
//! before each, so that none sees what another left in the Forms), a
//! flag byte (1: '+' is a space), the raw value as a u32 little-endian
//! length and its bytes, then the string the Go side asked libinjection
//! about (its decoded value) in the same form and one byte each for
//! IsSQLi's and IsXSS's verdicts on it. Output: the u32 little-endian
//! number of gates, each gate's name (its length as one byte, then the
//! name) and its result as one byte, then the same for the checks, in the
//! order of checks::GATES and checks::CHECKS.

use std::cell::RefCell;

use waf_detect::checks::{check, gate, CHECKS, GATES};
use waf_detect::host::Host;
use waf_detect::normalize::Forms;

thread_local! {
    static FORMS: RefCell<Forms> = RefCell::new(Forms::default());
}

/// The host's libinjection, answered from the verdicts the Go test
/// passes for the one string it computed them for: a question about
/// another string is a fault of the port, and traps.
struct Verdicts<'a> {
    subject: &'a [u8],
    sqli: bool,
    xss: bool,
}

impl Host for Verdicts<'_> {
    fn is_sqli(&self, s: &[u8]) -> bool {
        assert!(
            s == self.subject,
            "is_sqli asked about another string than Go's"
        );
        self.sqli
    }

    fn is_xss(&self, s: &[u8]) -> bool {
        assert!(
            s == self.subject,
            "is_xss asked about another string than Go's"
        );
        self.xss
    }

    fn regex_match(&self, rule: usize, _: &[u8]) -> bool {
        // The gates and checks never match an expression; the engine
        // does, after them (probe_inspect).
        panic!("probe_checks: a check asked for rule {rule}'s expression")
    }
}

/// Reads a u32 little-endian length and that many bytes off `input`.
fn take_bytes<'a>(input: &mut &'a [u8]) -> &'a [u8] {
    let n = u32::from_le_bytes([input[0], input[1], input[2], input[3]]) as usize;
    let b = &input[4..4 + n];
    *input = &input[4 + n..];
    b
}

fn put_result(out: &mut Vec<u8>, name: &str, result: bool) {
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    out.push(result as u8);
}

#[no_mangle]
pub extern "C" fn probe_checks(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let (fresh, plus) = (input[0] == 1, input[1] == 1);
        let mut rest = &input[2..];
        let raw = take_bytes(&mut rest);
        let subject = take_bytes(&mut rest);
        let host = Verdicts {
            subject,
            sqli: rest[0] == 1,
            xss: rest[1] == 1,
        };
        FORMS.with(|f| {
            let f = &mut *f.borrow_mut();
            f.build(raw, plus);
            out.extend_from_slice(&(GATES.len() as u32).to_le_bytes());
            for &g in GATES {
                if fresh {
                    f.build(raw, plus);
                }
                put_result(out, &format!("{:?}", g), gate(g, f));
            }
            out.extend_from_slice(&(CHECKS.len() as u32).to_le_bytes());
            for &c in CHECKS {
                if fresh {
                    f.build(raw, plus);
                }
                put_result(out, &format!("{:?}", c), check(c, f, &host));
            }
        })
    })
}
