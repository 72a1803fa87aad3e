//! The port of the checks of detect/rules_xss.go.

use crate::host::Host;
use crate::normalize::Forms;

/// The check of xss-libinjection: libinjection's verdict on the decoded
/// value, from the host.
pub fn rule_xss_libinjection(f: &mut Forms, host: &dyn Host) -> bool {
    host.is_xss(f.dec())
}
