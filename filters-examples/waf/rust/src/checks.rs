//! The gates and checks of the rule tables (ruleSpec.gate and
//! ruleSpec.check in Go), by the names rules_table.rs gives them. The
//! matches are exhaustive: a gate or check the port lacks does not
//! compile.

use crate::host::Host;
use crate::normalize::Forms;
use crate::rules_table::{Check, Gate};
use crate::{
    gates, rules_generic, rules_java, rules_lfi, rules_php, rules_rce, rules_sqli, rules_xss,
};

/// Every gate, in the enum's order (the test probe reports them all; the
/// Go test checks the list against the Go rules').
pub const GATES: &[Gate] = &[Gate::HasFrom, Gate::SqlShaped, Gate::TagOpen];

/// Every check, in the enum's order.
pub const CHECKS: &[Check] = &[
    Check::Base64HidesJava,
    Check::Base64HidesPayload,
    Check::DanglingBoolean,
    Check::DotSegment,
    Check::LauncherChain,
    Check::Log4jLookup,
    Check::NumericTautology,
    Check::PhpCall,
    Check::RuleRceCommandNameAtStart,
    Check::RuleRceCommandWithOptions,
    Check::RuleRceUnixCommandAfterSeparator,
    Check::RuleRceUnixCommandAtStart,
    Check::RuleRceWindowsAfterSeparator,
    Check::RuleRceWindowsTool,
    Check::RuleSqliFunctionCall,
    Check::RuleSqliFunctionFragment,
    Check::RuleSqliLibinjection,
    Check::RuleXssLibinjection,
    Check::Traversal,
];

/// Runs the gate `g` on the value of `f`.
pub fn gate(g: Gate, f: &mut Forms) -> bool {
    match g {
        Gate::HasFrom => gates::has_from(f),
        Gate::SqlShaped => rules_sqli::sql_shaped(f),
        Gate::TagOpen => gates::tag_open(f),
    }
}

/// Runs the check `c` on the value of `f`; the libinjection checks ask
/// `host`.
pub fn check(c: Check, f: &mut Forms, host: &dyn Host) -> bool {
    match c {
        Check::Base64HidesJava => rules_java::base64_hides_java(f),
        Check::Base64HidesPayload => rules_generic::base64_hides_payload(f),
        Check::DanglingBoolean => rules_sqli::dangling_boolean(f),
        Check::DotSegment => rules_lfi::dot_segment(f),
        Check::LauncherChain => rules_rce::launcher_chain(f),
        Check::Log4jLookup => rules_java::log4j_lookup(f),
        Check::NumericTautology => rules_sqli::numeric_tautology(f),
        Check::PhpCall => rules_php::php_call(f),
        Check::RuleRceCommandNameAtStart => rules_rce::rule_rce_command_name_at_start(f),
        Check::RuleRceCommandWithOptions => rules_rce::rule_rce_command_with_options(f),
        Check::RuleRceUnixCommandAfterSeparator => {
            rules_rce::rule_rce_unix_command_after_separator(f)
        }
        Check::RuleRceUnixCommandAtStart => rules_rce::rule_rce_unix_command_at_start(f),
        Check::RuleRceWindowsAfterSeparator => rules_rce::rule_rce_windows_after_separator(f),
        Check::RuleRceWindowsTool => rules_rce::rule_rce_windows_tool(f),
        Check::RuleSqliFunctionCall => rules_sqli::rule_sqli_function_call(f),
        Check::RuleSqliFunctionFragment => rules_sqli::rule_sqli_function_fragment(f),
        Check::RuleSqliLibinjection => rules_sqli::rule_sqli_libinjection(f, host),
        Check::RuleXssLibinjection => rules_xss::rule_xss_libinjection(f, host),
        Check::Traversal => rules_lfi::traversal(f),
    }
}
