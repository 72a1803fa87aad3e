//! waf is the WAF filter of filters-examples/waf in Rust: the Go
//! filter's detection engine ported (filters-examples/waf/rust, crate
//! waf-detect, held to the Go engine step by step and as a whole), with
//! main.go's reading of the request and answers. Its rules' expressions
//! and libinjection run on the host, where the Go engine's own regexp
//! and libinjection give the same answers. It exists for its cost: Go in
//! wasm runs the engine 6-8x slower than natively (docs/BENCHMARKS.md,
//! "WAF").

mod host;

use gojinn::{log, log_enabled, request, response, set_var, Action, Features, Filter, Level};
use waf_detect::config::{parse_config, Config, MODE_DETECT};
use waf_detect::engine::{Engine, Inspector, Verdict};
use waf_detect::request::{Header, Request};

use host::SdkHost;

/// The largest body buffer kept between requests, so that one big body
/// does not pin its memory for good.
const MAX_KEPT_BODY: usize = 64 << 10;

struct Waf {
    cfg: Config,
    engine: Engine,
    host: SdkHost,
    inspector: Inspector,
    verdict: Verdict,
    /// What a request is read into, kept between requests: the method,
    /// URI, header names (NUL-separated), their values (one after the
    /// other) and the body; spans are each header's name and value as
    /// ranges of names and values.
    method: Vec<u8>,
    uri: Vec<u8>,
    names: Vec<u8>,
    values: Vec<u8>,
    value: Vec<u8>,
    spans: Vec<(usize, usize, usize, usize)>,
    body: Vec<u8>,
    /// The matches as "rule@where,...", and the score's digits.
    summary: Vec<u8>,
}

impl Filter for Waf {
    fn configure(text: &[u8]) -> Result<Self, String> {
        let cfg = parse_config(text)?;
        let engine = Engine::new(&cfg)?;
        let host = SdkHost::compile(&cfg)?;
        Ok(Waf {
            cfg,
            engine,
            host,
            inspector: Inspector::new(),
            verdict: Verdict::default(),
            method: Vec::with_capacity(16),
            uri: Vec::with_capacity(256),
            names: Vec::with_capacity(256),
            values: Vec::with_capacity(1024),
            value: Vec::with_capacity(256),
            spans: Vec::with_capacity(32),
            body: Vec::new(),
            summary: Vec::with_capacity(256),
        })
    }

    // The host reads the body before the call, so a client trickling
    // its body waits on the host, never on one of this filter's
    // instances or inside its time limit.
    fn features(&self) -> Features {
        Features::REQUEST_BODY
    }

    fn on_request(&mut self) -> Action {
        let body_unread = self.read_request();
        let headers: Vec<Header<'_>> = self
            .spans
            .iter()
            .map(|&(n0, n1, v0, v1)| Header {
                name: &self.names[n0..n1],
                value: &self.values[v0..v1],
            })
            .collect();
        let r = Request {
            method: &self.method,
            uri: &self.uri,
            headers: &headers,
            body: if body_unread { &[] } else { &self.body },
            body_unread,
        };
        self.inspector
            .inspect(&self.engine, &self.host, &r, &mut self.verdict);
        drop(headers);
        if self.body.capacity() > MAX_KEPT_BODY {
            self.body = Vec::new();
        }
        self.answer()
    }
}

