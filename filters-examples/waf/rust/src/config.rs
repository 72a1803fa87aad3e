//! The port of detect/config.go: the filter's JSON configuration, its
//! defaults and its validation, and the part of engine.go's New that
//! refuses a config by what it names (selectRules). The Rust filter is
//! to be a drop-in twin of the Go one, so a config is accepted, refused
//! and read as Go's encoding/json reads it (see config/unmarshal.rs);
//! the validation's messages are Go's, word for word.

use std::collections::BTreeMap;

use crate::gostrings::{decode_rune, trim_space, RUNE_ERROR};
use crate::keywords::RuleSet;
use crate::rules_table::{Class, PROTOCOL, RULES};

mod json;
// Generated from Go's strconv tables (detect/rustconfig_upper_test.go).
#[rustfmt::skip]
mod print_table;
mod unmarshal;
// Generated from Go's unicode tables (detect/rustconfig_upper_test.go).
#[rustfmt::skip]
mod upper_table;

/// Mode "block" (the default) answers a request over the threshold with
/// the block status.
pub const MODE_BLOCK: &[u8] = b"block";
/// Mode "detect" lets the request through and reports the matches.
pub const MODE_DETECT: &[u8] = b"detect";

pub const DEFAULT_PARANOIA: i64 = 1;
pub const DEFAULT_THRESHOLD: i64 = 5;
pub const DEFAULT_MAX_BODY_BYTES: i64 = 64 << 10;
pub const DEFAULT_BLOCK_STATUS: i64 = 403;

/// The methods REST APIs use.
pub const DEFAULT_ALLOWED_METHODS: [&[u8]; 7] = [
    b"GET", b"HEAD", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS",
];

/// Turns rules off where an application needs what they look for:
/// everywhere under `path`, or only for the argument `arg`, or both.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exclusion {
    pub path: Vec<u8>,
    pub arg: Vec<u8>,
    /// Rule ids or class names. None (no list, or null) and an empty list
    /// both mean every rule, but they differ for the protocol checks: the
    /// Go engine skips them under a path only for None (engine.go's
    /// `x.names == nil`).
    pub rules: Option<Vec<Vec<u8>>>,
}

/// The filter's configuration (Go's detect.Config). Strings are bytes,
/// as everywhere in the port; decoded from JSON they are valid UTF-8.
/// Ints are 64-bit, as Go's int is on amd64 and wasm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// MODE_BLOCK or MODE_DETECT.
    pub mode: Vec<u8>,
    /// 1-4: enables the rules up to that level.
    pub paranoia: i64,
    /// The anomaly score at which a request is an attack.
    pub threshold: i64,
    /// Multiplies the scores of a class's rules; 0 turns the class off.
    /// Go's map, in name order.
    pub weights: BTreeMap<Vec<u8>, f64>,
    /// Rule ids or class names never to run.
    pub disabled_rules: Vec<Vec<u8>>,
    pub exclusions: Vec<Exclusion>,
    /// Any other method is a protocol anomaly.
    pub allowed_methods: Vec<Vec<u8>>,
    /// How much of the body is inspected; negative turns it off.
    pub max_body_bytes: i64,
    /// The status of a refused request.
    pub block_status: i64,
}

/// Reads a JSON config as Go's ParseConfig does: empty (or white space,
/// by Go's unicode.IsSpace) gives the defaults; the first JSON value is
/// decoded, and what follows it is not read; an unknown field is an
/// error, so that a typo does not silently leave a protection off.
pub fn parse_config(data: &[u8]) -> Result<Config, String> {
    let mut c = decode_config(data)?;
    c.fill_defaults();
    c.validate()?;
    Ok(c)
}

/// The decoding half of parse_config: the config as the JSON gives it,
/// defaults not filled in.
pub fn decode_config(data: &[u8]) -> Result<Config, String> {
    if trim_space(data).is_empty() {
        return Ok(Config::default());
    }
    unmarshal::decode(data).map_err(|e| format!("waf config: {}", e))
}

