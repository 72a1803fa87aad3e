//! hello-rust is a Gojinn function in Rust, in the command form the
//! original Gojinn's users wrote: it reads the request as JSON on stdin
//! and writes the response as JSON on stdout (docs/ABI.md, "Function
//! modules"), with the standard library alone.
//!
//!     GET /hello?name=ada            -> 200 {"greeting":"hello, ada","method":"GET","body_bytes":0}
//!     POST /hello (X-Name: ada) body -> 200, body_bytes the body's length
//!     anything but GET and POST      -> 405, Allow: GET, POST
//!
//! The greeting comes from the environment (GREETING, "hello" without it),
//! as the original's functions took their settings; `--shout` among the
//! arguments upper-cases it.

mod json;

use json::Value;
use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("hello-rust: reading stdin: {}", e);
        std::process::exit(1);
    }
    let req = match json::parse(&input) {
        Ok(v) => v,
        Err(e) => {
            // The host sends valid JSON: this is a bug worth a 502.
            eprintln!("hello-rust: the request is not JSON: {}", e);
            std::process::exit(1);
        }
    };
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "hello".to_string());
    let shout = std::env::args().any(|a| a == "--shout");
    let out = serve(&req, &greeting, shout);
    if std::io::stdout().write_all(out.as_bytes()).is_err() {
        std::process::exit(1);
    }
}

/// serve answers one request with the response's JSON.
fn serve(req: &Value, greeting: &str, shout: bool) -> String {
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let uri = req.get("uri").and_then(Value::as_str).unwrap_or("");
    let body = req.get("body").and_then(Value::as_str).unwrap_or("");
    if method != "GET" && method != "POST" {
        return respond(
            405,
            &[("Allow", "GET, POST")],
            &problem("GET or POST a greeting"),
        );
    }
    let name = query_param(uri, "name")
        .or_else(|| {
            req.get("headers")
                .and_then(|h| h.get("X-Name"))
                .and_then(|v| v.index(0))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "stranger".to_string());
    let mut text = format!("{}, {}", greeting, name);
    if shout {
        text = text.to_uppercase();
    }
    let out = format!(
        "{{\"greeting\":{},\"method\":{},\"body_bytes\":{}}}",
        json::quote(&text),
        json::quote(method),
        body.len()
    );
    respond(200, &[], &out)
}

/// query_param is the first value of key in the URI's query, with '+'
/// and %XX decoded; None when absent.
fn query_param(uri: &str, key: &str) -> Option<String> {
    let query = uri.splitn(2, '?').nth(1)?;
    for pair in query.split('&') {
        let mut kv = pair.splitn(2, '=');
        if kv.next() == Some(key) {
            return Some(percent_decode(kv.next().unwrap_or("")));
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn problem(detail: &str) -> String {
    format!("{{\"detail\":{}}}", json::quote(detail))
}

/// respond is the response's JSON: the status, the JSON content type,
/// X-Served-By and the extra headers, and the body.
fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut h =
        String::from("\"Content-Type\":[\"application/json\"],\"X-Served-By\":[\"hello-rust\"]");
    for (name, value) in headers {
        h.push_str(&format!(",{}:[{}]", json::quote(name), json::quote(value)));
    }
    format!(
        "{{\"status\":{},\"headers\":{{{}}},\"body\":{}}}\n",
        status,
        h,
        json::quote(body)
    )
}
