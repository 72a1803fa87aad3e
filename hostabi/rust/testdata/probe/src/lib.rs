//! probe calls every part of the Rust SDK and reports what each returned,
//! one `name=value` line each, for hostabi/rust/sdk_test.go to compare.
//! On /respond it answers with the report; otherwise it puts the report
//! in the X-Report header (NUL-free, one line per '|') and continues, and
//! its response hook rewrites the body the upstream wrote.

#![deny(unsafe_code)]

use gojinn::{
    is_sqli, is_xss, json_get, log, log_enabled, request, response, sqli_fingerprint,
    trace_context, var, Action, Error, Features, Filter, JsonType, Keyset, Kind, Level, Patterns,
    Regex, Store, Target,
};
use std::time::Duration;

struct Probe {
    config: Vec<u8>,
    keyset: gojinn::Result<Keyset>,
    regex: Regex,
    patterns: Patterns,
    body: Vec<u8>,
    calls: u32,
    store: gojinn::Result<Store>,
    ungranted: gojinn::Result<Store>,
}

/// text is a store value as the report shows it.
fn text(v: gojinn::Result<Option<Vec<u8>>>) -> String {
    format!(
        "{:?}",
        v.map(|o| o.map(|b| String::from_utf8_lossy(&b).into_owned()))
    )
}

fn hex(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let val = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    b.chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| val(c[0]) << 4 | val(c[1]))
        .collect()
}

