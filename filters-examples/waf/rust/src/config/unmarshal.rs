//! json.Decoder.Decode into detect.Config with DisallowUnknownFields, as
//! Go's encoding/json (v1) does it, so that a config the Go filter takes
//! the Rust one takes too, with the same values:
//!
//! - a key names a field if it equals the field's name under Unicode
//!   case folding (strings.EqualFold: "MODE", and "\u212a" for 'k');
//! - a repeated key decodes again into what the first one left: the last
//!   scalar wins, a map gains keys, and a slice is decoded into its
//!   backing array element by element (see Slice);
//! - null leaves a string or number as it is, and makes a map or slice
//!   nil;
//! - an int takes only an integer literal in range, a float64 any number
//!   that does not overflow;
//! - anything else (another type, an unknown field) refuses the config;
//!   the first such problem in the text is the error, as Go keeps its
//!   first.

use std::collections::BTreeMap;

use super::json::{scan_value, Kind, Reader};
use super::{go_quote, Config, Exclusion};
use crate::gostrings::equal_fold_ascii;

/// A Go slice as encoding/json leaves it: nil, or `len` elements of a
/// backing array that keeps what earlier decodings wrote past them. Go
/// decodes an array into the elements already there (growing the array
/// keeps them all), and a null element leaves its element as it was: so
/// `"rules":["a","b"],"rules":["c"],"rules":["d",null]` is ["d","b"].
/// An empty array drops the backing array; null makes the slice nil.
#[derive(Default)]
struct Slice<T> {
    not_nil: bool,
    len: usize,
    backing: Vec<T>,
}

impl<T: Default> Slice<T> {
    /// Decodes an array (the next value) into the slice, each element
    /// with `elem`.
    fn decode_array(
        &mut self,
        rd: &mut Reader<'_>,
        mut elem: impl FnMut(&mut Reader<'_>, &mut T) -> Result<(), String>,
    ) -> Result<(), String> {
        rd.begin();
        let mut i = 0;
        while rd.next_element() {
            if i == self.backing.len() {
                self.backing.push(T::default());
            }
            elem(rd, &mut self.backing[i])?;
            i += 1;
        }
        self.not_nil = true;
        self.len = i;
        if i == 0 {
            self.backing.clear();
        }
        Ok(())
    }

    fn set_nil(&mut self) {
        *self = Slice {
            not_nil: false,
            len: 0,
            backing: Vec::new(),
        };
    }

    /// The slice's elements, or None for a nil slice.
    fn into_vec(mut self) -> Option<Vec<T>> {
        self.backing.truncate(self.len);
        if self.not_nil {
            Some(self.backing)
        } else {
            None
        }
    }
}

#[derive(Default)]
struct RawExclusion {
    path: Vec<u8>,
    arg: Vec<u8>,
    rules: Slice<Vec<u8>>,
}

#[derive(Default)]
struct RawConfig {
    mode: Vec<u8>,
    paranoia: i64,
    threshold: i64,
    weights: BTreeMap<Vec<u8>, f64>,
    disabled_rules: Slice<Vec<u8>>,
    exclusions: Slice<RawExclusion>,
    allowed_methods: Slice<Vec<u8>>,
    max_body_bytes: i64,
    block_status: i64,
}

/// Decodes the first JSON value of `data` into a Config, unfilled; the
/// caller has made sure `data` is not all white space.
pub(super) fn decode(data: &[u8]) -> Result<Config, String> {
    let (start, end) = scan_value(data)?;
    let mut rd = Reader::new(&data[start..end]);
    let mut raw = RawConfig::default();
    let mut key = Vec::new();
    match rd.kind() {
        Kind::Null => {}
        Kind::Object => decode_config(&mut rd, &mut raw, &mut key)?,
        k => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type detect.Config",
                k.name()
            ))
        }
    }
    Ok(Config {
        mode: raw.mode,
        paranoia: raw.paranoia,
        threshold: raw.threshold,
        weights: raw.weights,
        disabled_rules: raw.disabled_rules.into_vec().unwrap_or_default(),
        exclusions: raw
            .exclusions
            .into_vec()
            .unwrap_or_default()
            .into_iter()
            .map(|x| Exclusion {
                path: x.path,
                arg: x.arg,
                rules: x.rules.into_vec(),
            })
            .collect(),
        allowed_methods: raw.allowed_methods.into_vec().unwrap_or_default(),
        max_body_bytes: raw.max_body_bytes,
        block_status: raw.block_status,
    })
}

fn type_error(k: Kind, field: &str, ty: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {} of type {}",
        k.name(),
        field,
        ty
    )
}

fn unknown_field(key: &[u8]) -> String {
    format!("json: unknown field {}", go_quote(key))
}

/// The field `key` names among `names`, by Go's case-insensitive match.
fn field_index(key: &[u8], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .position(|n| equal_fold_ascii(key, n.as_bytes()))
}

const CONFIG_FIELDS: [&str; 9] = [
    "mode",
    "paranoia",
    "threshold",
    "weights",
    "disabled_rules",
    "exclusions",
    "allowed_methods",
    "max_body_bytes",
    "block_status",
];

