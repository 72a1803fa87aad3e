//! The port of the checks of detect/rules_generic.go: code hidden in
//! base64.

use crate::base64::contains_any;
use crate::normalize::Forms;
use crate::rules_table::SCRIPT_BASE64_WORDS;

/// `base64HidesPayload` looks in base64 runs for script and code
/// injection fragments.
pub fn base64_hides_payload(f: &mut Forms) -> bool {
    let plains = f.base64_plains();
    (0..plains.len()).any(|i| contains_any(plains.low(i), &SCRIPT_BASE64_WORDS))
}