impl Waf {
    /// Reads what the engine inspects out of the host (main.go's
    /// readRequest): the bytes as sent. Returns whether the request has a
    /// body the filter could not read.
    fn read_request(&mut self) -> bool {
        let _ = request::method_into(&mut self.method);
        let _ = request::uri_into(&mut self.uri);
        let h = request::headers();
        self.spans.clear();
        self.values.clear();
        if h.names_into(&mut self.names).is_err() {
            self.names.clear();
        }
        if !self.names.is_empty() {
            let mut start = 0;
            loop {
                let end = self.names[start..]
                    .iter()
                    .position(|&c| c == 0)
                    .map_or(self.names.len(), |i| start + i);
                if let Ok(true) = h.values_into(&self.names[start..end], &mut self.value) {
                    // One header a value: the host lists them NUL-separated.
                    let mut v0 = 0;
                    loop {
                        let v1 = self.value[v0..]
                            .iter()
                            .position(|&c| c == 0)
                            .map_or(self.value.len(), |i| v0 + i);
                        let at = self.values.len();
                        self.values.extend_from_slice(&self.value[v0..v1]);
                        self.spans.push((start, end, at, self.values.len()));
                        if v1 == self.value.len() {
                            break;
                        }
                        v0 = v1 + 1;
                    }
                }
                if end == self.names.len() {
                    break;
                }
                start = end + 1;
            }
        }
        self.body.clear();
        if self.cfg.max_body_bytes < 0 {
            return false;
        }
        // The host says whether there is a body: no Content-Length is not
        // no body (chunked, HTTP/2), and a body skipped on that ground
        // would pass uninspected.
        match request::MESSAGE.body_size() {
            Ok(0) => return false,
            Err(gojinn::Error::TooLarge) => return true,
            _ => {}
        }
        match request::MESSAGE.body_into(&mut self.body) {
            Ok(()) => false,
            Err(gojinn::Error::TooLarge) => true,
            Err(e) => {
                log(Level::Warn, &format!("waf: reading the body: {}", e));
                true
            }
        }
    }

    /// main.go's answer to a verdict: variables, logs, and 403 for an
    /// attack in block mode.
    fn answer(&mut self) -> Action {
        let v = &self.verdict;
        if v.body_skipped {
            // Over the host's body limit: the body was not inspected, and
            // later filters and logs are told so rather than left to
            // assume.
            let _ = set_var("waf.body", "skipped");
            if log_enabled(Level::Info) {
                log(
                    Level::Info,
                    "waf: body over the host's limit, not inspected",
                );
            }
        } else if v.body_truncated {
            let _ = set_var("waf.body", "truncated");
        }
        if v.matches.is_empty() {
            return Action::Continue;
        }
        let id = request_id();
        self.summary.clear();
        for (i, m) in v.matches.iter().enumerate() {
            if i > 0 {
                self.summary.push(b',');
            }
            self.summary.extend_from_slice(m.rule.as_bytes());
            self.summary.push(b'@');
            self.summary.extend_from_slice(v.place(m));
        }
        let summary = String::from_utf8_lossy(&self.summary);
        let score = v.score.to_string();
        let _ = set_var("waf.score", &score);
        let _ = set_var("waf.matches", &summary);
        let _ = set_var("waf.request_id", &id);
        if !v.attack {
            return Action::Continue;
        }
        if self.cfg.mode == MODE_DETECT {
            if log_enabled(Level::Warn) {
                log(
                    Level::Warn,
                    &format!(
                        "waf: attack detected (detect mode, passed): id={} score={} matches={}",
                        id, score, summary
                    ),
                );
            }
            return Action::Continue;
        }
        if log_enabled(Level::Info) {
            log(
                Level::Info,
                &format!(
                    "waf: request blocked: id={} score={} matches={}",
                    id, score, summary
                ),
            );
        }
        let h = response::headers();
        let _ = h.set("Content-Type", "text/plain; charset=utf-8");
        let _ = h.set("Cache-Control", "no-store");
        let body = format!(
            "Request blocked by the web application firewall.\nRequest id: {}\n",
            id
        );
        response::respond_with(self.cfg.block_status as u16, body.as_bytes())
    }
}

/// Names a request in the refusal and the logs so that an operator can
/// find one from the other: the client's X-Request-Id when it sent a
/// sane one, otherwise 16 random hex digits, drawn from the host on every
/// call (instances are restored from one snapshot, so a generator seeded
/// before it would give every instance the same sequence).
fn request_id() -> String {
    if let Some(id) = request::headers().get("X-Request-Id") {
        if is_sane_id(id.as_bytes()) {
            return id;
        }
    }
    match host::random_u64() {
        Some(n) => format!("{:x}", n | 1 << 63),
        // The host's random source failed: say so rather than name two
        // requests alike.
        None => "unavailable".to_string(),
    }
}

fn is_sane_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
}

gojinn::export_filter!(Waf);
