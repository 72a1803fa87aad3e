/*
 * runner.c is the C case runner of the conformance suite: it runs the
 * script it is configured with (see conformance/script.go for the
 * language) and reports one line per step. Its twin in Go is
 * testdata/goguest; both must print the same report for every case.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gojinn.h"

GOJINN_EXPORT_ABI_V1

/* out is the report being built: steps separated by ';'. */
static char *out;
static size_t out_len, out_cap;

static void put(const char *s, size_t n) {
	if (out_len + n + 1 > out_cap) {
		out_cap = (out_len + n + 1) * 2;
		out = realloc(out, out_cap);
		if (!out) __builtin_trap();
	}
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

static void puts_(const char *s) { put(s, strlen(s)); }

static void put_int(int64_t v) {
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)v);
	puts_(b);
}

static void step_end(void) { put(";", 1); }

/* put_escaped writes data with bytes outside '!'..'~', '%' and ';' as %XX. */
static void put_escaped(const unsigned char *p, size_t n) {
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c < 0x21 || c > 0x7e || c == '%' || c == ';') {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(e, 3);
		} else {
			put((const char *)&c, 1);
		}
	}
}

static uint32_t fnv32a(const unsigned char *p, size_t n) {
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* A string argument: parts joined by '+', each percent-decoded and then
 * repeated when it ends in *N; '' is the empty string. */
typedef struct {
	unsigned char *p;
	uint32_t n;
} str;

static int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return 0;
}

/* decode appends one part, tok[0:tl], to s. */
static void decode(str *s, const char *tok, size_t tl) {
	uint32_t rep = 1;
	for (size_t i = tl; i > 0; i--) {
		if (tok[i - 1] == '*') {
			rep = (uint32_t)strtoul(tok + i, 0, 10);
			tl = i - 1;
			break;
		}
	}
	unsigned char *unit = malloc(tl + 1);
	size_t un = 0;
	for (size_t i = 0; i < tl; i++) {
		if (tok[i] == '%' && i + 2 < tl) {
			unit[un++] = (unsigned char)(hexval(tok[i + 1]) << 4 | hexval(tok[i + 2]));
			i += 2;
		} else {
			unit[un++] = (unsigned char)tok[i];
		}
	}
	s->p = realloc(s->p, (size_t)s->n + un * rep + 1);
	if (un == 1) {
		memset(s->p + s->n, unit[0], rep);
	} else {
		for (uint32_t r = 0; r < rep; r++) memcpy(s->p + s->n + r * un, unit, un);
	}
	s->n += (uint32_t)(un * rep);
	free(unit);
}

static str arg_str(const char *tok) {
	str s = {malloc(1), 0};
	if (strcmp(tok, "''") == 0) return s;
	for (;;) {
		const char *plus = strchr(tok, '+');
		size_t tl = plus ? (size_t)(plus - tok) : strlen(tok);
		decode(&s, tok, tl);
		if (!plus) return s;
		tok = plus + 1;
	}
}

static uint32_t arg_int(const char *tok) {
	if (tok[0] == '-') return (uint32_t)strtol(tok, 0, 0);
	return (uint32_t)strtoul(tok, 0, 0);
}

/* buffer is a host output buffer of limit bytes, followed by a guard;
 * all of it starts as FILL so that the report can tell what the host
 * wrote. */
#define FILL 0xAA
#define GUARD 16

static unsigned char *buffer(uint32_t limit) {
	unsigned char *b = malloc((size_t)limit + GUARD);
	memset(b, FILL, (size_t)limit + GUARD);
	return b;
}

/* report_data reports a data call under the buffer-limit protocol. */
static void report_data(int32_t r, unsigned char *b, uint32_t limit) {
	put_int(r);
	size_t written = 0;
	if (r >= 0 && (uint32_t)r <= limit) {
		written = (size_t)r;
		if (r > 0) {
			puts_(" ");
			if (r <= 128) {
				put_escaped(b, (size_t)r);
			} else {
				char h[16];
				snprintf(h, sizeof h, "#%08x", fnv32a(b, (size_t)r));
				puts_(h);
			}
		}
	}
	for (size_t i = written; i < (size_t)limit + GUARD; i++) {
		if (b[i] != FILL) {
			puts_(" clobbered");
			break;
		}
	}
	free(b);
}

/* report_count reports kv_incr: its result and, when it is 0, the count
 * the host wrote (a signed 64-bit little-endian integer in the first 8
 * bytes), and " clobbered" when it wrote anywhere else. */
