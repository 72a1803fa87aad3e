/*
 * gojinn.h - the Gojinn host ABI v1 for C (and Zig, via @cImport).
 *
 * docs/ABI.md is the specification and hostabi/abi.go holds the same
 * names and numbers in Go; conformance/ checks that this header agrees
 * with abi.go.
 *
 * A filter is a WASI reactor that exports its memory, GOJINN_ABI_V1 and
 * gojinn_on_request, and optionally gojinn_configure and
 * gojinn_on_response:
 *
 *   #include "gojinn.h"
 *
 *   GOJINN_EXPORT_ABI_V1
 *
 *   GOJINN_EXPORT("gojinn_on_request") int32_t on_request(void) {
 *       char v[64];
 *       int32_t n = gojinn_header_get(GOJINN_KIND_REQUEST, "X-Api-Key", 9, v, sizeof v);
 *       if (n == GOJINN_ERR_NOT_FOUND) {
 *           gojinn_status_set(401);
 *           gojinn_body_write(GOJINN_KIND_RESPONSE, "no key\n", 7);
 *           return GOJINN_ACTION_RESPOND;
 *       }
 *       return GOJINN_ACTION_CONTINUE;
 *   }
 *
 * Build: clang --target=wasm32-wasi -O2 -mexec-model=reactor -o f.wasm f.c
 *
 * Functions that return data take a buffer and its limit, always return
 * the data's full length, and copy only when it fits: call again with a
 * buffer of the returned length. Lists (header values, header names) are
 * NUL-separated. A negative result is one of GOJINN_ERR_*. A pointer and
 * length outside the guest's memory trap the guest.
 */
#ifndef GOJINN_H
#define GOJINN_H

#include <stdint.h>

#define GOJINN_MODULE_NAME "gojinn"
#define GOJINN_ABI_VERSION 1

/* Export names. */
#define GOJINN_EXPORT_NAME_ABI_VERSION "gojinn_abi_v1"
#define GOJINN_EXPORT_NAME_ON_REQUEST "gojinn_on_request"
#define GOJINN_EXPORT_NAME_ON_RESPONSE "gojinn_on_response"
#define GOJINN_EXPORT_NAME_CONFIGURE "gojinn_configure"

/* Actions returned by gojinn_on_request and gojinn_on_response. */
#define GOJINN_ACTION_CONTINUE 0
#define GOJINN_ACTION_RESPOND 1

/* Message kinds for the header and body functions. */
#define GOJINN_KIND_REQUEST 0
#define GOJINN_KIND_RESPONSE 1

/* Feature flags for gojinn_features_set, during configure only.
 * GOJINN_FEATURE_REQUEST_BODY declares that gojinn_on_request reads the
 * request body: the host then reads it before the call, so that a slow
 * client never holds an instance nor counts against its time limit.
 * GOJINN_FEATURE_CARRY_RESPONSE_HEADERS sends the response headers that
 * gojinn_on_request set with the route's response when it continues,
 * so that adding a header to every response needs no response phase. */
#define GOJINN_FEATURE_RESPONSE (1u << 0)
#define GOJINN_FEATURE_RESPONSE_BODY (1u << 1)
#define GOJINN_FEATURE_REQUEST_BODY (1u << 2)
#define GOJINN_FEATURE_CARRY_RESPONSE_HEADERS (1u << 3)

/* Results. Data functions return a length >= 0, others GOJINN_OK. */
#define GOJINN_OK 0
#define GOJINN_ERR_NOT_FOUND (-1)
#define GOJINN_ERR_INVALID (-2)
#define GOJINN_ERR_TOO_LARGE (-3)
#define GOJINN_ERR_PHASE (-4)
#define GOJINN_ERR_SIGNATURE (-5)
#define GOJINN_ERR_UNAVAILABLE (-6)

/* Log levels. */
#define GOJINN_LOG_DEBUG 0
#define GOJINN_LOG_INFO 1
#define GOJINN_LOG_WARN 2
#define GOJINN_LOG_ERROR 3

/* Limits the host enforces on what a guest writes. */
#define GOJINN_MAX_NAME_LEN 1024
#define GOJINN_MAX_HEADER_VALUE_LEN 65536
#define GOJINN_MAX_VAR_VALUE_LEN 65536
#define GOJINN_MAX_VARS 256
#define GOJINN_MAX_URI_LEN 8192
#define GOJINN_MAX_LOG_LEN 8192
#define GOJINN_DEFAULT_MAX_BODY_BYTES 1048576