impl Filter for Probe {
    fn configure(config: &[u8]) -> Result<Self, String> {
        if config == b"refuse" {
            return Err("refused as asked".to_string());
        }
        let regex = Regex::compile(&["ad+a", "^/p/"]).map_err(|e| e.to_string())?;
        let patterns = Patterns::compile(&["ADA", "lovelace"], true).map_err(|e| e.to_string())?;
        let keyset = Keyset::open(br#"{"hmac_env": "PROBE_SECRET", "hmac_alg": "HS256"}"#);
        Ok(Probe {
            config: config.to_vec(),
            keyset,
            regex,
            patterns,
            body: Vec::with_capacity(4),
            calls: 0,
            store: Store::open("probe"),
            ungranted: Store::open("ungranted"),
        })
    }

    fn features(&self) -> Features {
        Features::RESPONSE | Features::RESPONSE_BODY
    }

    fn on_request(&mut self) -> Action {
        self.calls += 1;
        let h = request::headers();
        let mut r: Vec<String> = Vec::new();
        r.push(format!("calls={}", self.calls));
        r.push(format!("config={}", String::from_utf8_lossy(&self.config)));
        r.push(format!("method={}", request::method()));
        r.push(format!("uri={}", request::uri()));
        r.push(format!("path={}", request::path()));
        r.push(format!("query={}", request::query()));
        r.push(format!("proto={}", request::proto()));
        r.push(format!(
            "client_addr_has_port={}",
            request::client_addr().contains(':')
        ));
        r.push(format!("get={:?}", h.get("x-multi")));
        r.push(format!("get_absent={:?}", h.get("X-Absent")));
        r.push(format!("values={:?}", h.values("X-Multi")));
        r.push(format!("names={:?}", h.names()));
        let mut raw = vec![1u8];
        r.push(format!(
            "method_into={:?} {}",
            request::method_into(&mut raw),
            String::from_utf8_lossy(&raw)
        ));
        r.push(format!(
            "uri_into={:?} {}",
            request::uri_into(&mut raw),
            String::from_utf8_lossy(&raw)
        ));
        r.push(format!(
            "values_into_raw={:?} {:?}",
            h.values_into(b"X-Raw", &mut raw),
            raw
        ));
        r.push(format!(
            "values_into_absent={:?} {:?}",
            h.values_into(b"X-Absent", &mut raw),
            raw
        ));
        let names_into = h.names_into(&mut raw);
        r.push(format!(
            "names_into={:?} {}",
            names_into,
            raw.split(|&c| c == 0)
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect::<Vec<_>>()
                == h.names()
        ));
        let mut small = [0u8; 4];
        r.push(format!(
            "get_into_small={:?}",
            h.get_into("X-Long", &mut small)
        ));
        let mut buf = [0u8; 64];
        r.push(format!(
            "get_into={:?}",
            h.get_into("X-Multi", &mut buf)
                .map(|v| v.map(|b| String::from_utf8_lossy(b).into_owned()))
        ));
        let mut none = [0u8; 8];
        r.push(format!(
            "get_into_absent={:?}",
            h.get_into("X-Absent", &mut none)
        ));
        r.push(format!("set={:?}", h.set("X-Set", "1")));
        r.push(format!("add={:?}", h.add("X-Set", "2")));
        r.push(format!("remove={:?}", h.remove("X-Remove")));
        r.push(format!("set_invalid={:?}", h.set("Bad Name", "x")));
        r.push(format!("var_unset={:?}", var("probe.k")));
        r.push(format!("set_var={:?}", gojinn::set_var("probe.k", "v1")));
        r.push(format!("var={:?}", var("probe.k")));
        r.push(format!("body_size={:?}", request::MESSAGE.body_size()));
        r.push(format!(
            "body_into={:?}",
            request::MESSAGE.body_into(&mut self.body)
        ));
        r.push(format!("body={}", String::from_utf8_lossy(&self.body)));
        r.push(format!(
            "body_again={:?}",
            request::MESSAGE.body().map(|b| b.len())
        ));
        r.push(format!(
            "json_get={:?}",
            json_get(Kind::Request, "user.name")
        ));
        r.push(format!(
            "json_get_number={:?}",
            json_get(Kind::Request, "user.age")
                .map(|v| v.map(|(t, b)| (t, String::from_utf8_lossy(&b).into_owned())))
        ));
        r.push(format!(
            "json_get_absent={:?}",
            json_get(Kind::Request, "user.none")
        ));
        r.push(format!(
            "json_get_is_string={}",
            matches!(
                json_get(Kind::Request, "user.name"),
                Ok(Some((JsonType::String, _)))
            )
        ));
        r.push(format!(
            "regex_is_match={:?}",
            self.regex.is_match(Target::Bytes(b"xaddax"))
        ));
        r.push(format!(
            "regex_matches_uri={:?}",
            self.regex.matches(Target::Uri)
        ));
        let mut ids = vec![7];
        r.push(format!(
            "regex_matches_into={:?} {:?}",
            self.regex.matches_into(Target::Bytes(b"/p/adda"), &mut ids),
            ids
        ));
        r.push(format!(
            "regex_find={:?}",
            self.regex.find(Target::Bytes(b"xaddax"))
        ));
        r.push(format!(
            "regex_find_none={:?}",
            self.regex.find(Target::Bytes(b"zzz"))
        ));
        r.push(format!(
            "patterns_body={:?}",
            self.patterns.scan(Target::Body(Kind::Request))
        ));
        r.push(format!(
            "patterns_header={:?}",
            self.patterns.scan(Target::Header(Kind::Request, "X-Who"))
        ));
        r.push(format!(
            "sqli={:?}",
            is_sqli(Target::Bytes(b"1' OR '1'='1"))
        ));
        r.push(format!(
            "sqli_fingerprint={:?}",
            sqli_fingerprint(Target::Bytes(b"1' OR '1'='1"))
        ));
        r.push(format!(
            "sqli_fingerprint_none={:?}",
            sqli_fingerprint(Target::Header(Kind::Request, "X-Who"))
        ));
        r.push(format!(
            "xss_body={:?}",
            is_xss(Target::Body(Kind::Request))
        ));
        r.push(format!(
            "xss_too_large={:?}",
            is_xss(Target::Bytes(&vec![
                b'a';
                gojinn::abi::MAX_INJECTION_INPUT + 1
            ]))
        ));
        r.push(format!("trace={:?}", trace_context()));
        r.push(format!("log_enabled_error={}", log_enabled(Level::Error)));
        log(Level::Info, "probe: logged");
        match self.keyset {
            Ok(k) => {
                let msg = h.get("X-Msg").unwrap_or_default();
                let sig = hex(&h.get("X-Sig").unwrap_or_default());
                r.push(format!(
                    "verify={:?}",
                    k.verify("HS256", "", msg.as_bytes(), &sig)
                ));
            }
            Err(e) => r.push(format!("keyset={:?}", e)),
        }
        r.push(format!("status_before={}", response::status()));
        r.push(format!("set_status_invalid={:?}", response::set_status(42)));
        r.push(format!("error_display={}", Error::BufferTooSmall(9)));
        r.push(format!("kv_open_ungranted={:?}", self.ungranted));
        match self.store {
            Ok(s) => {
                // Keys of this request's own, but for the shared count.
                let k = |name: &str| format!("{}-{}", name, self.calls).into_bytes();
                let hour = Duration::from_secs(3600);
                r.push(format!("kv_get_absent={}", text(s.get(&k("a")))));
                r.push(format!("kv_set={:?}", s.set(&k("a"), b"v", hour)));
                r.push(format!("kv_get={}", text(s.get(&k("a")))));
                r.push(format!(
                    "kv_set_if_absent_present={:?}",
                    s.set_if_absent(&k("a"), b"x", hour)
                ));
                r.push(format!(
                    "kv_set_if_absent={:?}",
                    s.set_if_absent(&k("b"), b"y", Duration::ZERO)
                ));
                r.push(format!(
                    "kv_cas={:?}",
                    s.compare_and_swap(&k("a"), b"v", b"w", hour)
                ));
                r.push(format!(
                    "kv_cas_mismatch={:?}",
                    s.compare_and_swap(&k("a"), b"v", b"z", hour)
                ));
                r.push(format!("kv_get_swapped={}", text(s.get(&k("a")))));
                r.push(format!("kv_incr_shared={:?}", s.incr(b"count", 1, hour)));
                let _ = s.set(&k("big"), b"4294967296", Duration::ZERO);
                r.push(format!(
                    "kv_incr_big={:?}",
                    s.incr(&k("big"), -2, Duration::ZERO)
                ));
                r.push(format!(
                    "kv_incr_not_integer={:?}",
                    s.incr(&k("a"), 1, Duration::ZERO)
                ));
                r.push(format!(
                    "kv_ttl_too_long={:?}",
                    s.set(&k("c"), b"v", Duration::from_secs(30 * 24 * 3600))
                ));
                r.push(format!("kv_delete={:?}", s.delete(&k("a"))));
                r.push(format!("kv_delete_absent={:?}", s.delete(&k("a"))));
            }
            Err(e) => r.push(format!("kv_open={:?}", e)),
        }
        if request::path() == "/respond" {
            let _ = response::headers().set("X-Probe", "answered");
            let mut body = r.join("\n");
            body.push('\n');
            return response::respond_with(418, body.as_bytes());
        }
        let _ = h.set("X-Report", &r.join("|"));
        Action::Continue
    }

    fn on_response(&mut self) -> Action {
        let body = response::MESSAGE.body().unwrap_or_default();
        let status = response::status();
        let _ = response::headers().set("X-Upstream-Status", &status.to_string());
        let mut out = b"rewritten: ".to_vec();
        out.extend_from_slice(&body);
        let _ = response::MESSAGE.set_body(&out);
        let _ = response::set_status(201);
        Action::Continue
    }
}

gojinn::export_filter!(Probe);
