//! The Gojinn host ABI v1 for filters written in Rust.
//!
//! A filter is a type that implements [`Filter`], exported with
//! [`export_filter!`], built as a `cdylib` for `wasm32-wasi`:
//!
//! ```ignore
//! #![deny(unsafe_code)]
//! use gojinn::{request, Action, Filter};
//!
//! struct Greeter;
//!
//! impl Filter for Greeter {
//!     fn configure(_config: &[u8]) -> Result<Self, String> {
//!         Ok(Greeter)
//!     }
//!     fn on_request(&mut self) -> Action {
//!         let who = request::headers().get("X-Name").unwrap_or_else(|| "stranger".into());
//!         let _ = request::headers().set("X-Hello", &format!("hello, {}", who));
//!         Action::Continue
//!     }
//! }
//!
//! gojinn::export_filter!(Greeter);
//! ```
//!
//! Filter code needs no `unsafe`: the crate wraps every host function
//! ([`sys`] holds the raw ones) and hides the ABI's buffer-limit protocol
//! (a host function that returns data is called again with a buffer of
//! the length it reported). The functions that return owned values
//! allocate; [`Headers::get_into`] and [`Message::body_into`] read into
//! the caller's buffer instead, for a filter that reads on every request.
//!
//! The crate uses std, which Debian's `libstd-rust-dev-wasm32` ships for
//! `wasm32-wasi`: it brings the allocator and the panic runtime (a panic
//! writes its message to stderr and traps the guest, which costs the one
//! request), where `no_std` would need the crate to carry its own.
//! docs/ABI.md is the specification.

#![deny(missing_docs)]
#![deny(unsafe_code)]

#[allow(missing_docs)]
pub mod abi;
#[allow(missing_docs)] // each function is its row of docs/ABI.md
pub mod sys;

mod kv;
mod primitives;

use std::cell::RefCell;
use std::fmt;

pub use kv::Store;
pub use primitives::{
    is_sqli, is_xss, json_get, sqli_fingerprint, trace_context, JsonType, Patterns, Regex,
    RegexMatch, Target,
};

/// What a handler returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Pass the exchange to the next filter, or on to the route.
    Continue,
    /// Stop the chain and send the response the filter set.
    Respond,
}

impl Action {
    fn code(self) -> i32 {
        match self {
            Action::Continue => abi::ACTION_CONTINUE,
            Action::Respond => abi::ACTION_RESPOND,
        }
    }
}

/// An error a host function returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// No such header, variable or key (`ERR_NOT_FOUND`).
    NotFound,
    /// A malformed name, value, status or argument (`ERR_INVALID`).
    Invalid,
    /// A value over the host's limit (`ERR_TOO_LARGE`).
    TooLarge,
    /// The function does not apply in this phase (`ERR_PHASE`).
    Phase,
    /// A signature did not verify (`ERR_SIGNATURE`).
    Signature,
    /// The resource cannot be had now (`ERR_UNAVAILABLE`).
    Unavailable,
    /// The caller's buffer is shorter than the value, whose length this
    /// is; nothing was copied. Only the `_into` functions return it.
    BufferTooSmall(usize),
    /// A result code this version of the crate does not know.
    Unknown(i32),
}

impl Error {
    fn from_code(code: i32) -> Error {
        match code {
            abi::ERR_NOT_FOUND => Error::NotFound,
            abi::ERR_INVALID => Error::Invalid,
            abi::ERR_TOO_LARGE => Error::TooLarge,
            abi::ERR_PHASE => Error::Phase,
            abi::ERR_SIGNATURE => Error::Signature,
            abi::ERR_UNAVAILABLE => Error::Unavailable,
            c => Error::Unknown(c),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound => f.write_str("gojinn: not found"),
            Error::Invalid => f.write_str("gojinn: invalid argument"),
            Error::TooLarge => f.write_str("gojinn: too large"),
            Error::Phase => f.write_str("gojinn: not in this phase"),
            Error::Signature => f.write_str("gojinn: signature does not verify"),
            Error::Unavailable => f.write_str("gojinn: unavailable"),
            Error::BufferTooSmall(n) => {
                write!(f, "gojinn: buffer too small, the value is {} bytes", n)
            }
            Error::Unknown(c) => write!(f, "gojinn: unknown result {}", c),
        }
    }
}

impl std::error::Error for Error {}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// checked turns an acting host function's result into a Result.
fn checked(r: i32) -> Result<()> {
    if r < 0 {
        Err(Error::from_code(r))
    } else {
        Ok(())
    }
}

