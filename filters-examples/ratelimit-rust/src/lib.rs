//! ratelimit is the rate limiter of filters-examples/ratelimit in Rust:
//! the same config, store keys, arithmetic, headers and answers, so that
//! either can replace the other, and the two can share one store. It
//! exists for its cost: a Go guest's every call runs through the Go
//! runtime's wasm port, and this one's does not (docs/BENCHMARKS.md,
//! "Shared state").
//!
//! Refused requests get 429 with Retry-After; every answer carries
//! RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, set in the
//! request phase and carried with the route's response
//! (`Features::CARRY_RESPONSE_HEADERS`).

#![deny(unsafe_code)]

mod config;
mod window;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gojinn::{request, response, Action, Features, Filter, Store};

use config::{Config, KeySource, NS_PER_SEC};

struct RateLimit {
    config: Config,
    store: Store,
    /// The decimal text of the limit, for RateLimit-Limit.
    limit_text: Vec<u8>,
    /// Buffers the request path reuses: the store key, a header's value,
    /// and the numbers of the headers.
    key: Vec<u8>,
    header: Vec<u8>,
    remaining: Vec<u8>,
    reset: Vec<u8>,
}

impl Filter for RateLimit {
    fn configure(text: &[u8]) -> Result<Self, String> {
        let config = Config::parse(text)?;
        let store =
            Store::open(&config.store).map_err(|e| format!("store {:?}: {}", config.store, e))?;
        let mut limit_text = Vec::new();
        push_decimal(&mut limit_text, config.window.limit);
        Ok(RateLimit {
            config,
            store,
            limit_text,
            key: Vec::with_capacity(128),
            header: vec![0; 256],
            remaining: Vec::with_capacity(20),
            reset: Vec::with_capacity(20),
        })
    }

    fn features(&self) -> Features {
        Features::CARRY_RESPONSE_HEADERS
    }

    fn on_request(&mut self) -> Action {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let w = self.config.window;
        let (index, elapsed) = w.index(now.as_nanos() as i64);
        // The current window's counter lives two windows: the next one
        // reads it as its previous.
        let ttl = Duration::from_nanos(2 * w.size_ns as u64);
        self.window_key(index);
        let current = match self.store.incr(&self.key, 1, ttl) {
            Ok(n) => n,
            // fail_open: the store is unavailable, and the request goes
            // on unlimited rather than refused.
            Err(_) => return Action::Continue,
        };
        let mut previous = 0;
        if w.needs_previous(current) {
            self.window_key(index - 1);
            if let Ok(Some(v)) = self.store.get(&self.key) {
                previous = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            }
        }
        let d = w.decide(current, previous, elapsed);
        self.remaining.clear();
        push_decimal(&mut self.remaining, d.remaining);
        self.reset.clear();
        push_decimal(&mut self.reset, (d.reset_ns + NS_PER_SEC - 1) / NS_PER_SEC);
        let h = response::headers();
        let _ = h.set_bytes("RateLimit-Limit", &self.limit_text);
        let _ = h.set_bytes("RateLimit-Remaining", &self.remaining);
        let _ = h.set_bytes("RateLimit-Reset", &self.reset);
        if !d.allowed {
            let _ = h.set_bytes("Retry-After", &self.reset);
            let _ = h.set("Content-Type", "text/plain; charset=utf-8");
            return response::respond_with(429, b"too many requests\n");
        }
        Action::Continue
    }
}

impl RateLimit {
    /// Writes into self.key the store key of the request's counter in
    /// window index: `<prefix>:<key>:<index>`, the Go filter's.
    fn window_key(&mut self, index: i64) {
        self.key.clear();
        self.key.extend_from_slice(self.config.prefix.as_bytes());
        self.key.push(b':');
        self.push_request_key();
        self.key.push(b':');
        push_decimal(&mut self.key, index);
    }

    /// Appends the request's key to self.key; "-" when the request has
    /// none (no such header, no such variable): such requests are limited
    /// together, not let through.
    fn push_request_key(&mut self) {
        let start = self.key.len();
        match &self.config.key {
            KeySource::ClientAddr => self
                .key
                .extend_from_slice(client_ip(&request::client_addr()).as_bytes()),
            KeySource::Header(name) => match request::headers().get_into(name, &mut self.header) {
                Ok(Some(v)) => self.key.extend_from_slice(v),
                Ok(None) => {}
                // Longer than the buffer: read it whole.
                Err(_) => {
                    if let Some(v) = request::headers().get(name) {
                        self.key.extend_from_slice(v.as_bytes())
                    }
                }
            },
            KeySource::Var(name) => {
                if let Some(v) = gojinn::var(name) {
                    self.key.extend_from_slice(v.as_bytes())
                }
            }
        }
        if self.key.len() == start {
            self.key.push(b'-');
        }
    }
}

/// The client's IP address without the port (and an IPv6 address
/// without its brackets).
fn client_ip(addr: &str) -> &str {
    let mut ip = addr;
    if let Some(i) = addr.rfind(':') {
        if i > 0 && !addr.ends_with(']') {
            ip = &addr[..i];
        }
    }
    ip.trim_matches(|c| c == '[' || c == ']')
}

/// Appends n in decimal, without the formatting machinery.
fn push_decimal(dst: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        dst.push(b'-');
    }
    dst.extend_from_slice(&digits[i..]);
}

gojinn::export_filter!(RateLimit);