static void report_count(int32_t r, unsigned char *b, uint32_t limit) {
	put_int(r);
	size_t written = 0;
	if (r == 0 && limit >= 8) {
		written = 8;
		uint64_t u = 0;
		for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
		puts_(" ");
		put_int((int64_t)u);
	}
	for (size_t i = written; i < (size_t)limit + GUARD; i++) {
		if (b[i] != FILL) {
			puts_(" clobbered");
			break;
		}
	}
	free(b);
}

enum { PHASE_CONFIGURE, PHASE_REQUEST, PHASE_RESPONSE };

static int refuse;

static char *volatile hoard;

/* deep recurses without end; the volatile keeps it a real recursion. */
static volatile int depth_sink;
static int deep(int n) {
	char pad[256];
	if (n < 0) return 0; /* never: a bound only so the compiler keeps the call */
	pad[n & 255] = (char)n;
	depth_sink = pad[(n * 7) & 255];
	return deep(n + 1) + depth_sink;
}

/* raw calls a host function with integer arguments, as hostile guests do. */
static void raw(char **a, int n) {
	uint32_t v[9] = {0};
	for (int i = 1; i < n && i <= 9; i++) v[i - 1] = arg_int(a[i]);
	const char *f = a[0];
	void *p[9];
	for (int i = 0; i < 9; i++) p[i] = (void *)(uintptr_t)v[i];
	int32_t r = 0;
	if (!strcmp(f, "method_get")) r = gojinn_method_get(p[0], v[1]);
	else if (!strcmp(f, "method_set")) r = gojinn_method_set(p[0], v[1]);
	else if (!strcmp(f, "uri_get")) r = gojinn_uri_get(p[0], v[1]);
	else if (!strcmp(f, "uri_set")) r = gojinn_uri_set(p[0], v[1]);
	else if (!strcmp(f, "proto_get")) r = gojinn_proto_get(p[0], v[1]);
	else if (!strcmp(f, "client_addr_get")) r = gojinn_client_addr_get(p[0], v[1]);
	else if (!strcmp(f, "header_get")) r = gojinn_header_get(v[0], p[1], v[2], p[3], v[4]);
	else if (!strcmp(f, "header_names")) r = gojinn_header_names(v[0], p[1], v[2]);
	else if (!strcmp(f, "header_set")) r = gojinn_header_set(v[0], p[1], v[2], p[3], v[4]);
	else if (!strcmp(f, "header_add")) r = gojinn_header_add(v[0], p[1], v[2], p[3], v[4]);
	else if (!strcmp(f, "header_remove")) r = gojinn_header_remove(v[0], p[1], v[2]);
	else if (!strcmp(f, "body_read")) r = gojinn_body_read(v[0], p[1], v[2]);
	else if (!strcmp(f, "body_write")) r = gojinn_body_write(v[0], p[1], v[2]);
	else if (!strcmp(f, "body_size")) r = gojinn_body_size(v[0]);
	else if (!strcmp(f, "var_get")) r = gojinn_var_get(p[0], v[1], p[2], v[3]);
	else if (!strcmp(f, "var_set")) r = gojinn_var_set(p[0], v[1], p[2], v[3]);
	else if (!strcmp(f, "config_get")) r = gojinn_config_get(p[0], v[1]);
	else if (!strcmp(f, "log")) gojinn_log((int32_t)v[0], p[1], v[2]);
	else if (!strcmp(f, "keyset_open")) r = gojinn_keyset_open(p[0], v[1]);
	else if (!strcmp(f, "signature_verify"))
		r = gojinn_signature_verify((int32_t)v[0], p[1], v[2], p[3], v[4], p[5], v[6], p[7], v[8]);
	else if (!strcmp(f, "json_get")) r = gojinn_json_get(v[0], p[1], v[2], p[3], v[4]);
	else if (!strcmp(f, "json_leaves")) r = gojinn_json_leaves(v[0], v[1], p[2], v[3]);
	else if (!strcmp(f, "regex_compile")) r = gojinn_regex_compile(p[0], v[1]);
	else if (!strcmp(f, "regex_match")) r = gojinn_regex_match((int32_t)v[0], v[1], v[2], p[3], v[4], p[5], v[6]);
	else if (!strcmp(f, "regex_find")) r = gojinn_regex_find((int32_t)v[0], v[1], v[2], p[3], v[4], p[5], v[6]);
	else if (!strcmp(f, "patterns_compile")) r = gojinn_patterns_compile(p[0], v[1], v[2]);
	else if (!strcmp(f, "patterns_scan")) r = gojinn_patterns_scan((int32_t)v[0], v[1], v[2], p[3], v[4], p[5], v[6]);
	else if (!strcmp(f, "sqli_check")) r = gojinn_sqli_check(v[0], v[1], p[2], v[3], p[4], v[5]);
	else if (!strcmp(f, "xss_check")) r = gojinn_xss_check(v[0], v[1], p[2], v[3]);
	else if (!strcmp(f, "trace_context_get")) r = gojinn_trace_context_get(p[0], v[1]);
	else if (!strcmp(f, "kv_open")) r = gojinn_kv_open(p[0], v[1]);
	else if (!strcmp(f, "kv_get")) r = gojinn_kv_get((int32_t)v[0], p[1], v[2], p[3], v[4]);
	else if (!strcmp(f, "kv_set")) r = gojinn_kv_set((int32_t)v[0], p[1], v[2], p[3], v[4], (int32_t)v[5]);
	else if (!strcmp(f, "kv_set_if_absent"))
		r = gojinn_kv_set_if_absent((int32_t)v[0], p[1], v[2], p[3], v[4], (int32_t)v[5]);
	else if (!strcmp(f, "kv_cas")) r = gojinn_kv_cas((int32_t)v[0], p[1], v[2], p[3], v[4], p[5], v[6], (int32_t)v[7]);
	else if (!strcmp(f, "kv_incr")) r = gojinn_kv_incr((int32_t)v[0], p[1], v[2], (int32_t)v[3], (int32_t)v[4], p[5], v[6]);
	else if (!strcmp(f, "kv_delete")) r = gojinn_kv_delete((int32_t)v[0], p[1], v[2]);
	else {
		puts_("unknown-raw");
		return;
	}
	put_int(r);
}