/// fetch runs a buffer-limit host call until the value fits in a vector
/// of its own and returns the value.
fn fetch(mut call: impl FnMut(*mut u8, u32) -> i32) -> Result<Vec<u8>> {
    let mut v: Vec<u8> = Vec::with_capacity(256);
    loop {
        let cap = v.capacity();
        let n = call(v.as_mut_ptr(), cap as u32);
        if n < 0 {
            return Err(Error::from_code(n));
        }
        let n = n as usize;
        if n <= cap {
            // SAFETY: the host copied the value's n bytes into the buffer.
            #[allow(unsafe_code)]
            unsafe {
                v.set_len(n)
            };
            return Ok(v);
        }
        v.reserve_exact(n);
    }
}

/// fetch_into is one buffer-limit host call into the caller's buffer.
fn fetch_into(buf: &mut [u8], call: impl FnOnce(*mut u8, u32) -> i32) -> Result<&[u8]> {
    let n = call(buf.as_mut_ptr(), buf.len() as u32);
    if n < 0 {
        return Err(Error::from_code(n));
    }
    let n = n as usize;
    if n > buf.len() {
        return Err(Error::BufferTooSmall(n));
    }
    Ok(&buf[..n])
}

/// read_into runs a buffer-limit host call into buf, replacing its
/// contents and growing it until the value fits: a buffer kept between
/// requests makes the call allocate nothing. On an error buf is left
/// empty.
fn read_into(buf: &mut Vec<u8>, mut call: impl FnMut(*mut u8, u32) -> i32) -> Result<()> {
    buf.clear();
    loop {
        let cap = buf.capacity();
        let n = call(buf.as_mut_ptr(), cap as u32);
        if n < 0 {
            return Err(Error::from_code(n));
        }
        let n = n as usize;
        if n <= cap {
            // SAFETY: the host copied the value's n bytes into the buffer.
            #[allow(unsafe_code)]
            unsafe {
                buf.set_len(n)
            };
            return Ok(());
        }
        buf.reserve_exact(n);
    }
}

fn fetch_string(call: impl FnMut(*mut u8, u32) -> i32) -> Result<String> {
    fetch(call).map(into_string)
}

