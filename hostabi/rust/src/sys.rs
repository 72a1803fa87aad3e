//! The raw host functions of the `gojinn` import module, one declaration
//! per row of the ABI table (hostabi/funcs.go; hostabi/table_test.go holds
//! these declarations to it). Parameters are named as the table names them.
//!
//! Everything here is `unsafe`: a pointer and length outside the guest's
//! memory trap it. Filters use the safe API of the crate root; these are
//! for code that tests the ABI itself (the conformance runner).

#[link(wasm_import_module = "gojinn")]
extern "C" {
    #[link_name = "method_get"]
    pub fn method_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "method_set"]
    pub fn method_set(method: *const u8, method_len: u32) -> i32;
    #[link_name = "uri_get"]
    pub fn uri_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "uri_set"]
    pub fn uri_set(uri: *const u8, uri_len: u32) -> i32;
    #[link_name = "proto_get"]
    pub fn proto_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "client_addr_get"]
    pub fn client_addr_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "header_get"]
    pub fn header_get(kind: u32, name: *const u8, name_len: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "header_names"]
    pub fn header_names(kind: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "header_set"]
    pub fn header_set(
        kind: u32,
        name: *const u8,
        name_len: u32,
        value: *const u8,
        value_len: u32,
    ) -> i32;
    #[link_name = "header_add"]
    pub fn header_add(
        kind: u32,
        name: *const u8,
        name_len: u32,
        value: *const u8,
        value_len: u32,
    ) -> i32;
    #[link_name = "header_remove"]
    pub fn header_remove(kind: u32, name: *const u8, name_len: u32) -> i32;
    #[link_name = "body_read"]
    pub fn body_read(kind: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "body_write"]
    pub fn body_write(kind: u32, body: *const u8, body_len: u32) -> i32;
    #[link_name = "body_size"]
    pub fn body_size(kind: u32) -> i32;
    #[link_name = "status_get"]
    pub fn status_get() -> i32;
    #[link_name = "status_set"]
    pub fn status_set(status: u32) -> i32;
    #[link_name = "var_get"]
    pub fn var_get(name: *const u8, name_len: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "var_set"]
    pub fn var_set(name: *const u8, name_len: u32, value: *const u8, value_len: u32) -> i32;
    #[link_name = "config_get"]
    pub fn config_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "features_set"]
    pub fn features_set(flags: u32) -> i32;
    #[link_name = "log"]
    pub fn log(level: i32, msg: *const u8, msg_len: u32);
    #[link_name = "log_enabled"]
    pub fn log_enabled(level: i32) -> i32;
    #[link_name = "keyset_open"]
    pub fn keyset_open(spec: *const u8, spec_len: u32) -> i32;
    #[link_name = "signature_verify"]
    pub fn signature_verify(
        keyset: i32,
        alg: *const u8,
        alg_len: u32,
        kid: *const u8,
        kid_len: u32,
        msg: *const u8,
        msg_len: u32,
        sig: *const u8,
        sig_len: u32,
    ) -> i32;
    #[link_name = "json_get"]
    pub fn json_get(kind: u32, path: *const u8, path_len: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "json_leaves"]
    pub fn json_leaves(kind: u32, cursor: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "regex_compile"]
    pub fn regex_compile(patterns: *const u8, patterns_len: u32) -> i32;
    #[link_name = "regex_match"]
    pub fn regex_match(
        regex: i32,
        target: u32,
        kind: u32,
        data: *const u8,
        data_len: u32,
        buf: *mut u8,
        limit: u32,
    ) -> i32;
    #[link_name = "regex_find"]
    pub fn regex_find(
        regex: i32,
        target: u32,
        kind: u32,
        data: *const u8,
        data_len: u32,
        buf: *mut u8,
        limit: u32,
    ) -> i32;
    #[link_name = "patterns_compile"]
    pub fn patterns_compile(patterns: *const u8, patterns_len: u32, flags: u32) -> i32;
    #[link_name = "patterns_scan"]
    pub fn patterns_scan(
        set: i32,
        target: u32,
        kind: u32,
        data: *const u8,
        data_len: u32,
        buf: *mut u8,
        limit: u32,
    ) -> i32;
    #[link_name = "sqli_check"]
    pub fn sqli_check(
        target: u32,
        kind: u32,
        data: *const u8,
        data_len: u32,
        buf: *mut u8,
        limit: u32,
    ) -> i32;
    #[link_name = "xss_check"]
    pub fn xss_check(target: u32, kind: u32, data: *const u8, data_len: u32) -> i32;
    #[link_name = "trace_context_get"]
    pub fn trace_context_get(buf: *mut u8, limit: u32) -> i32;
    #[link_name = "kv_open"]
    pub fn kv_open(name: *const u8, name_len: u32) -> i32;
    #[link_name = "kv_get"]
    pub fn kv_get(store: i32, key: *const u8, key_len: u32, buf: *mut u8, limit: u32) -> i32;
    #[link_name = "kv_set"]
    pub fn kv_set(
        store: i32,
        key: *const u8,
        key_len: u32,
        value: *const u8,
        value_len: u32,
        ttl_ms: i32,
    ) -> i32;
    #[link_name = "kv_set_if_absent"]
    pub fn kv_set_if_absent(
        store: i32,
        key: *const u8,
        key_len: u32,
        value: *const u8,
        value_len: u32,
        ttl_ms: i32,
    ) -> i32;
    #[link_name = "kv_cas"]
    pub fn kv_cas(
        store: i32,
        key: *const u8,
        key_len: u32,
        old: *const u8,
        old_len: u32,
        value: *const u8,
        value_len: u32,
        ttl_ms: i32,
    ) -> i32;
    #[link_name = "kv_incr"]
    pub fn kv_incr(
        store: i32,
        key: *const u8,
        key_len: u32,
        delta: i32,
        ttl_ms: i32,
        count: *mut u8,
        count_len: u32,
    ) -> i32;
    #[link_name = "kv_delete"]
    pub fn kv_delete(store: i32, key: *const u8, key_len: u32) -> i32;
}
