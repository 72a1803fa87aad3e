//! The ABI's names, numbers and limits, as docs/ABI.md and hostabi/abi.go
//! give them (hostabi/table_test.go holds these constants to abi.go).
//! Each is gojinn.h's `GOJINN_` name without the prefix.

/// The import module of every host function.
pub const MODULE_NAME: &str = "gojinn";
/// The ABI version this crate is built for.
pub const ABI_VERSION: i32 = 1;

pub const EXPORT_NAME_ABI_VERSION: &str = "gojinn_abi_v1";
pub const EXPORT_NAME_ON_REQUEST: &str = "gojinn_on_request";
pub const EXPORT_NAME_ON_RESPONSE: &str = "gojinn_on_response";
pub const EXPORT_NAME_CONFIGURE: &str = "gojinn_configure";

pub const ACTION_CONTINUE: i32 = 0;
pub const ACTION_RESPOND: i32 = 1;

pub const KIND_REQUEST: u32 = 0;
pub const KIND_RESPONSE: u32 = 1;

pub const FEATURE_RESPONSE: u32 = 1 << 0;
pub const FEATURE_RESPONSE_BODY: u32 = 1 << 1;
pub const FEATURE_REQUEST_BODY: u32 = 1 << 2;
pub const FEATURE_CARRY_RESPONSE_HEADERS: u32 = 1 << 3;

pub const OK: i32 = 0;
pub const ERR_NOT_FOUND: i32 = -1;
pub const ERR_INVALID: i32 = -2;
pub const ERR_TOO_LARGE: i32 = -3;
pub const ERR_PHASE: i32 = -4;
pub const ERR_SIGNATURE: i32 = -5;
pub const ERR_UNAVAILABLE: i32 = -6;

pub const LOG_DEBUG: i32 = 0;
pub const LOG_INFO: i32 = 1;
pub const LOG_WARN: i32 = 2;
pub const LOG_ERROR: i32 = 3;

pub const MAX_NAME_LEN: usize = 1024;
pub const MAX_HEADER_VALUE_LEN: usize = 65536;
pub const MAX_VAR_VALUE_LEN: usize = 65536;
pub const MAX_VARS: usize = 256;
pub const MAX_URI_LEN: usize = 8192;
pub const MAX_LOG_LEN: usize = 8192;
pub const TRACEPARENT_LEN: usize = 55;
pub const DEFAULT_MAX_BODY_BYTES: usize = 1048576;

pub const JSON_NULL: u8 = 1;
pub const JSON_FALSE: u8 = 2;
pub const JSON_TRUE: u8 = 3;
pub const JSON_NUMBER: u8 = 4;
pub const JSON_STRING: u8 = 5;
pub const JSON_ARRAY: u8 = 6;
pub const JSON_OBJECT: u8 = 7;
pub const JSON_KEY: u8 = 8;
pub const MAX_JSON_PATH_LEN: usize = 4096;
pub const MAX_JSON_DEPTH: usize = 512;
pub const JSON_LEAF_HEADER_LEN: usize = 17;

pub const REGEX_BYTES: u32 = 0;
pub const REGEX_BODY: u32 = 1;
pub const REGEX_HEADER: u32 = 2;
pub const REGEX_URI: u32 = 3;
pub const MAX_REGEX_SETS: usize = 64;
pub const MAX_REGEX_PATTERNS: usize = 256;
pub const MAX_REGEX_LEN: usize = 4096;
pub const MAX_REGEX_SET_LEN: usize = 65536;
pub const MAX_REGEX_WORK: usize = 268435456;

pub const PATTERNS_FOLD_CASE: u32 = 1;
pub const MAX_PATTERN_SETS: usize = 64;
pub const MAX_PATTERNS: usize = 65536;
pub const MAX_PATTERN_LEN: usize = 1024;
pub const MAX_PATTERN_SET_LEN: usize = 1048576;
pub const MAX_PATTERN_MATCHES: usize = 1024;

pub const MAX_INJECTION_INPUT: usize = 1048576;
pub const MAX_SQLI_FINGERPRINT: usize = 8;

pub const MAX_KV_STORES: usize = 16;
pub const MAX_KV_NAME_LEN: usize = 64;
pub const MAX_KV_KEY_LEN: usize = 1024;
pub const MAX_KV_VALUE_LEN: usize = 65536;
pub const KV_COUNT_LEN: usize = 8;
