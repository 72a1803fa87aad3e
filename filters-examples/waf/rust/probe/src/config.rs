//! `probe_config`: a config read as the filter reads it
//! (waf_detect::config::parse_config), and the rules it selects
//! (Config::select_rules, the part of the Go engine's New that refuses
//! a config by the rules it names).
//!
//! Integers are little-endian; a byte string is its u32 length, then its
//! bytes; a flag is one byte, 1 or 0; an int is an i64; a weight is the
//! f64's bits as a u64.
//!
//! Input: the config's bytes.
//!
//! Output: refused (flag). Refused: the error (byte string). Accepted,
//! every field after the defaults: mode (byte string); paranoia,
//! threshold (i64); u32 count of weights, then each name (byte string,
//! in name order) and weight; u32 count of disabled rules, then each
//! (byte string); u32 count of exclusions, then each one's path and arg
//! (byte strings), rules present (flag; not for an absent or null list)
//! and, present, u32 count of rules, then each (byte string); u32 count
//! of allowed methods, then each (byte string); max_body_bytes,
//! block_status (i64). Then the selection: the disabled rules' indexes
//! (u32 count, then each u32, ascending), and u32 count of exclusions,
//! then each one's rule indexes the same way.

use waf_detect::config::parse_config;
use waf_detect::keywords::RuleSet;
use waf_detect::rules_table::RULES;

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn strings(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    count(out, list.len());
    list.iter().for_each(|s| bytes(out, s));
}

fn set(out: &mut Vec<u8>, s: &RuleSet) {
    let rules: Vec<usize> = (0..RULES.len()).filter(|&i| s.has(i)).collect();
    count(out, rules.len());
    rules.iter().for_each(|&i| count(out, i));
}

fn refused(out: &mut Vec<u8>, err: &str) {
    out.push(1);
    bytes(out, err.as_bytes());
}

#[no_mangle]
pub extern "C" fn probe_config(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let c = match parse_config(input) {
            Ok(c) => c,
            Err(e) => return refused(out, &e),
        };
        let sel = match c.select_rules() {
            Ok(s) => s,
            Err(e) => return refused(out, &e),
        };
        out.push(0);
        bytes(out, &c.mode);
        out.extend_from_slice(&c.paranoia.to_le_bytes());
        out.extend_from_slice(&c.threshold.to_le_bytes());
        count(out, c.weights.len());
        for (name, w) in &c.weights {
            bytes(out, name);
            out.extend_from_slice(&w.to_bits().to_le_bytes());
        }
        strings(out, &c.disabled_rules);
        count(out, c.exclusions.len());
        for x in &c.exclusions {
            bytes(out, &x.path);
            bytes(out, &x.arg);
            match &x.rules {
                Some(rules) => {
                    out.push(1);
                    strings(out, rules);
                }
                None => out.push(0),
            }
        }
        strings(out, &c.allowed_methods);
        out.extend_from_slice(&c.max_body_bytes.to_le_bytes());
        out.extend_from_slice(&c.block_status.to_le_bytes());
        set(out, &sel.disabled);
        count(out, sel.exclusions.len());
        sel.exclusions.iter().for_each(|s| set(out, s));
    })
}