impl Config {
    /// Gives each field left at its zero value its default.
    pub fn fill_defaults(&mut self) {
        if self.mode.is_empty() {
            self.mode = MODE_BLOCK.to_vec();
        }
        if self.paranoia == 0 {
            self.paranoia = DEFAULT_PARANOIA;
        }
        if self.threshold == 0 {
            self.threshold = DEFAULT_THRESHOLD;
        }
        if self.max_body_bytes == 0 {
            self.max_body_bytes = DEFAULT_MAX_BODY_BYTES;
        }
        if self.block_status == 0 {
            self.block_status = DEFAULT_BLOCK_STATUS;
        }
        if self.allowed_methods.is_empty() {
            self.allowed_methods = DEFAULT_ALLOWED_METHODS.iter().map(|m| m.to_vec()).collect();
        }
    }

    /// Every problem of the config, each a line (Go's errors.Join of
    /// validate's errors, in its order). Go walks the weights in its
    /// map's random order; here they come in name order.
    pub fn validate(&self) -> Result<(), String> {
        let mut errs: Vec<String> = Vec::new();
        if self.mode != MODE_BLOCK && self.mode != MODE_DETECT {
            errs.push(r#"waf config: mode must be "block" or "detect""#.to_string());
        }
        if self.paranoia < 1 || self.paranoia > 4 {
            errs.push("waf config: paranoia must be 1-4".to_string());
        }
        if self.threshold < 1 {
            errs.push("waf config: threshold must be positive".to_string());
        }
        if self.block_status < 400 || self.block_status > 599 {
            errs.push("waf config: block_status must be 400-599".to_string());
        }
        for (name, &w) in &self.weights {
            if class_by_name(name).is_none() {
                errs.push(format!("waf config: weights: unknown class {}", text(name)));
            }
            if w < 0.0 {
                errs.push(format!(
                    "waf config: weights: negative weight for {}",
                    text(name)
                ));
            }
        }
        for m in &self.allowed_methods {
            if m.is_empty() || to_upper_changes(m) {
                errs.push(format!(
                    "waf config: allowed_methods: methods are upper-case tokens: {}",
                    text(m)
                ));
            }
        }
        for x in &self.exclusions {
            if x.path.is_empty() && x.arg.is_empty() {
                errs.push("waf config: exclusions: each needs a path or an arg".to_string());
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("\n"))
        }
    }

    /// The rules the config names, as New selects them: the disabled
    /// rules, then each exclusion's (every rule for an exclusion without
    /// a list). A name that is no rule id, class or protocol check is
    /// New's error.
    pub fn select_rules(&self) -> Result<RuleSelection, String> {
        let disabled = select_rules(&self.disabled_rules)
            .map_err(|e| format!("waf config: disabled_rules: {}", e))?;
        let mut exclusions = Vec::with_capacity(self.exclusions.len());
        for x in &self.exclusions {
            let set = match &x.rules {
                Some(names) if !names.is_empty() => {
                    select_rules(names).map_err(|e| format!("waf config: exclusions: {}", e))?
                }
                _ => {
                    let mut all = RuleSet::default();
                    (0..RULES.len()).for_each(|i| all.add(i));
                    all
                }
            };
            exclusions.push(set);
        }
        Ok(RuleSelection {
            disabled,
            exclusions,
        })
    }
}

/// The sets of rules (indexes into RULES) a config turns off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSelection {
    pub disabled: RuleSet,
    /// One per Config::exclusions, in order.
    pub exclusions: Vec<RuleSet>,
}

/// Go's selectRules: the rules whose id, or whose class, is one of
/// `names`. A protocol check's id selects no rule but is no error.
pub fn select_rules(names: &[Vec<u8>]) -> Result<RuleSet, String> {
    let mut set = RuleSet::default();
    for n in names {
        let class = class_by_name(n);
        let mut found = false;
        for (i, r) in RULES.iter().enumerate() {
            if r.id.as_bytes() == n.as_slice() || class == Some(r.class) {
                set.add(i);
                found = true;
            }
        }
        if !found && class.is_none() && !is_protocol_check(n) {
            return Err(format!("unknown rule or class {}", text(n)));
        }
    }
    Ok(set)
}

/// Every class, in the Go order. The Go tests name each class in a
/// config, so a class added to the generated enum and not here fails them.
const CLASSES: [Class; 11] = [
    Class::Sqli,
    Class::Xss,
    Class::Lfi,
    Class::Rfi,
    Class::Rce,
    Class::Php,
    Class::Java,
    Class::Session,
    Class::Generic,
    Class::Scanner,
    Class::Protocol,
];

/// Go's classByName: the class a config name stands for.
pub fn class_by_name(name: &[u8]) -> Option<Class> {
    CLASSES
        .iter()
        .copied()
        .find(|c| c.name().as_bytes() == name)
}

