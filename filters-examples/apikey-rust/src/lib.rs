//! apikey is a Gojinn filter in Rust: it lets through the requests that
//! carry one of the configured API keys in X-Api-Key, answers 401 to the
//! others, and takes the key off the request, so that the upstream never
//! sees it; the key's name goes on as the chain variable `apikey.name`.
//!
//! Config: one key a line, as `name=key` (blank lines and lines starting
//! with '#' are skipped). A config without keys is refused.

#![deny(unsafe_code)]

use gojinn::{request, response, Action, Filter};

struct ApiKey {
    /// (name, key) for each configured key.
    keys: Vec<(String, Vec<u8>)>,
}

impl Filter for ApiKey {
    fn configure(config: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(config).map_err(|_| "config is not UTF-8".to_string())?;
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('=') {
                Some((name, key)) if !name.trim().is_empty() && !key.trim().is_empty() => {
                    keys.push((name.trim().to_string(), key.trim().as_bytes().to_vec()))
                }
                _ => return Err(format!("line {}: want name=key", i + 1)),
            }
        }
        if keys.is_empty() {
            return Err("no keys: every request would be refused".to_string());
        }
        Ok(ApiKey { keys })
    }

    fn on_request(&mut self) -> Action {
        // The key is read into the stack: no allocation on the way in.
        let mut buf = [0u8; 256];
        let name = match request::headers().get_into("X-Api-Key", &mut buf) {
            Ok(Some(presented)) => self
                .keys
                .iter()
                .find(|(_, key)| key == presented)
                .map(|(name, _)| name),
            // Absent, or longer than any key worth checking.
            Ok(None) | Err(_) => None,
        };
        match name {
            Some(name) => {
                let _ = request::headers().remove("X-Api-Key");
                let _ = gojinn::set_var("apikey.name", name);
                Action::Continue
            }
            None => {
                let _ = response::headers().set("Content-Type", "text/plain; charset=utf-8");
                let _ = response::headers().set("Www-Authenticate", "ApiKey");
                response::respond_with(401, b"apikey: a valid X-Api-Key is required\n")
            }
        }
    }
}

gojinn::export_filter!(ApiKey);