fn decode_config(rd: &mut Reader<'_>, c: &mut RawConfig, key: &mut Vec<u8>) -> Result<(), String> {
    rd.begin();
    while rd.next_key(key) {
        match field_index(key, &CONFIG_FIELDS) {
            Some(0) => decode_string(rd, "Config.mode", "detect.Mode", &mut c.mode)?,
            Some(1) => decode_int(rd, "Config.paranoia", &mut c.paranoia)?,
            Some(2) => decode_int(rd, "Config.threshold", &mut c.threshold)?,
            Some(3) => decode_weights(rd, &mut c.weights, key)?,
            Some(4) => decode_strings(rd, "Config.disabled_rules", &mut c.disabled_rules)?,
            Some(5) => match rd.kind() {
                Kind::Array => c
                    .exclusions
                    .decode_array(rd, |rd, x| decode_exclusion(rd, x))?,
                Kind::Null => {
                    rd.skip();
                    c.exclusions.set_nil();
                }
                k => return Err(type_error(k, "Config.exclusions", "[]detect.Exclusion")),
            },
            Some(6) => decode_strings(rd, "Config.allowed_methods", &mut c.allowed_methods)?,
            Some(7) => decode_int(rd, "Config.max_body_bytes", &mut c.max_body_bytes)?,
            Some(8) => decode_int(rd, "Config.block_status", &mut c.block_status)?,
            _ => return Err(unknown_field(key)),
        }
    }
    Ok(())
}

const EXCLUSION_FIELDS: [&str; 3] = ["path", "arg", "rules"];

fn decode_exclusion(rd: &mut Reader<'_>, x: &mut RawExclusion) -> Result<(), String> {
    match rd.kind() {
        Kind::Object => {}
        Kind::Null => {
            rd.skip();
            return Ok(());
        }
        k => return Err(type_error(k, "Config.exclusions", "detect.Exclusion")),
    }
    let mut key = Vec::new();
    rd.begin();
    while rd.next_key(&mut key) {
        match field_index(&key, &EXCLUSION_FIELDS) {
            Some(0) => decode_string(rd, "Exclusion.exclusions.path", "string", &mut x.path)?,
            Some(1) => decode_string(rd, "Exclusion.exclusions.arg", "string", &mut x.arg)?,
            Some(2) => decode_strings(rd, "Exclusion.exclusions.rules", &mut x.rules)?,
            _ => return Err(unknown_field(&key)),
        }
    }
    Ok(())
}

fn decode_string(
    rd: &mut Reader<'_>,
    field: &str,
    ty: &str,
    s: &mut Vec<u8>,
) -> Result<(), String> {
    match rd.kind() {
        Kind::String => {
            s.clear();
            rd.string(s);
            Ok(())
        }
        Kind::Null => {
            rd.skip();
            Ok(())
        }
        k => Err(type_error(k, field, ty)),
    }
}

fn decode_strings(rd: &mut Reader<'_>, field: &str, s: &mut Slice<Vec<u8>>) -> Result<(), String> {
    match rd.kind() {
        Kind::Array => s.decode_array(rd, |rd, e| decode_string(rd, field, "string", e)),
        Kind::Null => {
            rd.skip();
            s.set_nil();
            Ok(())
        }
        k => Err(type_error(k, field, "[]string")),
    }
}

/// An int field (64 bits, as Go's int on amd64 and wasm): strconv.ParseInt
/// of the literal, so a fraction or an exponent is refused even where
/// the value is whole.
fn decode_int(rd: &mut Reader<'_>, field: &str, n: &mut i64) -> Result<(), String> {
    match rd.kind() {
        Kind::Number => {
            let text = rd.number();
            match std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<i64>().ok())
            {
                Some(v) => {
                    *n = v;
                    Ok(())
                }
                None => Err(format!(
                    "json: cannot unmarshal number {} into Go struct field {} of type int",
                    String::from_utf8_lossy(text),
                    field
                )),
            }
        }
        Kind::Null => {
            rd.skip();
            Ok(())
        }
        k => Err(type_error(k, field, "int")),
    }
}

/// The weights map: an object's members are added to the map there is;
/// a member's null is a weight of 0 (Go decodes each member into a
/// zeroed element).
fn decode_weights(
    rd: &mut Reader<'_>,
    w: &mut BTreeMap<Vec<u8>, f64>,
    key: &mut Vec<u8>,
) -> Result<(), String> {
    match rd.kind() {
        Kind::Object => {}
        Kind::Null => {
            rd.skip();
            w.clear();
            return Ok(());
        }
        k => return Err(type_error(k, "Config.weights", "map[string]float64")),
    }
    rd.begin();
    while rd.next_key(key) {
        let v = match rd.kind() {
            Kind::Number => parse_float(rd.number())?,
            Kind::Null => {
                rd.skip();
                0.0
            }
            k => return Err(type_error(k, "Config.weights", "float64")),
        };
        w.insert(key.clone(), v);
    }
    Ok(())
}

/// strconv.ParseFloat(text, 64) of a JSON number: correctly rounded, an
/// underflow is 0 and an overflow an error.
fn parse_float(text: &[u8]) -> Result<f64, String> {
    let v = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite());
    v.ok_or_else(|| {
        format!(
            "json: cannot unmarshal number {} into Go struct field Config.weights of type float64",
            String::from_utf8_lossy(text)
        )
    })
}
