// probe.cc is the Proxy-Wasm case table's guest in C++ on the raw ABI,
// in the C++ SDK's shape (a root context holding the configuration, an
// HTTP context per stream, the host's memory handed over through
// proxy_on_memory_allocate). Each request's X-Probe header names the case
// (see cases_table_test.go); package plugins' "probe" filter is the same
// table in Go with the Go SDK, and both must answer every case alike.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

extern "C" {
IMPORT(proxy_log) uint32_t proxy_log(uint32_t level, const char* msg, size_t len);
IMPORT(proxy_get_buffer_bytes) uint32_t proxy_get_buffer_bytes(uint32_t type, size_t start, size_t max, char** data, size_t* len);
IMPORT(proxy_set_buffer_bytes) uint32_t proxy_set_buffer_bytes(uint32_t type, size_t start, size_t size, const char* data, size_t len);
IMPORT(proxy_get_header_map_value) uint32_t proxy_get_header_map_value(uint32_t map, const char* key, size_t key_len, char** val, size_t* val_len);
IMPORT(proxy_get_header_map_pairs) uint32_t proxy_get_header_map_pairs(uint32_t map, char** data, size_t* len);
IMPORT(proxy_add_header_map_value) uint32_t proxy_add_header_map_value(uint32_t map, const char* key, size_t key_len, const char* val, size_t val_len);
IMPORT(proxy_replace_header_map_value) uint32_t proxy_replace_header_map_value(uint32_t map, const char* key, size_t key_len, const char* val, size_t val_len);
IMPORT(proxy_remove_header_map_value) uint32_t proxy_remove_header_map_value(uint32_t map, const char* key, size_t key_len);
IMPORT(proxy_send_local_response) uint32_t proxy_send_local_response(uint32_t status, const char* details, size_t details_len,
	const char* body, size_t body_len, const char* headers, size_t headers_len, int32_t grpc);
IMPORT(proxy_continue_stream) uint32_t proxy_continue_stream(uint32_t stream);
IMPORT(proxy_get_property) uint32_t proxy_get_property(const char* path, size_t path_len, char** val, size_t* val_len);
IMPORT(proxy_define_metric) uint32_t proxy_define_metric(uint32_t type, const char* name, size_t name_len, uint32_t* id);
IMPORT(proxy_increment_metric) uint32_t proxy_increment_metric(uint32_t id, int64_t delta);
IMPORT(proxy_get_metric) uint32_t proxy_get_metric(uint32_t id, uint64_t* value);
IMPORT(proxy_get_shared_data) uint32_t proxy_get_shared_data(const char* key, size_t key_len, char** val, size_t* val_len, uint32_t* cas);
IMPORT(proxy_set_shared_data) uint32_t proxy_set_shared_data(const char* key, size_t key_len, const char* val, size_t val_len, uint32_t cas);
IMPORT(proxy_http_call) uint32_t proxy_http_call(const char* up, size_t up_len, const char* h, size_t h_len, const char* b, size_t b_len,
	const char* t, size_t t_len, uint32_t timeout, uint32_t* id);
IMPORT(proxy_set_tick_period_milliseconds) uint32_t proxy_set_tick_period_milliseconds(uint32_t ms);
IMPORT(proxy_register_shared_queue) uint32_t proxy_register_shared_queue(const char* name, size_t len, uint32_t* id);
}

namespace {

enum : uint32_t { kRequestHeaders = 0, kResponseHeaders = 2 };
enum : uint32_t { kRequestBody = 0, kResponseBody = 1, kPluginConfiguration = 7 };
enum : uint32_t { kContinue = 0, kPause = 1 };

// take makes a string of what the host allocated, and frees it.
std::string take(char* data, size_t len) {
	std::string s(data ? data : "", data ? len : 0);
	free(data);
	return s;
}

std::string header(uint32_t map, const std::string& key) {
	char* v = nullptr;
	size_t n = 0;
	if (proxy_get_header_map_value(map, key.data(), key.size(), &v, &n) != 0) return "";
	return take(v, n);
}

void add(uint32_t map, const std::string& k, const std::string& v) {
	proxy_add_header_map_value(map, k.data(), k.size(), v.data(), v.size());
}

void replace(uint32_t map, const std::string& k, const std::string& v) {
	proxy_replace_header_map_value(map, k.data(), k.size(), v.data(), v.size());
}

std::string buffer(uint32_t type) {
	char* v = nullptr;
	size_t n = 0;
	if (proxy_get_buffer_bytes(type, 0, 0x7fffffff, &v, &n) != 0) return "";
	return take(v, n);
}

std::string property(const char* dotted) {
	std::string path(dotted);
	for (char& c : path) {
		if (c == '.') c = '\0';
	}
	char* v = nullptr;
	size_t n = 0;
	uint32_t s = proxy_get_property(path.data(), path.size(), &v, &n);
	if (s != 0) return "status " + std::to_string(s);
	return take(v, n);
}

uint32_t rd32(const char* p) {
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

// names lists a serialised map's keys, comma-separated.
std::string names(const std::string& m) {
	if (m.size() < 4) return "";
	uint32_t n = rd32(m.data());
	size_t off = 4 + 8 * size_t(n);
	std::string out;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t kl = rd32(m.data() + 4 + 8 * i), vl = rd32(m.data() + 8 + 8 * i);
		if (!out.empty()) out += ",";
		out += m.substr(off, kl);
		off += kl + 1 + vl + 1;
	}
	return out;
}

struct Root {
	std::string config;  // the case table's namespace for metrics and shared data
} root;

struct Stream {
	std::string probe;
};

std::vector<std::pair<uint32_t, Stream>> streams;

Stream* stream(uint32_t id) {
	for (auto& s : streams) {
		if (s.first == id) return &s.second;
	}
	return nullptr;
}

}  // namespace

