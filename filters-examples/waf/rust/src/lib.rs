//! The detection engine of Gojinn's WAF filter (filters-examples/waf/detect),
//! ported to Rust so that it runs in wasm at close to native speed
//! (issue 16). Go compiled to wasm runs 6-8x slower than natively and
//! pays its runtime's wasm port on every call; the port keeps every
//! decision of the Go engine, and the Go tests in
//! filters-examples/waf/detect (rustprobe_test.go and the files beside
//! it) hold it to the Go engine's outputs through the probe crate.
//!
//! Each module is the port of the Go file of the same name.

pub mod base64;
pub mod body;
pub mod charclass;
pub mod checks;
pub mod config;
pub mod decode;
pub mod engine;
pub mod gates;
pub mod gostrings;
pub mod host;
pub mod jsonbody;
pub mod keywords;
pub mod lexicon;
pub mod multipart;
pub mod normalize;
pub mod protocol;
pub mod request;
pub mod rules_generic;
pub mod rules_java;
pub mod rules_lfi;
pub mod rules_php;
pub mod rules_rce;
pub mod rules_sqli;
// Generated from the Go tables (detect/rusttable_test.go), as written.
#[rustfmt::skip]
pub mod rules_table;
pub mod rules_xss;
pub mod search;
pub mod shellwords;
pub mod target;
pub mod targets;
pub mod words;
pub mod xmlbody;