/* calls counts the count steps this instance ran: a fresh instance
 * reports 1, so a test can tell a replaced instance from a reused one. */
static int calls;

/* declared is the flags of the last features_set step that succeeded in
 * configure, -1 when none did. */
static int64_t declared = -1;

static int32_t fault(int phase);

/* step runs one step; it returns -1 to go on, or the action to return. */
static int32_t step(char **a, int n, int phase) {
	const char *op = a[0];
#define ARG_S(i) str s##i = arg_str(i < n ? a[i] : "''")
#define ARG_I(k) uint32_t i##k = arg_int(k < n ? a[k] : "0")
	if (!strcmp(op, "method_get") || !strcmp(op, "uri_get") || !strcmp(op, "proto_get") ||
	    !strcmp(op, "client_addr_get") || !strcmp(op, "config_get") || !strcmp(op, "trace_context_get")) {
		ARG_I(1);
		unsigned char *b = buffer(i1);
		int32_t r;
		if (!strcmp(op, "method_get")) r = gojinn_method_get(b, i1);
		else if (!strcmp(op, "uri_get")) r = gojinn_uri_get(b, i1);
		else if (!strcmp(op, "proto_get")) r = gojinn_proto_get(b, i1);
		else if (!strcmp(op, "client_addr_get")) r = gojinn_client_addr_get(b, i1);
		else if (!strcmp(op, "trace_context_get")) r = gojinn_trace_context_get(b, i1);
		else r = gojinn_config_get(b, i1);
		report_data(r, b, i1);
	} else if (!strcmp(op, "method_set") || !strcmp(op, "uri_set") || !strcmp(op, "keyset_open")) {
		ARG_S(1);
		int32_t r;
		if (!strcmp(op, "method_set")) r = gojinn_method_set(s1.p, s1.n);
		else if (!strcmp(op, "uri_set")) r = gojinn_uri_set(s1.p, s1.n);
		else r = gojinn_keyset_open(s1.p, s1.n);
		put_int(r);
		free(s1.p);
	} else if (!strcmp(op, "header_get")) {
		ARG_I(1);
		ARG_S(2);
		ARG_I(3);
		unsigned char *b = buffer(i3);
		report_data(gojinn_header_get(i1, s2.p, s2.n, b, i3), b, i3);
		free(s2.p);
	} else if (!strcmp(op, "header_names") || !strcmp(op, "body_read")) {
		ARG_I(1);
		ARG_I(2);
		unsigned char *b = buffer(i2);
		int32_t r = !strcmp(op, "body_read") ? gojinn_body_read(i1, b, i2) : gojinn_header_names(i1, b, i2);
		report_data(r, b, i2);
	} else if (!strcmp(op, "header_set") || !strcmp(op, "header_add")) {
		ARG_I(1);
		ARG_S(2);
		ARG_S(3);
		if (!strcmp(op, "header_set")) put_int(gojinn_header_set(i1, s2.p, s2.n, s3.p, s3.n));
		else put_int(gojinn_header_add(i1, s2.p, s2.n, s3.p, s3.n));
		free(s2.p);
		free(s3.p);
	} else if (!strcmp(op, "header_remove") || !strcmp(op, "body_write")) {
		ARG_I(1);
		ARG_S(2);
		if (!strcmp(op, "header_remove")) put_int(gojinn_header_remove(i1, s2.p, s2.n));
		else put_int(gojinn_body_write(i1, s2.p, s2.n));
		free(s2.p);
	} else if (!strcmp(op, "status_get")) {
		put_int(gojinn_status_get());
	} else if (!strcmp(op, "features_set")) {
		ARG_I(1);
		int32_t r = gojinn_features_set(i1);
		if (r == GOJINN_OK && phase == PHASE_CONFIGURE) declared = (int64_t)i1;
		put_int(r);
	} else if (!strcmp(op, "status_set") || !strcmp(op, "log_enabled") || !strcmp(op, "body_size")) {
		ARG_I(1);
		if (!strcmp(op, "status_set")) put_int(gojinn_status_set(i1));
		else if (!strcmp(op, "body_size")) put_int(gojinn_body_size(i1));
		else put_int(gojinn_log_enabled((int32_t)i1));
	} else if (!strcmp(op, "var_get")) {
		ARG_S(1);
		ARG_I(2);
		unsigned char *b = buffer(i2);
		report_data(gojinn_var_get(s1.p, s1.n, b, i2), b, i2);
		free(s1.p);
	} else if (!strcmp(op, "var_set")) {
		ARG_S(1);
		ARG_S(2);
		put_int(gojinn_var_set(s1.p, s1.n, s2.p, s2.n));
		free(s1.p);
		free(s2.p);
	} else if (!strcmp(op, "log")) {
		ARG_I(1);
		ARG_S(2);
		gojinn_log((int32_t)i1, s2.p, s2.n);
		puts_("-");
		free(s2.p);
	} else if (!strcmp(op, "signature_verify")) {
		ARG_I(1);
		ARG_S(2);
		ARG_S(3);
		ARG_S(4);
		ARG_S(5);
		put_int(gojinn_signature_verify((int32_t)i1, s2.p, s2.n, s3.p, s3.n, s4.p, s4.n, s5.p, s5.n));
		free(s2.p);
		free(s3.p);
		free(s4.p);
		free(s5.p);
	} else if (!strcmp(op, "json_get")) {
		ARG_I(1);
		ARG_S(2);
		ARG_I(3);
		unsigned char *b = buffer(i3);
		report_data(gojinn_json_get(i1, s2.p, s2.n, b, i3), b, i3);
		free(s2.p);
	} else if (!strcmp(op, "json_leaves")) {
		ARG_I(1);
		ARG_I(2);
		ARG_I(3);
		unsigned char *b = buffer(i3);
		report_data(gojinn_json_leaves(i1, i2, b, i3), b, i3);
	} else if (!strcmp(op, "regex_compile")) {
		ARG_S(1);
		put_int(gojinn_regex_compile(s1.p, s1.n));
		free(s1.p);
	} else if (!strcmp(op, "patterns_compile")) {
		ARG_S(1);
		ARG_I(2);
		put_int(gojinn_patterns_compile(s1.p, s1.n, i2));
		free(s1.p);
	} else if (!strcmp(op, "patterns_scan")) {
		ARG_I(1);
		ARG_I(2);
		ARG_I(3);
		ARG_S(4);
		ARG_I(5);
		unsigned char *b = buffer(i5);
		report_data(gojinn_patterns_scan((int32_t)i1, i2, i3, s4.p, s4.n, b, i5), b, i5);
		free(s4.p);
	} else if (!strcmp(op, "sqli_check")) {
		ARG_I(1);
		ARG_I(2);
		ARG_S(3);
		ARG_I(4);
		unsigned char *b = buffer(i4);
		report_data(gojinn_sqli_check(i1, i2, s3.p, s3.n, b, i4), b, i4);
		free(s3.p);
	} else if (!strcmp(op, "xss_check")) {
		ARG_I(1);
		ARG_I(2);
		ARG_S(3);
		put_int(gojinn_xss_check(i1, i2, s3.p, s3.n));
		free(s3.p);
	} else if (!strcmp(op, "regex_match") || !strcmp(op, "regex_find")) {
		ARG_I(1);
		ARG_I(2);
		ARG_I(3);
		ARG_S(4);
		ARG_I(5);
		unsigned char *b = buffer(i5);
		int32_t r = !strcmp(op, "regex_find") ? gojinn_regex_find((int32_t)i1, i2, i3, s4.p, s4.n, b, i5)
						       : gojinn_regex_match((int32_t)i1, i2, i3, s4.p, s4.n, b, i5);
		report_data(r, b, i5);
		free(s4.p);
	} else if (!strcmp(op, "kv_open")) {
		ARG_S(1);
		put_int(gojinn_kv_open(s1.p, s1.n));
		free(s1.p);
	} else if (!strcmp(op, "kv_get")) {
		ARG_I(1);
		ARG_S(2);
		ARG_I(3);
		unsigned char *b = buffer(i3);
		report_data(gojinn_kv_get((int32_t)i1, s2.p, s2.n, b, i3), b, i3);
		free(s2.p);
	} else if (!strcmp(op, "kv_set") || !strcmp(op, "kv_set_if_absent")) {
		ARG_I(1);
		ARG_S(2);
		ARG_S(3);
		ARG_I(4);
		put_int(!strcmp(op, "kv_set") ? gojinn_kv_set((int32_t)i1, s2.p, s2.n, s3.p, s3.n, (int32_t)i4)
					      : gojinn_kv_set_if_absent((int32_t)i1, s2.p, s2.n, s3.p, s3.n, (int32_t)i4));
		free(s2.p);
		free(s3.p);
	} else if (!strcmp(op, "kv_cas")) {
		ARG_I(1);
		ARG_S(2);
		ARG_S(3);
		ARG_S(4);
		ARG_I(5);
		put_int(gojinn_kv_cas((int32_t)i1, s2.p, s2.n, s3.p, s3.n, s4.p, s4.n, (int32_t)i5));
		free(s2.p);
		free(s3.p);
		free(s4.p);
	} else if (!strcmp(op, "kv_incr")) {
		ARG_I(1);
		ARG_S(2);
		ARG_I(3);
		ARG_I(4);
		ARG_I(5);
		unsigned char *b = buffer(i5);
		report_count(gojinn_kv_incr((int32_t)i1, s2.p, s2.n, (int32_t)i3, (int32_t)i4, b, i5), b, i5);
		free(s2.p);
	} else if (!strcmp(op, "kv_delete")) {
		ARG_I(1);
		ARG_S(2);
		put_int(gojinn_kv_delete((int32_t)i1, s2.p, s2.n));
		free(s2.p);
	} else if (!strcmp(op, "fill_vars")) {
		ARG_I(1);
		uint32_t ok = 0;
		int32_t first = 0;
		for (uint32_t i = 0; i < i1; i++) {
			char name[16];
			int len = snprintf(name, sizeof name, "v%u", i);
			int32_t r = gojinn_var_set(name, (uint32_t)len, "x", 1);
			if (r == 0) ok++;
			else if (first == 0) first = r;
		}
		put_int(ok);
		puts_(" ");
		put_int(first);
	} else if (!strcmp(op, "raw")) {
		raw(a + 1, n - 1);
	} else if (!strcmp(op, "count")) {
		put_int(++calls);
	} else if (!strcmp(op, "fault")) {
		return fault(phase);
	} else if (!strcmp(op, "continue") && phase == PHASE_REQUEST) {
		out_len = out_len ? out_len - 1 : 0; /* drop the trailing ';' */
		gojinn_header_add(GOJINN_KIND_REQUEST, "X-Report", 8, out ? out : "", (uint32_t)out_len);
		return GOJINN_ACTION_CONTINUE;
	} else if (!strcmp(op, "return")) {
		ARG_I(1);
		return (int32_t)i1;
	} else if (!strcmp(op, "refuse") && phase == PHASE_CONFIGURE) {
		gojinn_log(GOJINN_LOG_ERROR, "refused by script", 17);
		refuse = 1;
		return 1;
	} else if (!strcmp(op, "trap")) {
		__builtin_trap();
	} else if (!strcmp(op, "loop")) {
		for (volatile int i = 0;; i++) {
		}
	} else if (!strcmp(op, "recurse")) {
		put_int(deep(0));
	} else if (!strcmp(op, "grow")) {
		/* Allocate until the memory limit stops it. */
		for (;;) {
			char *p = malloc(1 << 20);
			if (!p) __builtin_trap();
			p[0] = 1;
			hoard = p; /* volatile: keeps the compiler from eliding malloc */
		}
	} else {
		puts_("unknown-op ");
		puts_(op);
	}
	step_end();
	return -1;
}