/// into_string is the bytes as UTF-8, invalid sequences replaced (header
/// values and URIs are bytes; the `_bytes` and `_into` functions keep them).
fn into_string(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// split_nul splits a NUL-separated list as the host writes them.
fn split_nul(v: &[u8]) -> Vec<String> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(|&c| c == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Which message a header or body function acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The request.
    Request,
    /// The response.
    Response,
}

impl Kind {
    fn code(self) -> u32 {
        match self {
            Kind::Request => abi::KIND_REQUEST,
            Kind::Response => abi::KIND_RESPONSE,
        }
    }
}

/// The headers of one message. Names are case-insensitive.
#[derive(Clone, Copy, Debug)]
pub struct Headers {
    kind: Kind,
}

impl Headers {
    /// The headers of the message of kind.
    pub const fn of(kind: Kind) -> Headers {
        Headers { kind }
    }

    fn call_get(&self, name: &str, buf: *mut u8, limit: u32) -> i32 {
        // SAFETY: name and the buffer are live for the call.
        #[allow(unsafe_code)]
        unsafe {
            sys::header_get(
                self.kind.code(),
                name.as_ptr(),
                name.len() as u32,
                buf,
                limit,
            )
        }
    }

    /// The first value of the named header; None when it is absent.
    pub fn get(&self, name: &str) -> Option<String> {
        let v = fetch(|buf, limit| self.call_get(name, buf, limit)).ok()?;
        let first = v.split(|&c| c == 0).next().unwrap_or(&[]);
        Some(String::from_utf8_lossy(first).into_owned())
    }

    /// Reads the named header's first value into buf without allocating:
    /// Ok(None) when it is absent, `Err(Error::BufferTooSmall(n))` when its
    /// values (n bytes) do not fit, then nothing is copied.
    pub fn get_into<'a>(&self, name: &str, buf: &'a mut [u8]) -> Result<Option<&'a [u8]>> {
        match fetch_into(buf, |p, limit| self.call_get(name, p, limit)) {
            Ok(v) => Ok(Some(v.split(|&c| c == 0).next().unwrap_or(&[]))),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every value of the named header, empty when it is absent.
    pub fn values(&self, name: &str) -> Vec<String> {
        match fetch(|buf, limit| self.call_get(name, buf, limit)) {
            Ok(v) => split_nul(&v),
            Err(_) => Vec::new(),
        }
    }

    /// The names of the headers present, canonical and sorted.
    pub fn names(&self) -> Vec<String> {
        let kind = self.kind.code();
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let v = fetch(|buf, limit| unsafe { sys::header_names(kind, buf, limit) });
        v.map(|v| split_nul(&v)).unwrap_or_default()
    }

    /// The header names, NUL-separated as the host lists them, into buf
    /// (see [`Message::body_into`]'s reuse): the bytes as sent, for a filter that
    /// must see exactly what came.
    pub fn names_into(&self, buf: &mut Vec<u8>) -> Result<()> {
        let kind = self.kind.code();
        // SAFETY: read_into passes its buffer's capacity, live for the call.
        #[allow(unsafe_code)]
        let r = read_into(buf, |p, limit| unsafe { sys::header_names(kind, p, limit) });
        r
    }

    /// The values of the header name, NUL-separated, into buf, as sent
    /// (not made UTF-8); Ok(false) and buf empty when it is absent.
    pub fn values_into(&self, name: &[u8], buf: &mut Vec<u8>) -> Result<bool> {
        let kind = self.kind.code();
        // SAFETY: name, and the buffer read_into passes, are live for the call.
        #[allow(unsafe_code)]
        let r = read_into(buf, |p, limit| unsafe {
            sys::header_get(kind, name.as_ptr(), name.len() as u32, p, limit)
        });
        match r {
            Ok(()) => Ok(true),
            Err(Error::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Replaces the named header's values with value.
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        self.set_bytes(name, value.as_bytes())
    }

    /// set for a value that is bytes.
    pub fn set_bytes(&self, name: &str, value: &[u8]) -> Result<()> {
        // SAFETY: name and value are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::header_set(
                self.kind.code(),
                name.as_ptr(),
                name.len() as u32,
                value.as_ptr(),
                value.len() as u32,
            )
        };
        checked(r)
    }

    /// Appends a value to the named header.
    pub fn add(&self, name: &str, value: &str) -> Result<()> {
        // SAFETY: name and value are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::header_add(
                self.kind.code(),
                name.as_ptr(),
                name.len() as u32,
                value.as_ptr(),
                value.len() as u32,
            )
        };
        checked(r)
    }

    /// Deletes the named header.
    pub fn remove(&self, name: &str) -> Result<()> {
        // SAFETY: name is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::header_remove(self.kind.code(), name.as_ptr(), name.len() as u32) };
        checked(r)
    }
}

/// A message: the request or the response, its headers and its body.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    kind: Kind,
}

impl Message {
    /// The message of kind.
    pub const fn of(kind: Kind) -> Message {
        Message { kind }
    }

    /// The message's headers.
    pub const fn headers(&self) -> Headers {
        Headers::of(self.kind)
    }

    /// The body. The host buffers it on first read, up to its limit, so
    /// later filters and the route still get it; `Error::TooLarge` means
    /// it is over that limit and passes on untouched.
    pub fn body(&self) -> Result<Vec<u8>> {
        let kind = self.kind.code();
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let v = fetch(|buf, limit| unsafe { sys::body_read(kind, buf, limit) });
        v
    }

    /// Reads the body into buf, replacing its contents and growing it as
    /// the body needs: a buffer kept between requests makes the read
    /// allocate nothing. On an error buf is left empty.
    pub fn body_into(&self, buf: &mut Vec<u8>) -> Result<()> {
        let kind = self.kind.code();
        // SAFETY: read_into passes its buffer's capacity, live for the call.
        #[allow(unsafe_code)]
        let r = read_into(buf, |p, limit| unsafe { sys::body_read(kind, p, limit) });
        r
    }

    /// The body's length without reading it: Ok(0) means no body;
    /// `Error::Unavailable` a body whose length only reading it tells;
    /// `Error::TooLarge` one over the host's limit.
    pub fn body_size(&self) -> Result<usize> {
        // SAFETY: no memory is passed.
        #[allow(unsafe_code)]
        let r = unsafe { sys::body_size(self.kind.code()) };
        checked(r).map(|_| r as usize)
    }

    /// Replaces the body.
    pub fn set_body(&self, body: &[u8]) -> Result<()> {
        // SAFETY: body is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::body_write(self.kind.code(), body.as_ptr(), body.len() as u32) };
        checked(r)
    }
}

