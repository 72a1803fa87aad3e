//! What the detection engine asks of its host: the verdicts of
//! libinjection, which the Go engine links and the port does not (inside
//! Gojinn the host functions sqli_check and xss_check run the same Go
//! library; see docs/ABI.md "Injection checks"). The filter crate
//! implements it with the Gojinn SDK, the test probe from verdicts the Go
//! test computes; waf-detect depends on neither.

/// The host's injection checks, on the decoded value.
pub trait Host {
    /// libinjection.IsSQLi.
    fn is_sqli(&self, s: &[u8]) -> bool;
    /// libinjection.IsXSS.
    fn is_xss(&self, s: &[u8]) -> bool;
}