/* fault runs the request's X-Fault header as a step, or reports "-". */
static int32_t fault(int phase) {
	char line[256];
	int32_t n = gojinn_header_get(GOJINN_KIND_REQUEST, "X-Fault", 7, line, sizeof line - 1);
	if (n < 0 || n >= (int32_t)sizeof line) {
		puts_("-");
		step_end();
		return -1;
	}
	line[n] = 0;
	char *a[16];
	int argc = 0;
	char *save = 0;
	for (char *t = strtok_r(line, " ", &save); t && argc < 16; t = strtok_r(0, " ", &save)) a[argc++] = t;
	if (argc == 0) {
		puts_("-");
		step_end();
		return -1;
	}
	return step(a, argc, phase);
}

static char *script;

/* run runs the steps of phase in the script. */
static int32_t run(int phase) {
	char *copy = strdup(script ? script : "");
	char *save = 0;
	int32_t action = -1;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(0, "\n", &save)) {
		char *a[16];
		int n = 0;
		char *s2 = 0;
		for (char *t = strtok_r(line, " ", &s2); t && n < 16; t = strtok_r(0, " ", &s2)) a[n++] = t;
		if (n == 0) continue;
		int line_phase = PHASE_REQUEST;
		if (!strcmp(a[0], "configure") || !strcmp(a[0], "response")) {
			line_phase = !strcmp(a[0], "configure") ? PHASE_CONFIGURE : PHASE_RESPONSE;
			memmove(a, a + 1, sizeof(char *) * (size_t)(n - 1));
			n--;
			if (n == 0) continue;
		}
		if (line_phase != phase) continue;
		action = step(a, n, phase);
		if (action >= 0) break;
	}
	free(copy);
	return action;
}

