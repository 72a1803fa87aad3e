//! rustguest is the Rust case runner of the conformance suite: it runs
//! the script it is configured with (see conformance/script.go for the
//! language) and reports one entry per step, as its twins in Go
//! (testdata/goguest), C (testdata/cguest) and C++ (testdata/cxxguest)
//! do; all must report the same for every case.
//!
//! The steps call the host through the SDK's raw imports (gojinn::sys),
//! not its safe API: the cases look at what the SDK hides (result codes,
//! short buffers, bad pointers). For the same reason the runner writes its
//! own exports: a script may return any action, which the SDK's Action
//! cannot.

use gojinn::abi;
use gojinn::sys;
use std::cell::RefCell;

/// The buffer the host writes into is filled with FILL, GUARD bytes past
/// its limit too, so that the report can tell what the host wrote.
const FILL: u8 = 0xAA;
const GUARD: usize = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Configure,
    Request,
    Response,
}

/// What a step does to its phase.
enum Flow {
    /// Report the entry and go on.
    Next,
    /// End the phase, returning the action.
    Return(i32),
}

#[derive(Default)]
struct Runner {
    script: String,
    /// The report being built, entries separated by ';'.
    out: Vec<u8>,
    configure_report: Vec<u8>,
    /// The count steps this instance ran.
    calls: i64,
    /// The flags of the last features_set step that succeeded in
    /// configure, -1 when none did.
    declared: i64,
}

thread_local! {
    static RUNNER: RefCell<Runner> = RefCell::new(Runner { declared: -1, ..Runner::default() });
}

fn fnv32a(b: &[u8]) -> u32 {
    let mut h: u32 = 2166136261;
    for &c in b {
        h ^= c as u32;
        h = h.wrapping_mul(16777619);
    }
    h
}

fn hexval(c: u8) -> u8 {
    (c as char).to_digit(16).unwrap_or(0) as u8
}

/// parse_uint reads an unsigned integer as C's strtoul with base 0 does:
/// 0x for hex, a leading 0 for octal, the longest valid prefix, 0 for none.
fn parse_uint(s: &[u8]) -> u64 {
    let (digits, radix) = if s.len() > 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') {
        (&s[2..], 16)
    } else if s.len() > 1 && s[0] == b'0' {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    let mut v: u64 = 0;
    for &c in digits {
        match (c as char).to_digit(radix) {
            Some(d) => v = v.wrapping_mul(radix as u64).wrapping_add(d as u64),
            None => break,
        }
    }
    v
}

/// arg_int is an integer argument: decimal or 0x hex, a negative one as
/// two's complement; a missing one is 0.
fn arg_int(a: &[&str], i: usize) -> u32 {
    let tok = a.get(i).map(|s| s.as_bytes()).unwrap_or(b"0");
    match tok.first() {
        Some(b'-') => (parse_uint(&tok[1..]) as i64).wrapping_neg() as u32,
        _ => parse_uint(tok) as u32,
    }
}

/// arg_str is a string argument: parts joined by '+', each percent-decoded
/// and then repeated when it ends in *N; '' is the empty string.
fn arg_str(a: &[&str], i: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let tok = match a.get(i) {
        Some(t) if *t != "''" => *t,
        _ => return out,
    };
    for part in tok.split('+') {
        let mut part = part.as_bytes();
        let mut rep = 1usize;
        if let Some(j) = part.iter().rposition(|&c| c == b'*') {
            rep = std::str::from_utf8(&part[j + 1..])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            part = &part[..j];
        }
        let mut unit = Vec::with_capacity(part.len());
        let mut k = 0;
        while k < part.len() {
            if part[k] == b'%' && k + 2 < part.len() {
                unit.push(hexval(part[k + 1]) << 4 | hexval(part[k + 2]));
                k += 3;
            } else {
                unit.push(part[k]);
                k += 1;
            }
        }
        for _ in 0..rep {
            out.extend_from_slice(&unit);
        }
    }
    out
}

fn buffer(limit: u32) -> Vec<u8> {
    vec![FILL; limit as usize + GUARD]
}