fn is_protocol_check(id: &[u8]) -> bool {
    PROTOCOL.iter().any(|p| p.id.as_bytes() == id)
}

/// A config string in a message. Decoded from JSON it is valid UTF-8, so
/// nothing is lost; a hand-made Config's invalid bytes show as U+FFFD.
fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Whether Go's strings.ToUpper(s) != s: an ASCII string has a lower-case
/// letter, or a rune is one unicode.ToUpper changes, or a byte is not
/// valid UTF-8 (strings.Map writes it as U+FFFD, three bytes for one).
pub fn to_upper_changes(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        if (r == RUNE_ERROR && w == 1) || to_upper_changes_rune(r) {
            return true;
        }
        i += w;
    }
    false
}

/// Whether unicode.ToUpper(r) != r, from the runs of such runes Go's
/// tables give (upper_table.rs).
pub fn to_upper_changes_rune(r: u32) -> bool {
    let runs = upper_table::CHANGED_BY_TO_UPPER;
    // The first run that does not end before r.
    let i = runs.partition_point(|&(_, last, _)| last < r);
    match runs.get(i) {
        Some(&(first, _, stride)) => r >= first && (r - first) % stride == 0,
        None => false,
    }
}

/// Go's strconv.IsPrint, from the ranges of runes it refuses
/// (print_table.rs).
fn is_print(r: u32) -> bool {
    let ranges = print_table::NOT_PRINTABLE;
    let i = ranges.partition_point(|&(_, last)| last < r);
    !matches!(ranges.get(i), Some(&(first, _)) if r >= first)
}

/// Go's strconv.Quote (fmt's %q) of a string: a byte that is not valid
/// UTF-8 is \xHH, a rune strconv.IsPrint refuses an escape.
pub(crate) fn go_quote(s: &[u8]) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    let mut i = 0;
    while i < s.len() {
        let (r, w) = decode_rune(&s[i..]);
        if r == RUNE_ERROR && w == 1 {
            q.push_str(&format!("\\x{:02x}", s[i]));
            i += 1;
            continue;
        }
        i += w;
        match r {
            0x22 => q.push_str("\\\""),
            0x5C => q.push_str("\\\\"),
            _ if is_print(r) => q.push(char::from_u32(r).unwrap_or('\u{FFFD}')),
            0x07 => q.push_str("\\a"),
            0x08 => q.push_str("\\b"),
            0x0C => q.push_str("\\f"),
            0x0A => q.push_str("\\n"),
            0x0D => q.push_str("\\r"),
            0x09 => q.push_str("\\t"),
            0x0B => q.push_str("\\v"),
            _ if r < 0x20 || r == 0x7F => q.push_str(&format!("\\x{:02x}", r)),
            _ if r < 0x10000 => q.push_str(&format!("\\u{:04x}", r)),
            _ => q.push_str(&format!("\\U{:08x}", r)),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_defaults() {
        let c = parse_config(b" \t\n").unwrap();
        assert_eq!(c.mode, MODE_BLOCK);
        assert_eq!(c.threshold, DEFAULT_THRESHOLD);
        assert_eq!(c.allowed_methods.len(), DEFAULT_ALLOWED_METHODS.len());
    }

    #[test]
    fn repeated_slices_keep_their_backing() {
        let c = decode_config(
            br#"{"disabled_rules":["a","b"],"disabled_rules":["c"],"disabled_rules":["d",null]}"#,
        )
        .unwrap();
        assert_eq!(c.disabled_rules, vec![b"d".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn upper() {
        assert!(!to_upper_changes(b"GET"));
        assert!(to_upper_changes(b"get"));
        assert!(to_upper_changes("\u{e9}".as_bytes()));
        assert!(!to_upper_changes("\u{c9}".as_bytes()));
        assert!(to_upper_changes(b"\xff"));
    }

    #[test]
    fn quote() {
        assert_eq!(go_quote(b"a\"\\\n\x01\x7f"), r#""a\"\\\n\x01\x7f""#);
        assert_eq!(
            go_quote("\u{ad}\u{e9}\u{e0000}\u{fffd}".as_bytes()),
            "\"\\u00ad\u{e9}\\U000e0000\u{fffd}\""
        );
        assert_eq!(go_quote(b"\xff"), r#""\xff""#);
    }
}