/// The request: method, target, protocol, client, headers and body.
pub mod request {
    use super::*;

    /// The request as a message.
    pub const MESSAGE: Message = Message::of(Kind::Request);

    /// The request's headers.
    pub const fn headers() -> Headers {
        Headers::of(Kind::Request)
    }

    /// The request method.
    pub fn method() -> String {
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let s = fetch_string(|buf, limit| unsafe { sys::method_get(buf, limit) });
        s.unwrap_or_default()
    }

    /// The request method into buf (see [`Message::body_into`]'s reuse).
    pub fn method_into(buf: &mut Vec<u8>) -> Result<()> {
        // SAFETY: read_into passes its buffer's capacity, live for the call.
        #[allow(unsafe_code)]
        let r = read_into(buf, |p, limit| unsafe { sys::method_get(p, limit) });
        r
    }

    /// Changes the request method.
    pub fn set_method(method: &str) -> Result<()> {
        // SAFETY: method is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::method_set(method.as_ptr(), method.len() as u32) };
        checked(r)
    }

    /// The request target as received: path and raw query, encoded.
    pub fn uri() -> String {
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let s = fetch_string(|buf, limit| unsafe { sys::uri_get(buf, limit) });
        s.unwrap_or_default()
    }

    /// The request target into buf, as received (not made UTF-8).
    pub fn uri_into(buf: &mut Vec<u8>) -> Result<()> {
        // SAFETY: read_into passes its buffer's capacity, live for the call.
        #[allow(unsafe_code)]
        let r = read_into(buf, |p, limit| unsafe { sys::uri_get(p, limit) });
        r
    }

    /// Replaces the request target (a path and an optional "?query").
    pub fn set_uri(uri: &str) -> Result<()> {
        // SAFETY: uri is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::uri_set(uri.as_ptr(), uri.len() as u32) };
        checked(r)
    }

    /// The URI up to its query, still encoded.
    pub fn path() -> String {
        let mut u = uri();
        if let Some(i) = u.find('?') {
            u.truncate(i);
        }
        u
    }

    /// The URI after its '?', still encoded; empty when there is none.
    pub fn query() -> String {
        let u = uri();
        match u.find('?') {
            Some(i) => u[i + 1..].to_string(),
            None => String::new(),
        }
    }

    /// The protocol, like "HTTP/1.1".
    pub fn proto() -> String {
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let s = fetch_string(|buf, limit| unsafe { sys::proto_get(buf, limit) });
        s.unwrap_or_default()
    }

    /// The client's address as "ip:port".
    pub fn client_addr() -> String {
        // SAFETY: the buffer is live for the call.
        #[allow(unsafe_code)]
        let s = fetch_string(|buf, limit| unsafe { sys::client_addr_get(buf, limit) });
        s.unwrap_or_default()
    }
}

/// The response: status, headers and body.
pub mod response {
    use super::*;

    /// The response as a message.
    pub const MESSAGE: Message = Message::of(Kind::Response);

    /// The response's headers.
    pub const fn headers() -> Headers {
        Headers::of(Kind::Response)
    }

    /// The response status, 0 before one is set.
    pub fn status() -> u16 {
        // SAFETY: no memory is passed.
        #[allow(unsafe_code)]
        let s = unsafe { sys::status_get() };
        s.max(0) as u16
    }

    /// Sets the response status (200-999).
    pub fn set_status(status: u16) -> Result<()> {
        // SAFETY: no memory is passed.
        #[allow(unsafe_code)]
        let r = unsafe { sys::status_set(status as u32) };
        checked(r)
    }

    /// Sets the status and the body and returns `Action::Respond`, so that
    /// a handler can end with `return response::respond_with(403, b"no")`.
    /// A failure is logged: the response goes with what could be set.
    pub fn respond_with(status: u16, body: &[u8]) -> Action {
        if let Err(e) = set_status(status) {
            log(Level::Error, &format!("respond: status: {}", e));
        }
        if let Err(e) = MESSAGE.set_body(body) {
            log(Level::Error, &format!("respond: body: {}", e));
        }
        Action::Respond
    }
}

/// A chain variable set by this or an earlier filter; None when unset.
pub fn var(name: &str) -> Option<String> {
    // SAFETY: name and the buffer are live for the call.
    #[allow(unsafe_code)]
    let v = fetch_string(|buf, limit| unsafe {
        sys::var_get(name.as_ptr(), name.len() as u32, buf, limit)
    });
    v.ok()
}