impl Runner {
    fn put(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn put_int(&mut self, v: i64) {
        self.put(&v.to_string());
    }

    fn put_escaped(&mut self, b: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for &c in b {
            if !(0x21..=0x7e).contains(&c) || c == b'%' || c == b';' {
                self.out
                    .extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            } else {
                self.out.push(c);
            }
        }
    }

    /// report_data reports a data call under the buffer-limit protocol.
    fn report_data(&mut self, r: i32, b: &[u8], limit: u32) {
        self.put_int(r as i64);
        let mut written = 0usize;
        if r >= 0 && r as u32 <= limit {
            written = r as usize;
            if r > 0 {
                self.put(" ");
                if r <= 128 {
                    self.put_escaped(&b[..written]);
                } else {
                    self.put(&format!("#{:08x}", fnv32a(&b[..written])));
                }
            }
        }
        if b[written..].iter().any(|&c| c != FILL) {
            self.put(" clobbered");
        }
    }

    /// report_count reports kv_incr: its result and, when it is 0, the
    /// count the host wrote (a signed 64-bit little-endian integer in the
    /// first 8 bytes), and " clobbered" when it wrote anywhere else.
    fn report_count(&mut self, r: i32, b: &[u8], limit: u32) {
        self.put_int(r as i64);
        let mut written = 0;
        if r == 0 && limit >= 8 {
            written = 8;
            let mut count = [0u8; 8];
            count.copy_from_slice(&b[..8]);
            self.put(" ");
            self.put_int(i64::from_le_bytes(count));
        }
        if b[written..].iter().any(|&c| c != FILL) {
            self.put(" clobbered");
        }
    }

    /// step runs one step of phase.
    fn step(&mut self, a: &[&str], phase: Phase) -> Flow {
        let s = |i| arg_str(a, i);
        let n = |i| arg_int(a, i);
        // SAFETY (every host call below): the pointers are of live
        // vectors with at least the lengths passed; raw steps pass the
        // script's integers on purpose, which the host bounds-checks.
        #[allow(unused_unsafe)]
        unsafe {
            match a[0] {
                op @ ("method_get" | "uri_get" | "proto_get" | "client_addr_get" | "config_get"
                | "trace_context_get") => {
                    let limit = n(1);
                    let mut b = buffer(limit);
                    let p = b.as_mut_ptr();
                    let r = match op {
                        "method_get" => sys::method_get(p, limit),
                        "uri_get" => sys::uri_get(p, limit),
                        "proto_get" => sys::proto_get(p, limit),
                        "client_addr_get" => sys::client_addr_get(p, limit),
                        "trace_context_get" => sys::trace_context_get(p, limit),
                        _ => sys::config_get(p, limit),
                    };
                    self.report_data(r, &b, limit);
                }
                op @ ("method_set" | "uri_set" | "keyset_open") => {
                    let v = s(1);
                    let r = match op {
                        "method_set" => sys::method_set(v.as_ptr(), v.len() as u32),
                        "uri_set" => sys::uri_set(v.as_ptr(), v.len() as u32),
                        _ => sys::keyset_open(v.as_ptr(), v.len() as u32),
                    };
                    self.put_int(r as i64);
                }
                "header_get" => {
                    let (name, limit) = (s(2), n(3));
                    let mut b = buffer(limit);
                    let r = sys::header_get(
                        n(1),
                        name.as_ptr(),
                        name.len() as u32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_data(r, &b, limit);
                }
                op @ ("header_names" | "body_read") => {
                    let limit = n(2);
                    let mut b = buffer(limit);
                    let r = if op == "body_read" {
                        sys::body_read(n(1), b.as_mut_ptr(), limit)
                    } else {
                        sys::header_names(n(1), b.as_mut_ptr(), limit)
                    };
                    self.report_data(r, &b, limit);
                }
                op @ ("header_set" | "header_add") => {
                    let (name, value) = (s(2), s(3));
                    let f = if op == "header_set" {
                        sys::header_set
                    } else {
                        sys::header_add
                    };
                    let r = f(
                        n(1),
                        name.as_ptr(),
                        name.len() as u32,
                        value.as_ptr(),
                        value.len() as u32,
                    );
                    self.put_int(r as i64);
                }
                op @ ("header_remove" | "body_write") => {
                    let v = s(2);
                    let r = if op == "header_remove" {
                        sys::header_remove(n(1), v.as_ptr(), v.len() as u32)
                    } else {
                        sys::body_write(n(1), v.as_ptr(), v.len() as u32)
                    };
                    self.put_int(r as i64);
                }
                "status_get" => {
                    let r = sys::status_get();
                    self.put_int(r as i64);
                }
                "features_set" => {
                    let r = sys::features_set(n(1));
                    if r == abi::OK && phase == Phase::Configure {
                        self.declared = n(1) as i64;
                    }
                    self.put_int(r as i64);
                }
                "status_set" => {
                    let r = sys::status_set(n(1));
                    self.put_int(r as i64);
                }
                "body_size" => {
                    let r = sys::body_size(n(1));
                    self.put_int(r as i64);
                }
                "log_enabled" => {
                    let r = sys::log_enabled(n(1) as i32);
                    self.put_int(r as i64);
                }
                "var_get" => {
                    let (name, limit) = (s(1), n(2));
                    let mut b = buffer(limit);
                    let r = sys::var_get(name.as_ptr(), name.len() as u32, b.as_mut_ptr(), limit);
                    self.report_data(r, &b, limit);
                }
                "var_set" => {
                    let (name, value) = (s(1), s(2));
                    let r = sys::var_set(
                        name.as_ptr(),
                        name.len() as u32,
                        value.as_ptr(),
                        value.len() as u32,
                    );
                    self.put_int(r as i64);
                }
                "log" => {
                    let msg = s(2);
                    sys::log(n(1) as i32, msg.as_ptr(), msg.len() as u32);
                    self.put("-");
                }
                "signature_verify" => {
                    let (alg, kid, msg, sig) = (s(2), s(3), s(4), s(5));
                    let r = sys::signature_verify(
                        n(1) as i32,
                        alg.as_ptr(),
                        alg.len() as u32,
                        kid.as_ptr(),
                        kid.len() as u32,
                        msg.as_ptr(),
                        msg.len() as u32,
                        sig.as_ptr(),
                        sig.len() as u32,
                    );
                    self.put_int(r as i64);
                }
                "json_get" => {
                    let (path, limit) = (s(2), n(3));
                    let mut b = buffer(limit);
                    let r = sys::json_get(
                        n(1),
                        path.as_ptr(),
                        path.len() as u32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_data(r, &b, limit);
                }
                "json_leaves" => {
                    let limit = n(3);
                    let mut b = buffer(limit);
                    let r = sys::json_leaves(n(1), n(2), b.as_mut_ptr(), limit);
                    self.report_data(r, &b, limit);
                }
                "regex_compile" => {
                    let v = s(1);
                    let r = sys::regex_compile(v.as_ptr(), v.len() as u32);
                    self.put_int(r as i64);
                }
                "patterns_compile" => {
                    let v = s(1);
                    let r = sys::patterns_compile(v.as_ptr(), v.len() as u32, n(2));
                    self.put_int(r as i64);
                }
                "sqli_check" => {
                    let (data, limit) = (s(3), n(4));
                    let mut b = buffer(limit);
                    let r = sys::sqli_check(
                        n(1),
                        n(2),
                        data.as_ptr(),
                        data.len() as u32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_data(r, &b, limit);
                }
                "xss_check" => {
                    let data = s(3);
                    let r = sys::xss_check(n(1), n(2), data.as_ptr(), data.len() as u32);
                    self.put_int(r as i64);
                }
                op @ ("regex_match" | "regex_find" | "patterns_scan") => {
                    let (data, limit) = (s(4), n(5));
                    let mut b = buffer(limit);
                    let f = match op {
                        "regex_match" => sys::regex_match,
                        "regex_find" => sys::regex_find,
                        _ => sys::patterns_scan,
                    };
                    let r = f(
                        n(1) as i32,
                        n(2),
                        n(3),
                        data.as_ptr(),
                        data.len() as u32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_data(r, &b, limit);
                }
                "kv_open" => {
                    let v = s(1);
                    let r = sys::kv_open(v.as_ptr(), v.len() as u32);
                    self.put_int(r as i64);
                }
                "kv_get" => {
                    let (key, limit) = (s(2), n(3));
                    let mut b = buffer(limit);
                    let r = sys::kv_get(
                        n(1) as i32,
                        key.as_ptr(),
                        key.len() as u32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_data(r, &b, limit);
                }
                op @ ("kv_set" | "kv_set_if_absent") => {
                    let (key, value) = (s(2), s(3));
                    let f = match op {
                        "kv_set" => sys::kv_set,
                        _ => sys::kv_set_if_absent,
                    };
                    let r = f(
                        n(1) as i32,
                        key.as_ptr(),
                        key.len() as u32,
                        value.as_ptr(),
                        value.len() as u32,
                        n(4) as i32,
                    );
                    self.put_int(r as i64);
                }
                "kv_cas" => {
                    let (key, old, value) = (s(2), s(3), s(4));
                    let r = sys::kv_cas(
                        n(1) as i32,
                        key.as_ptr(),
                        key.len() as u32,
                        old.as_ptr(),
                        old.len() as u32,
                        value.as_ptr(),
                        value.len() as u32,
                        n(5) as i32,
                    );
                    self.put_int(r as i64);
                }
                "kv_incr" => {
                    let (key, limit) = (s(2), n(5));
                    let mut b = buffer(limit);
                    let r = sys::kv_incr(
                        n(1) as i32,
                        key.as_ptr(),
                        key.len() as u32,
                        n(3) as i32,
                        n(4) as i32,
                        b.as_mut_ptr(),
                        limit,
                    );
                    self.report_count(r, &b, limit);
                }
                "kv_delete" => {
                    let key = s(2);
                    let r = sys::kv_delete(n(1) as i32, key.as_ptr(), key.len() as u32);
                    self.put_int(r as i64);
                }
                "fill_vars" => {
                    let (mut ok, mut first) = (0i64, 0i32);
                    for i in 0..n(1) {
                        let name = format!("v{}", i);
                        let r = sys::var_set(name.as_ptr(), name.len() as u32, b"x".as_ptr(), 1);
                        if r == 0 {
                            ok += 1;
                        } else if first == 0 {
                            first = r;
                        }
                    }
                    self.put(&format!("{} {}", ok, first));
                }
                "raw" => self.raw(&a[1..]),
                "count" => {
                    self.calls += 1;
                    let c = self.calls;
                    self.put_int(c);
                }
                "fault" => return self.fault(phase),
                "continue" if phase == Phase::Request => {
                    self.out.pop(); // the trailing ';'
                    sys::header_add(
                        abi::KIND_REQUEST,
                        b"X-Report".as_ptr(),
                        8,
                        self.out.as_ptr(),
                        self.out.len() as u32,
                    );
                    return Flow::Return(abi::ACTION_CONTINUE);
                }
                "return" => return Flow::Return(n(1) as i32),
                "refuse" if phase == Phase::Configure => {
                    let msg = b"refused by script";
                    sys::log(abi::LOG_ERROR, msg.as_ptr(), msg.len() as u32);
                    return Flow::Return(1);
                }
                // A panic: its message goes to stderr, then the guest traps.
                "trap" => panic!("trap step"),
                #[allow(clippy::empty_loop)]
                "loop" => loop {},
                "recurse" => {
                    let d = deep(0, [0u8; 1].as_ptr());
                    self.put_int(d as i64);
                }
                "grow" => {
                    // Allocate until the memory limit stops it: the
                    // allocator's failure aborts, a trap.
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        let mut v = vec![0u8; 1 << 20];
                        v[0] = 1;
                        hoard.push(v);
                        std::ptr::read_volatile(&hoard.len());
                    }
                }
                op => self.put(&format!("unknown-op {}", op)),
            }
        }
        self.out.push(b';');
        Flow::Next
    }

    /// raw calls a host function with integer arguments only, as hostile
    /// guests do.
    fn raw(&mut self, a: &[&str]) {
        let mut v = [0u32; 9];
        for (i, slot) in v.iter_mut().enumerate() {
            *slot = arg_int(a, i + 1);
        }
        let p = |i: usize| v[i] as usize as *mut u8;
        let c = |i: usize| v[i] as usize as *const u8;
        // SAFETY: the host bounds-checks every pointer; the cases pass bad
        // ones to see it trap.
        let r = unsafe {
            match a.first().copied().unwrap_or("") {
                "method_get" => sys::method_get(p(0), v[1]),
                "method_set" => sys::method_set(c(0), v[1]),
                "uri_get" => sys::uri_get(p(0), v[1]),
                "uri_set" => sys::uri_set(c(0), v[1]),
                "proto_get" => sys::proto_get(p(0), v[1]),
                "client_addr_get" => sys::client_addr_get(p(0), v[1]),
                "header_get" => sys::header_get(v[0], c(1), v[2], p(3), v[4]),
                "header_names" => sys::header_names(v[0], p(1), v[2]),
                "header_set" => sys::header_set(v[0], c(1), v[2], c(3), v[4]),
                "header_add" => sys::header_add(v[0], c(1), v[2], c(3), v[4]),
                "header_remove" => sys::header_remove(v[0], c(1), v[2]),
                "body_read" => sys::body_read(v[0], p(1), v[2]),
                "body_write" => sys::body_write(v[0], c(1), v[2]),
                "body_size" => sys::body_size(v[0]),
                "var_get" => sys::var_get(c(0), v[1], p(2), v[3]),
                "var_set" => sys::var_set(c(0), v[1], c(2), v[3]),
                "config_get" => sys::config_get(p(0), v[1]),
                "log" => {
                    sys::log(v[0] as i32, c(1), v[2]);
                    0
                }
                "keyset_open" => sys::keyset_open(c(0), v[1]),
                "signature_verify" => sys::signature_verify(
                    v[0] as i32,
                    c(1),
                    v[2],
                    c(3),
                    v[4],
                    c(5),
                    v[6],
                    c(7),
                    v[8],
                ),
                "json_get" => sys::json_get(v[0], c(1), v[2], p(3), v[4]),
                "json_leaves" => sys::json_leaves(v[0], v[1], p(2), v[3]),
                "regex_compile" => sys::regex_compile(c(0), v[1]),
                "regex_match" => sys::regex_match(v[0] as i32, v[1], v[2], c(3), v[4], p(5), v[6]),
                "regex_find" => sys::regex_find(v[0] as i32, v[1], v[2], c(3), v[4], p(5), v[6]),
                "patterns_compile" => sys::patterns_compile(c(0), v[1], v[2]),
                "patterns_scan" => {
                    sys::patterns_scan(v[0] as i32, v[1], v[2], c(3), v[4], p(5), v[6])
                }
                "sqli_check" => sys::sqli_check(v[0], v[1], c(2), v[3], p(4), v[5]),
                "xss_check" => sys::xss_check(v[0], v[1], c(2), v[3]),
                "trace_context_get" => sys::trace_context_get(p(0), v[1]),
                "kv_open" => sys::kv_open(c(0), v[1]),
                "kv_get" => sys::kv_get(v[0] as i32, c(1), v[2], p(3), v[4]),
                "kv_set" => sys::kv_set(v[0] as i32, c(1), v[2], c(3), v[4], v[5] as i32),
                "kv_set_if_absent" => {
                    sys::kv_set_if_absent(v[0] as i32, c(1), v[2], c(3), v[4], v[5] as i32)
                }
                "kv_cas" => {
                    sys::kv_cas(v[0] as i32, c(1), v[2], c(3), v[4], c(5), v[6], v[7] as i32)
                }
                "kv_incr" => sys::kv_incr(
                    v[0] as i32,
                    c(1),
                    v[2],
                    v[3] as i32,
                    v[4] as i32,
                    p(5),
                    v[6],
                ),
                "kv_delete" => sys::kv_delete(v[0] as i32, c(1), v[2]),
                _ => {
                    self.put("unknown-raw");
                    return;
                }
            }
        };
        self.put_int(r as i64);
    }

    /// fault runs the request's X-Fault header as a step, or reports "-".
    fn fault(&mut self, phase: Phase) -> Flow {
        let mut line = [0u8; 256];
        // SAFETY: the name and the buffer are live for the call.
        let n = unsafe {
            sys::header_get(
                abi::KIND_REQUEST,
                b"X-Fault".as_ptr(),
                7,
                line.as_mut_ptr(),
                255,
            )
        };
        // As C's strtok would, the step ends at the first NUL: a second
        // value of the header is not part of it.
        let text = if n >= 0 && (n as usize) < line.len() {
            let b = &line[..n as usize];
            std::str::from_utf8(b.split(|&c| c == 0).next().unwrap_or(&[])).ok()
        } else {
            None
        };
        let args: Vec<String> = text
            .map(|t| {
                t.split(' ')
                    .filter(|s| !s.is_empty())
                    .take(16)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if args.is_empty() {
            self.put("-;");
            return Flow::Next;
        }
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        self.step(&a, phase)
    }

    /// run runs the steps of phase in the script; None when it ran to its
    /// end, else the action a step returned.
    fn run(&mut self, phase: Phase) -> Option<i32> {
        let script = std::mem::take(&mut self.script);
        let mut action = None;
        for line in script.split('\n') {
            let mut a: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).take(16).collect();
            if a.is_empty() {
                continue;
            }
            let line_phase = match a[0] {
                "configure" => Phase::Configure,
                "response" => Phase::Response,
                _ => Phase::Request,
            };
            if line_phase != Phase::Request {
                a.remove(0);
                if a.is_empty() {
                    continue;
                }
            }
            if line_phase != phase {
                continue;
            }
            if let Flow::Return(r) = self.step(&a, phase) {
                action = Some(r);
                break;
            }
        }
        self.script = script;
        action
    }
}

/// deep recurses without end until the stack gives out. Each frame hands
/// its callee a pointer to its own buffer, which the callee reads: a frame
/// whose address escapes cannot be turned into a loop, as LLVM turns a
/// plain recursion with an accumulator.
#[allow(unconditional_recursion)]
fn deep(n: u32, parent: *const u8) -> u32 {
    let mut pad = [0u8; 256];
    // SAFETY: pad is a live local, parent the caller's live buffer.
    unsafe {
        std::ptr::write_volatile(&mut pad[(n & 255) as usize], n as u8);
        let up = std::ptr::read_volatile(parent);
        deep(n.wrapping_add(1), pad.as_ptr()).wrapping_add(up as u32)
    }
}

extern "C" {
    fn __wasm_call_ctors();
}

#[export_name = "_initialize"]
pub extern "C" fn initialize() {
    // SAFETY: the host calls _initialize once, before any other export.
    unsafe { __wasm_call_ctors() }
}

#[export_name = "gojinn_abi_v1"]
pub extern "C" fn abi_v1() {}

#[export_name = "gojinn_configure"]
pub extern "C" fn configure() -> i32 {
    RUNNER.with(|r| {
        let r = &mut *r.borrow_mut();
        // The script is the config: read it by the buffer-limit protocol.
        r.script = String::from_utf8_lossy(&gojinn::config()).into_owned();
        let action = r.run(Phase::Configure);
        // A script with response steps asks for the response after its own
        // configure steps, as the Go runner's SDK does: with what a
        // configure step declared, or else the response body.
        if action.map_or(true, |a| a <= 0)
            && (r.script.starts_with("response ") || r.script.contains("\nresponse "))
        {
            let f = if r.declared >= 0 {
                r.declared as u32
            } else {
                abi::FEATURE_RESPONSE_BODY
            };
            // SAFETY: no memory is passed.
            if unsafe { sys::features_set(abi::FEATURE_RESPONSE | f) } != abi::OK {
                return 1;
            }
        }
        r.configure_report = std::mem::take(&mut r.out);
        match action {
            Some(a) if a > 0 => a,
            _ => 0,
        }
    })
}

#[export_name = "gojinn_on_request"]
pub extern "C" fn on_request() -> i32 {
    RUNNER.with(|r| {
        let r = &mut *r.borrow_mut();
        r.out = r.configure_report.clone();
        if let Some(a) = r.run(Phase::Request) {
            return a;
        }
        r.out.pop(); // the trailing ';'
                     // SAFETY: the report is live for the call.
        unsafe { sys::body_write(abi::KIND_RESPONSE, r.out.as_ptr(), r.out.len() as u32) };
        abi::ACTION_RESPOND
    })
}

#[export_name = "gojinn_on_response"]
pub extern "C" fn on_response() -> i32 {
    RUNNER.with(|r| {
        let r = &mut *r.borrow_mut();
        r.out.clear();
        if let Some(a) = r.run(Phase::Response) {
            return a;
        }
        r.out.pop(); // the trailing ';'
        let name = b"X-Response-Report";
        // SAFETY: the name and the report are live for the call.
        unsafe {
            sys::header_add(
                abi::KIND_RESPONSE,
                name.as_ptr(),
                name.len() as u32,
                r.out.as_ptr(),
                r.out.len() as u32,
            )
        };
        abi::ACTION_CONTINUE
    })
}
