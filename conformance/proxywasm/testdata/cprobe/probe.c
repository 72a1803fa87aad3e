/*
 * probe.c is the Proxy-Wasm case table's guest in C11 on the raw ABI, in
 * the C++ SDK's shape (a root context holding the configuration, an HTTP
 * context per stream, the host's memory handed over through
 * proxy_on_memory_allocate). Each request's X-Probe header names the case
 * (see cases_table_test.go); package plugins' "probe" filter is the same
 * table in Go with the Go SDK, and both must answer every case alike.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IMPORT declares a host function of the ABI under its own name. */
#define IMPORT(ret, name, ...) \
	__attribute__((import_module("env"), import_name(#name))) ret name(__VA_ARGS__)
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(uint32_t, proxy_log, uint32_t level, const char *msg, size_t len);
IMPORT(uint32_t, proxy_get_buffer_bytes, uint32_t type, size_t start, size_t max, char **data, size_t *len);
IMPORT(uint32_t, proxy_set_buffer_bytes, uint32_t type, size_t start, size_t size, const char *data, size_t len);
IMPORT(uint32_t, proxy_get_header_map_value, uint32_t map, const char *key, size_t key_len, char **val, size_t *val_len);
IMPORT(uint32_t, proxy_get_header_map_pairs, uint32_t map, char **data, size_t *len);
IMPORT(uint32_t, proxy_add_header_map_value, uint32_t map, const char *key, size_t key_len, const char *val,
	size_t val_len);
IMPORT(uint32_t, proxy_replace_header_map_value, uint32_t map, const char *key, size_t key_len, const char *val,
	size_t val_len);
IMPORT(uint32_t, proxy_remove_header_map_value, uint32_t map, const char *key, size_t key_len);
IMPORT(uint32_t, proxy_send_local_response, uint32_t status, const char *details, size_t details_len,
	const char *body, size_t body_len, const char *headers, size_t headers_len, int32_t grpc);
IMPORT(uint32_t, proxy_continue_stream, uint32_t stream);
IMPORT(uint32_t, proxy_get_property, const char *path, size_t path_len, char **val, size_t *val_len);
IMPORT(uint32_t, proxy_define_metric, uint32_t type, const char *name, size_t name_len, uint32_t *id);
IMPORT(uint32_t, proxy_increment_metric, uint32_t id, int64_t delta);
IMPORT(uint32_t, proxy_get_metric, uint32_t id, uint64_t *value);
IMPORT(uint32_t, proxy_get_shared_data, const char *key, size_t key_len, char **val, size_t *val_len, uint32_t *cas);
IMPORT(uint32_t, proxy_set_shared_data, const char *key, size_t key_len, const char *val, size_t val_len,
	uint32_t cas);
IMPORT(uint32_t, proxy_http_call, const char *up, size_t up_len, const char *h, size_t h_len, const char *b,
	size_t b_len, const char *t, size_t t_len, uint32_t timeout, uint32_t *id);
IMPORT(uint32_t, proxy_set_tick_period_milliseconds, uint32_t ms);
IMPORT(uint32_t, proxy_register_shared_queue, const char *name, size_t len, uint32_t *id);

enum { REQUEST_HEADERS = 0, RESPONSE_HEADERS = 2 };
enum { REQUEST_BODY = 0, RESPONSE_BODY = 1, PLUGIN_CONFIGURATION = 7 };
enum { CONTINUE = 0, PAUSE = 1 };
enum { LOG_ERROR = 4 };
enum { METRIC_COUNTER = 0 };

/* The whole of a buffer: the host clamps the size to what there is. */
#define WHOLE 0x7fffffff

/* grown reallocates p or traps: the probe has no answer without memory. */
static void *grown(void *p, size_t n) {
	p = realloc(p, n);
	if (p == NULL) __builtin_trap();
	return p;
}

/*
 * text is bytes the probe owns, with a NUL after them so that they print
 * as a string; the host's allocations become texts without a copy.
 */
typedef struct {
	char *data;
	size_t len;
} text;

/* take makes a text of what the host allocated (nothing: empty). */
static text take(char *data, size_t len) {
	if (data == NULL) len = 0;
	data = grown(data, len + 1);
	data[len] = '\0';
	return (text){data, len};
}

/* format is snprintf into a text of the size it needs. */
__attribute__((format(printf, 1, 2))) static text format(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) __builtin_trap();
	text t = {grown(NULL, (size_t)n + 1), (size_t)n};
	va_start(ap, fmt);
	vsnprintf(t.data, t.len + 1, fmt, ap);
	va_end(ap);
	return t;
}

static text header(uint32_t map, const char *key) {
	char *v = NULL;
	size_t n = 0;
	if (proxy_get_header_map_value(map, key, strlen(key), &v, &n) != 0) return take(NULL, 0);
	return take(v, n);
}

/* add and replace set a header to a text, and free it. */
static void add(uint32_t map, const char *key, text v) {
	proxy_add_header_map_value(map, key, strlen(key), v.data, v.len);
	free(v.data);
}

static void replace(uint32_t map, const char *key, text v) {
	proxy_replace_header_map_value(map, key, strlen(key), v.data, v.len);
	free(v.data);
}

static void remove_header(uint32_t map, const char *key) { proxy_remove_header_map_value(map, key, strlen(key)); }

static text buffer(uint32_t type) {
	char *v = NULL;
	size_t n = 0;
	if (proxy_get_buffer_bytes(type, 0, WHOLE, &v, &n) != 0) return take(NULL, 0);
	return take(v, n);
}

/* property reads a property by its dotted path, or says what failed. */
static text property(const char *dotted) {
	text path = format("%s", dotted);
	for (size_t i = 0; i < path.len; i++) {
		if (path.data[i] == '.') path.data[i] = '\0';
	}
	char *v = NULL;
	size_t n = 0;
	uint32_t s = proxy_get_property(path.data, path.len, &v, &n);
	free(path.data);
	if (s != 0) return format("status %" PRIu32, s);
	return take(v, n);
}

static uint32_t rd32(const char *p) {
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/*
 * names lists a serialised map's keys, comma-separated, and frees it: a
 * count, a pair of sizes per entry, then each key and value NUL-ended.
 */
static text names(text m) {
	text out = take(NULL, 0);
	uint32_t n = m.len < 4 ? 0 : rd32(m.data);
	size_t off = 4 + 8 * (size_t)n;
	for (uint32_t i = 0; i < n && off <= m.len; i++) {
		uint32_t kl = rd32(m.data + 4 + 8 * i), vl = rd32(m.data + 8 + 8 * i);
		if (kl > m.len - off) break;
		text joined = format("%s%s%.*s", out.data, out.len ? "," : "", (int)kl, m.data + off);
		free(out.data);
		out = joined;
		off += kl + 1 + vl + 1;
	}
	free(m.data);
	return out;
}

/* The root context: the case table's namespace for metrics and shared data. */
static text config;

/* The cases, by the phase they act in. */

static uint32_t headers_request(void) {
	text in = header(REQUEST_HEADERS, "x-in");
	add(REQUEST_HEADERS, "x-out", format("%s!", in.data));
	free(in.data);
	replace(REQUEST_HEADERS, "x-replace", format("new"));
	remove_header(REQUEST_HEADERS, "x-drop");
	return CONTINUE;
}

static void headers_response(void) {
	text status = header(RESPONSE_HEADERS, ":status");
	add(RESPONSE_HEADERS, "x-resp", format("seen %s", status.data));
	free(status.data);
	remove_header(RESPONSE_HEADERS, "x-route");
}

static uint32_t pairs_request(void) {
	char *v = NULL;
	size_t n = 0;
	proxy_get_header_map_pairs(REQUEST_HEADERS, &v, &n);
	add(REQUEST_HEADERS, "x-names", names(take(v, n)));
	return CONTINUE;
}

static uint32_t local_request(void) {
	/* {"x-local": "yes"}, serialised. */
	static const char h[] = "\x01\x00\x00\x00\x07\x00\x00\x00\x03\x00\x00\x00x-local\x00yes\x00";
	proxy_send_local_response(418, "", 0, "teapot", 6, h, sizeof h - 1, -1);
	return PAUSE;
}

static uint32_t path_request(void) {
	text path = header(REQUEST_HEADERS, ":path");
	replace(REQUEST_HEADERS, ":path", format("/rewritten%s", path.data));
	free(path.data);
	return CONTINUE;
}

static void body_request(void) {
	text in = buffer(REQUEST_BODY);
	text b = format("<%s>", in.data);
	free(in.data);
	proxy_set_buffer_bytes(REQUEST_BODY, 0, WHOLE, b.data, b.len);
	free(b.data);
}

static void body_response(void) {
	proxy_set_buffer_bytes(RESPONSE_BODY, WHOLE, 0, "!", 1); /* append */
	proxy_set_buffer_bytes(RESPONSE_BODY, 0, 0, "[", 1);     /* prepend */
}

static void property_response(void) {
	add(RESPONSE_HEADERS, "x-path", property("request.path"));
	add(RESPONSE_HEADERS, "x-method", property("request.method"));
	add(RESPONSE_HEADERS, "x-plugin", property("plugin_name"));
	add(RESPONSE_HEADERS, "x-missing", property("no.such.property"));
}

static uint32_t pause_request(void) { return PAUSE; }

static uint32_t continue_request(void) {
	proxy_continue_stream(0);
	return PAUSE;
}

static uint32_t metric_request(void) {
	text name = format("%s_probe_total", config.data);
	uint32_t id = 0;
	uint64_t v = 0;
	proxy_define_metric(METRIC_COUNTER, name.data, name.len, &id);
	free(name.data);
	proxy_increment_metric(id, 2);
	proxy_increment_metric(id, -1); /* a counter does not go down */
	proxy_get_metric(id, &v);
	add(REQUEST_HEADERS, "x-metric", format("%" PRIu64, v));
	return CONTINUE;
}

static uint32_t shared_request(void) {
	text key = format("%s-shared", config.data);
	uint32_t first = proxy_set_shared_data(key.data, key.len, "v1", 2, 0);
	char *v = NULL;
	size_t n = 0;
	uint32_t cas = 0;
	proxy_get_shared_data(key.data, key.len, &v, &n, &cas);
	text got = take(v, n);
	uint32_t second = proxy_set_shared_data(key.data, key.len, "v2", 2, cas);
	uint32_t stale = proxy_set_shared_data(key.data, key.len, "v3", 2, cas);
	v = NULL;
	n = 0;
	proxy_get_shared_data(key.data, key.len, &v, &n, &cas);
	text last = take(v, n);
	free(key.data);
	add(REQUEST_HEADERS, "x-shared",
		format("%s,%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%s", got.data, first, second, stale, last.data));
	free(got.data);
	free(last.data);
	return CONTINUE;
}

static uint32_t unimplemented_request(void) {
	uint32_t call = 0, queue = 0;
	uint32_t http = proxy_http_call("up", 2, "", 0, "", 0, "", 0, 1000, &call);
	uint32_t tick = proxy_set_tick_period_milliseconds(10);
	uint32_t registered = proxy_register_shared_queue("q", 1, &queue);
	add(REQUEST_HEADERS, "x-statuses", format("%" PRIu32 ",%" PRIu32 ",%" PRIu32, http, tick, registered));
	return CONTINUE;
}

/*
 * probe_case is one case of the table: what it does in each phase, NULL
 * for nothing. The body phases act once the whole body is in.
 */
struct probe_case {
	const char *name;
	uint32_t (*request_headers)(void);
	void (*request_body)(void);
	void (*response_headers)(void);
	void (*response_body)(void);
};

static const struct probe_case cases[] = {
	{"headers", headers_request, NULL, headers_response, NULL},
	{"pairs", pairs_request, NULL, NULL, NULL},
	{"local", local_request, NULL, NULL, NULL},
	{"path", path_request, NULL, NULL, NULL},
	{"body", NULL, body_request, NULL, body_response},
	{"property", NULL, NULL, property_response, NULL},
	{"pause", pause_request, NULL, NULL, NULL},
	{"continue", continue_request, NULL, NULL, NULL},
	{"metric", metric_request, NULL, NULL, NULL},
	{"shared", shared_request, NULL, NULL, NULL},
	{"unimplemented", unimplemented_request, NULL, NULL, NULL},
};

/* An unknown probe does nothing in every phase. */
static const struct probe_case no_case = {"", NULL, NULL, NULL, NULL};

static const struct probe_case *find_case(const char *name) {
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(cases[i].name, name) == 0) return &cases[i];
	}
	return &no_case;
}

/* The HTTP contexts: the case each stream's request named. */
struct stream {
	uint32_t id;
	const struct probe_case *probe;
	struct stream *next;
};

static struct stream *streams;

static struct stream *stream(uint32_t id) {
	for (struct stream *s = streams; s != NULL; s = s->next) {
		if (s->id == id) return s;
	}
	return NULL;
}

/* probe is the case of the stream id, or no_case for a stream unknown. */
static const struct probe_case *probe(uint32_t id) {
	struct stream *s = stream(id);
	return s ? s->probe : &no_case;
}

EXPORT(proxy_abi_version_0_2_1) void proxy_abi_version_0_2_1(void) {}

EXPORT(proxy_on_memory_allocate) void *proxy_on_memory_allocate(size_t size) { return malloc(size); }

EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t id, size_t size) {
	(void)id;
	(void)size;
	return 1;
}

EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t id, size_t size) {
	(void)id;
	(void)size;
	free(config.data);
	config = buffer(PLUGIN_CONFIGURATION);
	if (config.len == 0) {
		static const char msg[] = "the probe needs a configuration";
		proxy_log(LOG_ERROR, msg, sizeof msg - 1);
		return 0;
	}
	return 1;
}

EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t id, uint32_t parent) {
	if (parent == 0) return; /* the root context */
	struct stream *s = grown(NULL, sizeof *s);
	*s = (struct stream){id, &no_case, streams};
	streams = s;
}

EXPORT(proxy_on_request_headers) uint32_t proxy_on_request_headers(uint32_t id, size_t headers, uint32_t eos) {
	(void)headers;
	(void)eos;
	text name = header(REQUEST_HEADERS, "x-probe");
	const struct probe_case *c = find_case(name.data);
	free(name.data);
	struct stream *s = stream(id);
	if (s) s->probe = c;
	return c->request_headers ? c->request_headers() : CONTINUE;
}

EXPORT(proxy_on_request_body) uint32_t proxy_on_request_body(uint32_t id, size_t size, uint32_t eos) {
	(void)size;
	const struct probe_case *c = probe(id);
	if (c->request_body && eos) c->request_body();
	return CONTINUE;
}

EXPORT(proxy_on_response_headers) uint32_t proxy_on_response_headers(uint32_t id, size_t headers, uint32_t eos) {
	(void)headers;
	(void)eos;
	const struct probe_case *c = probe(id);
	if (c->response_headers) c->response_headers();
	return CONTINUE;
}

EXPORT(proxy_on_response_body) uint32_t proxy_on_response_body(uint32_t id, size_t size, uint32_t eos) {
	(void)size;
	const struct probe_case *c = probe(id);
	if (c->response_body && eos) c->response_body();
	return CONTINUE;
}

EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t id) {
	(void)id;
	return 1;
}

EXPORT(proxy_on_log) void proxy_on_log(uint32_t id) { (void)id; }

EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t id) {
	for (struct stream **p = &streams; *p != NULL; p = &(*p)->next) {
		if ((*p)->id == id) {
			struct stream *s = *p;
			*p = s->next;
			free(s);
			return;
		}
	}
}