/// Sets a chain variable for later filters and the host (Caddy's
/// placeholder `{gojinn.var.<name>}`).
pub fn set_var(name: &str, value: &str) -> Result<()> {
    // SAFETY: name and value are live for the call.
    #[allow(unsafe_code)]
    let r = unsafe {
        sys::var_set(
            name.as_ptr(),
            name.len() as u32,
            value.as_ptr(),
            value.len() as u32,
        )
    };
    checked(r)
}

/// The filter's config: the bytes of the Caddyfile's config or
/// config_file, empty when there is none.
pub fn config() -> Vec<u8> {
    // SAFETY: the buffer is live for the call.
    #[allow(unsafe_code)]
    let v = fetch(|buf, limit| unsafe { sys::config_get(buf, limit) });
    v.unwrap_or_default()
}

/// A log level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warn.
    Warn,
    /// Error.
    Error,
}

impl Level {
    fn code(self) -> i32 {
        match self {
            Level::Debug => abi::LOG_DEBUG,
            Level::Info => abi::LOG_INFO,
            Level::Warn => abi::LOG_WARN,
            Level::Error => abi::LOG_ERROR,
        }
    }
}

/// Writes msg to the host's log at level, under the filter's name.
pub fn log(level: Level, msg: &str) {
    // SAFETY: msg is live for the call.
    #[allow(unsafe_code)]
    unsafe {
        sys::log(level.code(), msg.as_ptr(), msg.len() as u32)
    }
}

/// Whether the host logs at level, so that a filter can skip building a
/// message nobody reads.
pub fn log_enabled(level: Level) -> bool {
    // SAFETY: no memory is passed.
    #[allow(unsafe_code)]
    let r = unsafe { sys::log_enabled(level.code()) };
    r != 0
}

/// A set of verification keys the host holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keyset(i32);

impl Keyset {
    /// Asks the host to load a key set from spec (JSON, docs/ABI.md):
    /// inline JWKS, a JWKS file or URL, PEM keys, an HMAC secret from the
    /// environment. Call it from `Filter::configure`.
    pub fn open(spec: &[u8]) -> Result<Keyset> {
        // SAFETY: spec is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::keyset_open(spec.as_ptr(), spec.len() as u32) };
        checked(r).map(|_| Keyset(r))
    }

    /// Checks sig over msg with the key named kid (empty: any key of the
    /// set that fits alg). Ok means the signature holds.
    pub fn verify(&self, alg: &str, kid: &str, msg: &[u8], sig: &[u8]) -> Result<()> {
        // SAFETY: every slice is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::signature_verify(
                self.0,
                alg.as_ptr(),
                alg.len() as u32,
                kid.as_ptr(),
                kid.len() as u32,
                msg.as_ptr(),
                msg.len() as u32,
                sig.as_ptr(),
                sig.len() as u32,
            )
        };
        checked(r)
    }
}

/// The hooks a filter asks the host for, beyond `on_request`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(u32);

impl Features {
    /// Nothing beyond `on_request`.
    pub const NONE: Features = Features(0);
    /// Call `on_response` on the response of every request that continued.
    pub const RESPONSE: Features = Features(abi::FEATURE_RESPONSE);
    /// Hold the response body, so that `response::MESSAGE.body()` and
    /// `set_body` work in `on_response` (with `RESPONSE`). Without it the
    /// response streams through.
    pub const RESPONSE_BODY: Features = Features(abi::FEATURE_RESPONSE_BODY);
    /// `on_request` reads the request body: the host reads it before the
    /// call, so that a slow client waits on the host, not the filter.
    pub const REQUEST_BODY: Features = Features(abi::FEATURE_REQUEST_BODY);
    /// The response headers `on_request` set go out with the route's
    /// response when it continues: a header on every response without a
    /// response phase.
    pub const CARRY_RESPONSE_HEADERS: Features = Features(abi::FEATURE_CARRY_RESPONSE_HEADERS);

    /// The flags as the ABI spells them.
    pub const fn bits(self) -> u32 {
        self.0
    }
}

impl std::ops::BitOr for Features {
    type Output = Features;
    fn bitor(self, rhs: Features) -> Features {
        Features(self.0 | rhs.0)
    }
}

