//! redact is the response filter of filters-examples/redact in Rust: the
//! same config, matching, output, headers and chain variables, so that
//! either can replace the other. It exists for its cost: the Go filter's
//! scanning runs 6-8x slower in wasm than natively, this one's close to
//! native (docs/BENCHMARKS.md, "Redact in Rust").
//!
//! It asks for the response body (`Features::RESPONSE_BODY`): the host
//! holds each response up to the chain's body limit, runs the filter and
//! sends the result with a correct Content-Length.

#![deny(unsafe_code)]

mod config;
mod json;
mod redactor;

use gojinn::{response, Action, Error, Features, Filter, Level};

use config::{Mode, Settings};
use redactor::Redactor;

struct Redact {
    settings: Settings,
    redactor: Redactor,
    /// The body, a header's values and the media type's lower case, in
    /// buffers kept between responses.
    body: Vec<u8>,
    header: Vec<u8>,
    media_type: Vec<u8>,
    /// The decimal text of a count.
    count: String,
    /// Keeps the over-the-limit warning to one per instance.
    warned_too_large: bool,
}

impl Filter for Redact {
    fn configure(config: &[u8]) -> Result<Self, String> {
        let settings = Settings::parse(config)?;
        let redactor = Redactor::new(settings.options.clone());
        Ok(Redact {
            settings,
            redactor,
            body: Vec::new(),
            header: Vec::new(),
            media_type: Vec::new(),
            count: String::new(),
            warned_too_large: false,
        })
    }

    fn features(&self) -> Features {
        Features::RESPONSE | Features::RESPONSE_BODY
    }

    fn on_request(&mut self) -> Action {
        Action::Continue
    }

    fn on_response(&mut self) -> Action {
        let mode = self.settings.mode_for(
            first_value("Content-Type", &mut self.header),
            &mut self.media_type,
        );
        if mode == Mode::Skip {
            return Action::Continue;
        }
        let enc = first_value("Content-Encoding", &mut self.header);
        if !enc.is_empty() && !enc.eq_ignore_ascii_case(b"identity") {
            // Compressed: the host asks the route for an uncompressed
            // body, so this is an upstream that compresses regardless.
            if gojinn::log_enabled(Level::Debug) {
                let msg = format!(
                    "redact: body has Content-Encoding {}: left untouched",
                    String::from_utf8_lossy(enc)
                );
                gojinn::log(Level::Debug, &msg);
            }
            let _ = gojinn::set_var("redact.skipped", "encoded");
            return Action::Continue;
        }
        match response::MESSAGE.body_into(&mut self.body) {
            Ok(()) => {}
            Err(Error::TooLarge) => {
                if !self.warned_too_large {
                    self.warned_too_large = true;
                    gojinn::log(
                        Level::Warn,
                        "redact: a response body is over the host's body limit (max_body) and was \
                         sent unredacted; this is logged once per instance, see the chain variable \
                         redact.skipped",
                    );
                }
                let _ = gojinn::set_var("redact.skipped", "too_large");
                return Action::Continue;
            }
            Err(e) => {
                gojinn::log(
                    Level::Error,
                    &format!("redact: reading the response body: {}", e),
                );
                let _ = gojinn::set_var("redact.skipped", "error");
                return Action::Continue;
            }
        }
        let (out, n) = match mode {
            Mode::Json => self.redactor.json(&self.body),
            _ => self.redactor.text(&self.body),
        };
        let out = match out {
            Some(out) => out,
            None => return Action::Continue,
        };
        if let Err(e) = response::MESSAGE.set_body(out) {
            // Only when replacements grew the body past the limit.
            gojinn::log(
                Level::Error,
                &format!(
                    "redact: writing the redacted body: {}; the response is sent unredacted",
                    e
                ),
            );
            let _ = gojinn::set_var("redact.skipped", "error");
            return Action::Continue;
        }
        self.count.clear();
        self.count.push_str(itoa(n, &mut [0; 20]));
        if !self.settings.count_header.is_empty() {
            let _ = response::headers().set(&self.settings.count_header, &self.count);
        }
        let _ = gojinn::set_var("redact.count", &self.count);
        Action::Continue
    }
}

/// The first value of the response header name, empty when absent, as
/// the bytes came, read into buf.
fn first_value<'b>(name: &str, buf: &'b mut Vec<u8>) -> &'b [u8] {
    match response::headers().values_into(name.as_bytes(), buf) {
        Ok(true) => buf.split(|&c| c == 0).next().unwrap_or(&[]),
        _ => &[],
    }
}

/// n in decimal, written into buf.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

gojinn::export_filter!(Redact);