extern "C" {

EXPORT(proxy_abi_version_0_2_1) void proxy_abi_version_0_2_1() {}

EXPORT(proxy_on_memory_allocate) void* proxy_on_memory_allocate(size_t size) { return malloc(size); }

EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t, size_t) { return 1; }

EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t, size_t) {
	root.config = buffer(kPluginConfiguration);
	if (root.config.empty()) {
		const char msg[] = "the probe needs a configuration";
		proxy_log(4, msg, sizeof msg - 1);
		return 0;
	}
	return 1;
}

EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t id, uint32_t parent) {
	if (parent != 0) streams.push_back({id, Stream{}});
}

EXPORT(proxy_on_request_headers) uint32_t proxy_on_request_headers(uint32_t id, size_t, uint32_t) {
	Stream* s = stream(id);
	s->probe = header(kRequestHeaders, "x-probe");
	const std::string& p = s->probe;
	if (p == "headers") {
		add(kRequestHeaders, "x-out", header(kRequestHeaders, "x-in") + "!");
		replace(kRequestHeaders, "x-replace", "new");
		proxy_remove_header_map_value(kRequestHeaders, "x-drop", 6);
	} else if (p == "pairs") {
		char* v = nullptr;
		size_t n = 0;
		proxy_get_header_map_pairs(kRequestHeaders, &v, &n);
		add(kRequestHeaders, "x-names", names(take(v, n)));
	} else if (p == "local") {
		// {"x-local": "yes"}, serialised.
		const char h[] = "\x01\x00\x00\x00\x07\x00\x00\x00\x03\x00\x00\x00x-local\x00yes\x00";
		proxy_send_local_response(418, "", 0, "teapot", 6, h, sizeof h - 1, -1);
		return kPause;
	} else if (p == "path") {
		replace(kRequestHeaders, ":path", "/rewritten" + header(kRequestHeaders, ":path"));
	} else if (p == "pause") {
		return kPause;
	} else if (p == "continue") {
		proxy_continue_stream(0);
		return kPause;
	} else if (p == "metric") {
		std::string name = root.config + "_probe_total";
		uint32_t mid = 0;
		uint64_t v = 0;
		proxy_define_metric(0, name.data(), name.size(), &mid);
		proxy_increment_metric(mid, 2);
		proxy_increment_metric(mid, -1);  // a counter does not go down
		proxy_get_metric(mid, &v);
		add(kRequestHeaders, "x-metric", std::to_string(v));
	} else if (p == "shared") {
		std::string key = root.config + "-shared";
		uint32_t first = proxy_set_shared_data(key.data(), key.size(), "v1", 2, 0);
		char* v = nullptr;
		size_t n = 0;
		uint32_t cas = 0;
		proxy_get_shared_data(key.data(), key.size(), &v, &n, &cas);
		std::string got = take(v, n);
		uint32_t second = proxy_set_shared_data(key.data(), key.size(), "v2", 2, cas);
		uint32_t stale = proxy_set_shared_data(key.data(), key.size(), "v3", 2, cas);
		proxy_get_shared_data(key.data(), key.size(), &v, &n, &cas);
		add(kRequestHeaders, "x-shared", got + "," + std::to_string(first) + "," + std::to_string(second) + "," +
			std::to_string(stale) + "," + take(v, n));
	} else if (p == "unimplemented") {
		uint32_t cid = 0, qid = 0;
		std::string r = std::to_string(proxy_http_call("up", 2, "", 0, "", 0, "", 0, 1000, &cid)) + "," +
			std::to_string(proxy_set_tick_period_milliseconds(10)) + "," +
			std::to_string(proxy_register_shared_queue("q", 1, &qid));
		add(kRequestHeaders, "x-statuses", r);
	}
	return kContinue;
}

EXPORT(proxy_on_request_body) uint32_t proxy_on_request_body(uint32_t id, size_t, uint32_t eos) {
	Stream* s = stream(id);
	if (s->probe == "body" && eos) {
		std::string b = "<" + buffer(kRequestBody) + ">";
		proxy_set_buffer_bytes(kRequestBody, 0, 0x7fffffff, b.data(), b.size());
	}
	return kContinue;
}

EXPORT(proxy_on_response_headers) uint32_t proxy_on_response_headers(uint32_t id, size_t, uint32_t) {
	Stream* s = stream(id);
	if (s->probe == "headers") {
		add(kResponseHeaders, "x-resp", "seen " + header(kResponseHeaders, ":status"));
		proxy_remove_header_map_value(kResponseHeaders, "x-route", 7);
	} else if (s->probe == "property") {
		add(kResponseHeaders, "x-path", property("request.path"));
		add(kResponseHeaders, "x-method", property("request.method"));
		add(kResponseHeaders, "x-plugin", property("plugin_name"));
		add(kResponseHeaders, "x-missing", property("no.such.property"));
	}
	return kContinue;
}

EXPORT(proxy_on_response_body) uint32_t proxy_on_response_body(uint32_t id, size_t, uint32_t eos) {
	Stream* s = stream(id);
	if (s->probe == "body" && eos) {
		proxy_set_buffer_bytes(kResponseBody, 0x7fffffff, 0, "!", 1);  // append
		proxy_set_buffer_bytes(kResponseBody, 0, 0, "[", 1);           // prepend
	}
	return kContinue;
}

EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t) { return 1; }

EXPORT(proxy_on_log) void proxy_on_log(uint32_t) {}

EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t id) {
	for (size_t i = 0; i < streams.size(); i++) {
		if (streams[i].first == id) {
			streams.erase(streams.begin() + i);
			return;
		}
	}
}

}  // extern "C"
