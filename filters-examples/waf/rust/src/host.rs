//! What the detection engine asks of its host: the verdicts of
//! libinjection, which the Go engine links and the port does not (inside
//! Gojinn the host functions sqli_check and xss_check run the same Go
//! library; see docs/ABI.md "Injection checks"), and the rules' regular
//! expressions, which Go's regexp runs (the host's regex sets, compiled
//! once at configure). The filter crate implements it with the Gojinn
//! SDK, the test probes with the Go engine's own code; waf-detect depends
//! on neither.

/// The host's injection checks, on the decoded value.
pub trait Host {
    /// libinjection.IsSQLi.
    fn is_sqli(&self, s: &[u8]) -> bool;
    /// libinjection.IsXSS.
    fn is_xss(&self, s: &[u8]) -> bool;
    /// Whether the expression of rule `rule` (an index into
    /// rules_table::RULES, whose pattern is Some) matches `s`, by Go's
    /// regexp semantics.
    fn regex_match(&self, rule: usize, s: &[u8]) -> bool;
}