/* The length of the traceparent gojinn_trace_context_get returns. */
#define GOJINN_TRACEPARENT_LEN 55

/* GOJINN_EXPORT(name) exports a function under name. */
#define GOJINN_EXPORT(name) __attribute__((export_name(name)))

/* GOJINN_EXPORT_ABI_V1 defines the ABI version marker; use it once. */
#define GOJINN_EXPORT_ABI_V1 \
	GOJINN_EXPORT(GOJINN_EXPORT_NAME_ABI_VERSION) void gojinn_abi_v1(void) {}

#define GOJINN_IMPORT(name) __attribute__((import_module(GOJINN_MODULE_NAME), import_name(name)))

#ifdef __cplusplus
extern "C" {
#endif

GOJINN_IMPORT("method_get") int32_t gojinn_method_get(void *buf, uint32_t limit);
GOJINN_IMPORT("method_set") int32_t gojinn_method_set(const void *method, uint32_t method_len);
GOJINN_IMPORT("uri_get") int32_t gojinn_uri_get(void *buf, uint32_t limit);
GOJINN_IMPORT("uri_set") int32_t gojinn_uri_set(const void *uri, uint32_t uri_len);
GOJINN_IMPORT("proto_get") int32_t gojinn_proto_get(void *buf, uint32_t limit);
GOJINN_IMPORT("client_addr_get") int32_t gojinn_client_addr_get(void *buf, uint32_t limit);
GOJINN_IMPORT("header_get")
int32_t gojinn_header_get(uint32_t kind, const void *name, uint32_t name_len, void *buf, uint32_t limit);
GOJINN_IMPORT("header_names") int32_t gojinn_header_names(uint32_t kind, void *buf, uint32_t limit);
GOJINN_IMPORT("header_set")
int32_t gojinn_header_set(uint32_t kind, const void *name, uint32_t name_len, const void *value, uint32_t value_len);
GOJINN_IMPORT("header_add")
int32_t gojinn_header_add(uint32_t kind, const void *name, uint32_t name_len, const void *value, uint32_t value_len);
GOJINN_IMPORT("header_remove") int32_t gojinn_header_remove(uint32_t kind, const void *name, uint32_t name_len);
GOJINN_IMPORT("body_read") int32_t gojinn_body_read(uint32_t kind, void *buf, uint32_t limit);
GOJINN_IMPORT("body_write") int32_t gojinn_body_write(uint32_t kind, const void *body, uint32_t body_len);
/* gojinn_body_size: the body's length (0: no body) when known without
 * reading it; GOJINN_ERR_UNAVAILABLE when only reading it will tell (no
 * Content-Length does not mean no body); GOJINN_ERR_TOO_LARGE over the
 * host's body limit. */
GOJINN_IMPORT("body_size") int32_t gojinn_body_size(uint32_t kind);
GOJINN_IMPORT("status_get") int32_t gojinn_status_get(void);
GOJINN_IMPORT("status_set") int32_t gojinn_status_set(uint32_t status);
GOJINN_IMPORT("var_get")
int32_t gojinn_var_get(const void *name, uint32_t name_len, void *buf, uint32_t limit);
GOJINN_IMPORT("var_set")
int32_t gojinn_var_set(const void *name, uint32_t name_len, const void *value, uint32_t value_len);
GOJINN_IMPORT("config_get") int32_t gojinn_config_get(void *buf, uint32_t limit);
GOJINN_IMPORT("features_set") int32_t gojinn_features_set(uint32_t flags);
GOJINN_IMPORT("log") void gojinn_log(int32_t level, const void *msg, uint32_t msg_len);
GOJINN_IMPORT("log_enabled") int32_t gojinn_log_enabled(int32_t level);
GOJINN_IMPORT("keyset_open") int32_t gojinn_keyset_open(const void *spec, uint32_t spec_len);
GOJINN_IMPORT("signature_verify")
int32_t gojinn_signature_verify(int32_t keyset, const void *alg, uint32_t alg_len, const void *kid, uint32_t kid_len,
				const void *msg, uint32_t msg_len, const void *sig, uint32_t sig_len);
/* gojinn_trace_context_get: the W3C traceparent of the trace the call runs
 * in (GOJINN_TRACEPARENT_LEN bytes, "00-<trace id>-<parent id>-<flags>"),
 * for the filter's logs or its own outbound calls; GOJINN_ERR_NOT_FOUND
 * when the request is not traced. */
GOJINN_IMPORT("trace_context_get") int32_t gojinn_trace_context_get(void *buf, uint32_t limit);

/*
 * Native primitives: work done by the host at native speed over data it
 * already holds (docs/ABI.md, "Native primitives").
 *
 * JSON. gojinn_json_get reads one value of a body (kind) by gjson path
 * and writes, under the buffer-limit protocol, one GOJINN_JSON_* type
 * byte and the value: a string decoded, anything else as its JSON text.
 * A path with a gjson modifier (an unescaped '@') is GOJINN_ERR_INVALID.
 * gojinn_json_leaves writes the body's leaves from leaf number cursor on,
 * as many whole records as fit, and returns their length: 0 when there
 * are no more; more than limit when not even the first fits (grow the
 * buffer to it and call again). A record is GOJINN_JSON_LEAF_HEADER_LEN
 * bytes (u8 type, then little-endian u32 token offset, token length, path
 * length, value length), the path, the value. The next cursor is this
 * one plus the records read. Member names are records of type
 * GOJINN_JSON_KEY before their values. A body that is not one JSON
 * document is GOJINN_ERR_INVALID, nesting past GOJINN_MAX_JSON_DEPTH
 * GOJINN_ERR_TOO_LARGE, for both.
 */
#define GOJINN_JSON_NULL 1
#define GOJINN_JSON_FALSE 2
#define GOJINN_JSON_TRUE 3
#define GOJINN_JSON_NUMBER 4
#define GOJINN_JSON_STRING 5
#define GOJINN_JSON_ARRAY 6
#define GOJINN_JSON_OBJECT 7
#define GOJINN_JSON_KEY 8
#define GOJINN_MAX_JSON_PATH_LEN 4096
#define GOJINN_MAX_JSON_DEPTH 512
#define GOJINN_JSON_LEAF_HEADER_LEN 17

GOJINN_IMPORT("json_get")
int32_t gojinn_json_get(uint32_t kind, const void *path, uint32_t path_len, void *buf, uint32_t limit);
GOJINN_IMPORT("json_leaves") int32_t gojinn_json_leaves(uint32_t kind, uint32_t cursor, void *buf, uint32_t limit);

/*
 * Regular expressions (Go's regexp, RE2 syntax: linear time, no
 * backtracking). gojinn_regex_compile, during configure only, compiles a
 * NUL-separated list of expressions into a set and returns its handle;
 * restored instances keep it. gojinn_regex_match writes the ids (u32
 * little-endian, in list order) of the expressions that match the target
 * and returns their length in bytes (0: none matched; pass limit 0 to ask
 * only whether any did). gojinn_regex_find writes the leftmost match of
 * any expression as three u32 (id, start, end) and returns 12, or
 * GOJINN_ERR_NOT_FOUND. The target is the guest's data, or a message's
 * body, header (data is its name; values NUL-separated) or the request's
 * URI. A subject longer than GOJINN_MAX_REGEX_WORK divided by the set's
 * program size is GOJINN_ERR_TOO_LARGE.
 */
#define GOJINN_REGEX_BYTES 0
#define GOJINN_REGEX_BODY 1
#define GOJINN_REGEX_HEADER 2
#define GOJINN_REGEX_URI 3
#define GOJINN_MAX_REGEX_SETS 64
#define GOJINN_MAX_REGEX_PATTERNS 256
#define GOJINN_MAX_REGEX_LEN 4096
#define GOJINN_MAX_REGEX_SET_LEN 65536
#define GOJINN_MAX_REGEX_WORK 268435456

GOJINN_IMPORT("regex_compile") int32_t gojinn_regex_compile(const void *patterns, uint32_t patterns_len);
GOJINN_IMPORT("regex_match")
int32_t gojinn_regex_match(int32_t regex, uint32_t target, uint32_t kind, const void *data, uint32_t data_len, void *buf,
			   uint32_t limit);
GOJINN_IMPORT("regex_find")
int32_t gojinn_regex_find(int32_t regex, uint32_t target, uint32_t kind, const void *data, uint32_t data_len, void *buf,
			  uint32_t limit);

/*
 * Pattern sets: many literals in one automaton (Aho-Corasick).
 * gojinn_patterns_compile, during configure only, compiles a
 * NUL-separated list of non-empty literals (flags: GOJINN_PATTERNS_FOLD_CASE
 * for ASCII case folding) and returns its handle; restored instances keep
 * it. gojinn_patterns_scan writes the ids (u32 little-endian) of the
 * literals found in the target, each once, in the order their first
 * occurrences end, at most GOJINN_MAX_PATTERN_MATCHES of them, and
 * returns their length in bytes. Targets are those of the regular
 * expressions (GOJINN_REGEX_BYTES, _BODY, _HEADER, _URI).
 */
#define GOJINN_PATTERNS_FOLD_CASE 1
#define GOJINN_MAX_PATTERN_SETS 64
#define GOJINN_MAX_PATTERNS 65536
#define GOJINN_MAX_PATTERN_LEN 1024
#define GOJINN_MAX_PATTERN_SET_LEN 1048576
#define GOJINN_MAX_PATTERN_MATCHES 1024

GOJINN_IMPORT("patterns_compile")
int32_t gojinn_patterns_compile(const void *patterns, uint32_t patterns_len, uint32_t flags);
GOJINN_IMPORT("patterns_scan")
int32_t gojinn_patterns_scan(int32_t set, uint32_t target, uint32_t kind, const void *data, uint32_t data_len, void *buf,
			     uint32_t limit);

/*
 * Injection checks: libinjection's SQL injection and XSS detectors, run
 * natively over the targets of the regular expressions (GOJINN_REGEX_BYTES,
 * _BODY, _HEADER, _URI). gojinn_sqli_check returns 0 when the target
 * reads as no SQL injection, else the length of libinjection's fingerprint
 * (at most GOJINN_MAX_SQLI_FINGERPRINT bytes), written to buf when it fits.
 * gojinn_xss_check returns 1 when the target holds HTML or script that
 * would run, 0 otherwise. A target over GOJINN_MAX_INJECTION_INPUT bytes
 * is GOJINN_ERR_TOO_LARGE.
 */
#define GOJINN_MAX_INJECTION_INPUT 1048576
#define GOJINN_MAX_SQLI_FINGERPRINT 8

GOJINN_IMPORT("sqli_check")
int32_t gojinn_sqli_check(uint32_t target, uint32_t kind, const void *data, uint32_t data_len, void *buf, uint32_t limit);
GOJINN_IMPORT("xss_check") int32_t gojinn_xss_check(uint32_t target, uint32_t kind, const void *data, uint32_t data_len);

/*
 * Key-value stores (docs/ABI.md, "Key-value stores"): state shared across
 * requests, instances and, with Redis, Caddy processes. gojinn_kv_open,
 * in configure only, opens a store the filter's block grants by name and
 * returns its handle (GOJINN_ERR_NOT_FOUND when not granted). Then, in
 * the request and response phases, one atomic operation on one key per
 * call; ttl_ms is in milliseconds, 0 for none. kv_get follows the
 * buffer-limit protocol; kv_set_if_absent, kv_cas and kv_delete return 1
 * when they wrote or deleted, 0 when not; kv_incr writes the count, a
 * signed 64-bit little-endian integer, to count (count_len
 * GOJINN_KV_COUNT_LEN). A store that cannot answer is
 * GOJINN_ERR_UNAVAILABLE under fail_open; under fail_closed the host
 * fails the request and the call does not return.
 */
#define GOJINN_MAX_KV_STORES 16
#define GOJINN_MAX_KV_NAME_LEN 64
#define GOJINN_MAX_KV_KEY_LEN 1024
#define GOJINN_MAX_KV_VALUE_LEN 65536
#define GOJINN_KV_COUNT_LEN 8

GOJINN_IMPORT("kv_open") int32_t gojinn_kv_open(const void *name, uint32_t name_len);
GOJINN_IMPORT("kv_get")
int32_t gojinn_kv_get(int32_t store, const void *key, uint32_t key_len, void *buf, uint32_t limit);
GOJINN_IMPORT("kv_set")
int32_t gojinn_kv_set(int32_t store, const void *key, uint32_t key_len, const void *value, uint32_t value_len,
		      int32_t ttl_ms);
GOJINN_IMPORT("kv_set_if_absent")
int32_t gojinn_kv_set_if_absent(int32_t store, const void *key, uint32_t key_len, const void *value,
				uint32_t value_len, int32_t ttl_ms);
GOJINN_IMPORT("kv_cas")
int32_t gojinn_kv_cas(int32_t store, const void *key, uint32_t key_len, const void *old, uint32_t old_len,
		      const void *value, uint32_t value_len, int32_t ttl_ms);
GOJINN_IMPORT("kv_incr")
int32_t gojinn_kv_incr(int32_t store, const void *key, uint32_t key_len, int32_t delta, int32_t ttl_ms, void *count,
		       uint32_t count_len);
GOJINN_IMPORT("kv_delete") int32_t gojinn_kv_delete(int32_t store, const void *key, uint32_t key_len);

#ifdef __cplusplus
}
#endif

#endif /* GOJINN_H */
