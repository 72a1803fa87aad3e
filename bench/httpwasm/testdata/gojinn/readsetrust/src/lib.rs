//! Read X-In, set X-Out to its first value, with the Rust SDK: the
//! header is read into the filter's buffer, which allocates nothing.

#![deny(unsafe_code)]

use gojinn::{request, Action, Filter};

struct ReadSet {
    buf: [u8; 2048],
}

impl Filter for ReadSet {
    fn configure(_config: &[u8]) -> Result<Self, String> {
        Ok(ReadSet { buf: [0; 2048] })
    }

    fn on_request(&mut self) -> Action {
        let headers = request::headers();
        if let Ok(Some(v)) = headers.get_into("X-In", &mut self.buf) {
            if !v.is_empty() {
                let _ = headers.set_bytes("X-Out", v);
            }
        }
        Action::Continue
    }
}

gojinn::export_filter!(ReadSet);