/// A filter: made from its config once per instance, then called for
/// every request (and response, when its features ask for it). One
/// instance runs one call at a time, so the handlers take `&mut self`.
pub trait Filter: Sized + 'static {
    /// Makes the filter from its config (see [`config`]). An error refuses
    /// the configuration: the host fails the load with its text.
    fn configure(config: &[u8]) -> std::result::Result<Self, String>;

    /// The hooks the filter asks for, declared once after `configure`.
    fn features(&self) -> Features {
        Features::NONE
    }

    /// Runs for every request that reaches the filter.
    fn on_request(&mut self) -> Action;

    /// Runs on the response of every request whose `on_request`
    /// continued, when `features` includes `Features::RESPONSE`.
    fn on_response(&mut self) -> Action {
        Action::Continue
    }
}

/// The calls the exports make, for [`export_filter!`]; not an API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    trait Hooks {
        fn on_request(&mut self) -> Action;
        fn on_response(&mut self) -> Action;
    }

    impl<F: Filter> Hooks for F {
        fn on_request(&mut self) -> Action {
            Filter::on_request(self)
        }
        fn on_response(&mut self) -> Action {
            Filter::on_response(self)
        }
    }

    thread_local! {
        // The instance's filter, made by gojinn_configure. A wasm instance
        // has one thread and runs one call at a time.
        static FILTER: RefCell<Option<Box<dyn Hooks>>> = RefCell::new(None);
    }

    /// gojinn_configure: make the filter, declare its features.
    pub fn configure<F: Filter>() -> i32 {
        let filter = match F::configure(&config()) {
            Ok(f) => f,
            Err(msg) => {
                log(Level::Error, &format!("configure: {}", msg));
                return 1;
            }
        };
        let flags = filter.features().bits();
        if flags != 0 {
            // SAFETY: no memory is passed.
            #[allow(unsafe_code)]
            let r = unsafe { sys::features_set(flags) };
            if let Err(e) = checked(r) {
                log(Level::Error, &format!("features_set refused: {}", e));
                return 1;
            }
        }
        FILTER.with(|f| *f.borrow_mut() = Some(Box::new(filter)));
        0
    }

    fn with_filter(call: impl FnOnce(&mut dyn Hooks) -> Action) -> i32 {
        FILTER.with(|f| match f.borrow_mut().as_mut() {
            Some(filter) => call(filter.as_mut()).code(),
            // The host configures every instance before its first call.
            None => panic!("gojinn: called before gojinn_configure"),
        })
    }

    /// gojinn_on_request.
    pub fn on_request() -> i32 {
        with_filter(|f| f.on_request())
    }

    /// gojinn_on_response.
    pub fn on_response() -> i32 {
        with_filter(|f| f.on_response())
    }

    extern "C" {
        fn __wasm_call_ctors();
    }

    /// _initialize: the reactor's start-up, run once per instance before
    /// any other export. Defining it makes the linker build a reactor;
    /// without it, it would wrap every export in a run of the static
    /// constructors and destructors, as it does for a command's _start.
    pub fn initialize() {
        // SAFETY: the host calls _initialize once, first.
        #[allow(unsafe_code)]
        unsafe {
            __wasm_call_ctors()
        }
    }
}

/// Exports the filter type's hooks as the module's `gojinn_*` functions,
/// and the ABI version marker. Use it once, at the crate root of a
/// `cdylib`. The exports are the only code it writes into the filter's
/// crate; a crate with `#![deny(unsafe_code)]` accepts them (they carry
/// `#[allow(unsafe_code)]`, which naming an export needs).
#[macro_export]
macro_rules! export_filter {
    ($filter:ty) => {
        #[allow(unsafe_code)]
        #[export_name = "gojinn_abi_v1"]
        extern "C" fn __gojinn_abi_v1() {}

        #[allow(unsafe_code)]
        #[export_name = "_initialize"]
        extern "C" fn __gojinn_initialize() {
            $crate::__private::initialize()
        }

        #[allow(unsafe_code)]
        #[export_name = "gojinn_configure"]
        extern "C" fn __gojinn_configure() -> i32 {
            $crate::__private::configure::<$filter>()
        }

        #[allow(unsafe_code)]
        #[export_name = "gojinn_on_request"]
        extern "C" fn __gojinn_on_request() -> i32 {
            $crate::__private::on_request()
        }

        #[allow(unsafe_code)]
        #[export_name = "gojinn_on_response"]
        extern "C" fn __gojinn_on_response() -> i32 {
            $crate::__private::on_response()
        }
    };
}