static char *configure_report;

GOJINN_EXPORT("gojinn_configure") int32_t configure(void) {
	/* The script is the config: read it by the buffer-limit protocol. */
	char probe[1];
	int32_t n = gojinn_config_get(probe, 0);
	if (n < 0) return 1;
	script = malloc((size_t)n + 1);
	if (gojinn_config_get(script, (uint32_t)n) != n) return 1;
	script[n] = 0;
	int32_t action = run(PHASE_CONFIGURE);
	/* A script with response steps asks for the response after its own
	 * configure steps, as the Go runner's SDK does: with what a configure
	 * step declared, or else the response body. */
	if (action <= 0 && (strncmp(script, "response ", 9) == 0 || strstr(script, "\nresponse "))) {
		uint32_t f = declared >= 0 ? (uint32_t)declared : GOJINN_FEATURE_RESPONSE_BODY;
		if (gojinn_features_set(GOJINN_FEATURE_RESPONSE | f) != GOJINN_OK) return 1;
	}
	configure_report = out ? strdup(out) : 0;
	free(out);
	out = 0;
	out_len = out_cap = 0;
	return action > 0 ? action : 0;
}

GOJINN_EXPORT("gojinn_on_request") int32_t on_request(void) {
	out_len = 0;
	if (configure_report) puts_(configure_report);
	int32_t action = run(PHASE_REQUEST);
	if (action >= 0) return action;
	if (out_len) out_len--; /* the trailing ';' */
	gojinn_body_write(GOJINN_KIND_RESPONSE, out ? out : "", (uint32_t)out_len);
	return GOJINN_ACTION_RESPOND;
}

GOJINN_EXPORT("gojinn_on_response") int32_t on_response(void) {
	out_len = 0;
	int32_t action = run(PHASE_RESPONSE);
	if (action >= 0) return action;
	if (out_len) out_len--; /* the trailing ';' */
	gojinn_header_add(GOJINN_KIND_RESPONSE, "X-Response-Report", 17, out ? out : "", (uint32_t)out_len);
	return GOJINN_ACTION_CONTINUE;
}
