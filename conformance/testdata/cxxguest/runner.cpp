/*
 * runner.cpp is the C++ case runner of the conformance suite: it runs the
 * script it is configured with (see conformance/script.go for the
 * language) and reports one entry per step, as its twins in Go, C and
 * Rust do; all must report the same for every case.
 *
 * gojinn.hpp provides the exports (GOJINN_FILTER) and the configure
 * plumbing; the steps call the host through gojinn.h's raw imports,
 * because the cases look at what the C++ layer hides: result codes,
 * short buffers and bad pointers. Built with -fno-exceptions.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gojinn.hpp"

namespace {

using Bytes = std::string; /* bytes, NULs included */
using Args = std::vector<std::string_view>;

constexpr unsigned char kFill = 0xAA;
constexpr size_t kGuard = 16;

enum class Phase { Configure, Request, Response };

/* A step either goes on (nullopt) or ends its phase with an action. */
using Flow = std::optional<int32_t>;

uint32_t fnv32a(std::string_view b) {
	uint32_t h = 2166136261u;
	for (unsigned char c : b) {
		h ^= c;
		h *= 16777619u;
	}
	return h;
}

int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return 0;
}

/* arg_int is an integer argument (strtoul/strtol base 0, as the C runner
 * reads them); a missing one is 0. */
uint32_t arg_int(const Args &a, size_t i) {
	std::string tok(i < a.size() ? a[i] : "0");
	if (tok[0] == '-') return static_cast<uint32_t>(std::strtol(tok.c_str(), nullptr, 0));
	return static_cast<uint32_t>(std::strtoul(tok.c_str(), nullptr, 0));
}

/* arg_str is a string argument: parts joined by '+', each percent-decoded
 * and repeated when it ends in *N; '' is the empty string. */
Bytes arg_str(const Args &a, size_t i) {
	Bytes out;
	if (i >= a.size() || a[i] == "''") return out;
	std::string_view tok = a[i];
	for (;;) {
		size_t plus = tok.find('+');
		std::string_view part = tok.substr(0, plus);
		size_t rep = 1;
		size_t star = part.rfind('*');
		if (star != std::string_view::npos) {
			rep = std::strtoul(std::string(part.substr(star + 1)).c_str(), nullptr, 10);
			part = part.substr(0, star);
		}
		Bytes unit;
		for (size_t k = 0; k < part.size(); k++) {
			if (part[k] == '%' && k + 2 < part.size()) {
				unit.push_back(static_cast<char>(hexval(part[k + 1]) << 4 | hexval(part[k + 2])));
				k += 2;
			} else {
				unit.push_back(part[k]);
			}
		}
		for (size_t r = 0; r < rep; r++) out += unit;
		if (plus == std::string_view::npos) return out;
		tok.remove_prefix(plus + 1);
	}
}

Args fields(std::string_view line) {
	Args a;
	while (a.size() < 16) {
		size_t start = line.find_first_not_of(' ');
		if (start == std::string_view::npos) break;
		line.remove_prefix(start);
		size_t end = line.find(' ');
		a.push_back(line.substr(0, end));
		if (end == std::string_view::npos) break;
		line.remove_prefix(end);
	}
	return a;
}

/* A host output buffer of limit bytes and a guard, all kFill. */
Bytes buffer(uint32_t limit) { return Bytes(static_cast<size_t>(limit) + kGuard, static_cast<char>(kFill)); }

volatile int depth_sink;

/* deep recurses without end; the volatile keeps it a real recursion. */
int deep(int n) {
	char pad[256];
	if (n < 0) return 0; /* never: a bound only so the compiler keeps the call */
	pad[n & 255] = static_cast<char>(n);
	depth_sink = pad[(n * 7) & 255];
	return deep(n + 1) + depth_sink;
}

char *volatile hoard;

} // namespace

struct Runner {
	std::string script;
	Bytes out; /* the report: entries separated by ';' */
	Bytes configure_report;
	int64_t calls = 0;
	int64_t declared = -1; /* the flags of the last features_set that succeeded in configure */

	void put(std::string_view s) { out += s; }
	void put_int(int64_t v) { out += std::to_string(v); }

	void put_escaped(std::string_view b) {
		static const char hex[] = "0123456789ABCDEF";
		for (unsigned char c : b) {
			if (c < 0x21 || c > 0x7e || c == '%' || c == ';') {
				char e[3] = {'%', hex[c >> 4], hex[c & 15]};
				out.append(e, 3);
			} else {
				out.push_back(static_cast<char>(c));
			}
		}
	}

	void report_data(int32_t r, const Bytes &b, uint32_t limit) {
		put_int(r);
		size_t written = 0;
		if (r >= 0 && static_cast<uint32_t>(r) <= limit) {
			written = static_cast<size_t>(r);
			if (r > 0) {
				put(" ");
				std::string_view data(b.data(), written);
				if (r <= 128) {
					put_escaped(data);
				} else {
					char h[16];
					std::snprintf(h, sizeof h, "#%08x", fnv32a(data));
					put(h);
				}
			}
		}
		for (size_t i = written; i < b.size(); i++) {
			if (static_cast<unsigned char>(b[i]) != kFill) {
				put(" clobbered");
				break;
			}
		}
	}

	/* report_count reports kv_incr: its result and, when it is 0, the
	 * count the host wrote (a signed 64-bit little-endian integer in the
	 * first 8 bytes), and " clobbered" when it wrote anywhere else. */
	void report_count(int32_t r, const Bytes &b, uint32_t limit) {
		put_int(r);
		size_t written = 0;
		if (r == 0 && limit >= 8) {
			written = 8;
			uint64_t u = 0;
			for (int i = 7; i >= 0; i--) u = u << 8 | static_cast<unsigned char>(b[static_cast<size_t>(i)]);
			put(" ");
			put_int(static_cast<int64_t>(u));
		}
		for (size_t i = written; i < b.size(); i++) {
			if (static_cast<unsigned char>(b[i]) != kFill) {
				put(" clobbered");
				break;
			}
		}
	}

	void raw(const Args &a) {
		uint32_t v[9] = {0};
		for (size_t i = 1; i < a.size() && i <= 9; i++) v[i - 1] = arg_int(a, i);
		void *p[9];
		for (int i = 0; i < 9; i++) p[i] = reinterpret_cast<void *>(static_cast<uintptr_t>(v[i]));
		std::string_view f = a.empty() ? "" : a[0];
		int32_t r = 0;
		if (f == "method_get") r = gojinn_method_get(p[0], v[1]);
		else if (f == "method_set") r = gojinn_method_set(p[0], v[1]);
		else if (f == "uri_get") r = gojinn_uri_get(p[0], v[1]);
		else if (f == "uri_set") r = gojinn_uri_set(p[0], v[1]);
		else if (f == "proto_get") r = gojinn_proto_get(p[0], v[1]);
		else if (f == "client_addr_get") r = gojinn_client_addr_get(p[0], v[1]);
		else if (f == "header_get") r = gojinn_header_get(v[0], p[1], v[2], p[3], v[4]);
		else if (f == "header_names") r = gojinn_header_names(v[0], p[1], v[2]);
		else if (f == "header_set") r = gojinn_header_set(v[0], p[1], v[2], p[3], v[4]);
		else if (f == "header_add") r = gojinn_header_add(v[0], p[1], v[2], p[3], v[4]);
		else if (f == "header_remove") r = gojinn_header_remove(v[0], p[1], v[2]);
		else if (f == "body_read") r = gojinn_body_read(v[0], p[1], v[2]);
		else if (f == "body_write") r = gojinn_body_write(v[0], p[1], v[2]);
		else if (f == "body_size") r = gojinn_body_size(v[0]);
		else if (f == "var_get") r = gojinn_var_get(p[0], v[1], p[2], v[3]);
		else if (f == "var_set") r = gojinn_var_set(p[0], v[1], p[2], v[3]);
		else if (f == "config_get") r = gojinn_config_get(p[0], v[1]);
		else if (f == "log") gojinn_log(static_cast<int32_t>(v[0]), p[1], v[2]);
		else if (f == "keyset_open") r = gojinn_keyset_open(p[0], v[1]);
		else if (f == "signature_verify")
			r = gojinn_signature_verify(static_cast<int32_t>(v[0]), p[1], v[2], p[3], v[4], p[5], v[6], p[7], v[8]);
		else if (f == "json_get") r = gojinn_json_get(v[0], p[1], v[2], p[3], v[4]);
		else if (f == "json_leaves") r = gojinn_json_leaves(v[0], v[1], p[2], v[3]);
		else if (f == "regex_compile") r = gojinn_regex_compile(p[0], v[1]);
		else if (f == "regex_match") r = gojinn_regex_match(static_cast<int32_t>(v[0]), v[1], v[2], p[3], v[4], p[5], v[6]);
		else if (f == "regex_find") r = gojinn_regex_find(static_cast<int32_t>(v[0]), v[1], v[2], p[3], v[4], p[5], v[6]);
		else if (f == "patterns_compile") r = gojinn_patterns_compile(p[0], v[1], v[2]);
		else if (f == "patterns_scan")
			r = gojinn_patterns_scan(static_cast<int32_t>(v[0]), v[1], v[2], p[3], v[4], p[5], v[6]);
		else if (f == "sqli_check") r = gojinn_sqli_check(v[0], v[1], p[2], v[3], p[4], v[5]);
		else if (f == "xss_check") r = gojinn_xss_check(v[0], v[1], p[2], v[3]);
		else if (f == "trace_context_get") r = gojinn_trace_context_get(p[0], v[1]);
		else if (f == "kv_open") r = gojinn_kv_open(p[0], v[1]);
		else if (f == "kv_get") r = gojinn_kv_get(static_cast<int32_t>(v[0]), p[1], v[2], p[3], v[4]);
		else if (f == "kv_set")
			r = gojinn_kv_set(static_cast<int32_t>(v[0]), p[1], v[2], p[3], v[4], static_cast<int32_t>(v[5]));
		else if (f == "kv_set_if_absent")
			r = gojinn_kv_set_if_absent(static_cast<int32_t>(v[0]), p[1], v[2], p[3], v[4], static_cast<int32_t>(v[5]));
		else if (f == "kv_cas")
			r = gojinn_kv_cas(static_cast<int32_t>(v[0]), p[1], v[2], p[3], v[4], p[5], v[6], static_cast<int32_t>(v[7]));
		else if (f == "kv_incr")
			r = gojinn_kv_incr(static_cast<int32_t>(v[0]), p[1], v[2], static_cast<int32_t>(v[3]),
					   static_cast<int32_t>(v[4]), p[5], v[6]);
		else if (f == "kv_delete") r = gojinn_kv_delete(static_cast<int32_t>(v[0]), p[1], v[2]);
		else {
			put("unknown-raw");
			return;
		}
		put_int(r);
	}

	/* data runs a buffer-limit call with the step's limit and reports it. */
	template <class Call> void data(uint32_t limit, Call call) {
		Bytes b = buffer(limit);
		report_data(call(b.data(), limit), b, limit);
	}

	Flow step(const Args &a, Phase phase) {
		std::string_view op = a[0];
		auto s = [&](size_t i) { return arg_str(a, i); };
		auto n = [&](size_t i) { return arg_int(a, i); };
		auto len = [](const Bytes &b) { return static_cast<uint32_t>(b.size()); };
		if (op == "method_get") data(n(1), [](char *b, uint32_t l) { return gojinn_method_get(b, l); });
		else if (op == "uri_get") data(n(1), [](char *b, uint32_t l) { return gojinn_uri_get(b, l); });
		else if (op == "proto_get") data(n(1), [](char *b, uint32_t l) { return gojinn_proto_get(b, l); });
		else if (op == "client_addr_get") data(n(1), [](char *b, uint32_t l) { return gojinn_client_addr_get(b, l); });
		else if (op == "config_get") data(n(1), [](char *b, uint32_t l) { return gojinn_config_get(b, l); });
		else if (op == "trace_context_get") data(n(1), [](char *b, uint32_t l) { return gojinn_trace_context_get(b, l); });
		else if (op == "method_set" || op == "uri_set" || op == "keyset_open") {
			Bytes v = s(1);
			put_int(op == "method_set" ? gojinn_method_set(v.data(), len(v))
				: op == "uri_set"  ? gojinn_uri_set(v.data(), len(v))
						   : gojinn_keyset_open(v.data(), len(v)));
		} else if (op == "header_get") {
			Bytes name = s(2);
			uint32_t kind = n(1);
			data(n(3), [&](char *b, uint32_t l) { return gojinn_header_get(kind, name.data(), len(name), b, l); });
		} else if (op == "header_names" || op == "body_read") {
			uint32_t kind = n(1);
			bool body = op == "body_read";
			data(n(2), [&](char *b, uint32_t l) {
				return body ? gojinn_body_read(kind, b, l) : gojinn_header_names(kind, b, l);
			});
		} else if (op == "header_set" || op == "header_add") {
			Bytes name = s(2), value = s(3);
			put_int(op == "header_set" ? gojinn_header_set(n(1), name.data(), len(name), value.data(), len(value))
						   : gojinn_header_add(n(1), name.data(), len(name), value.data(), len(value)));
		} else if (op == "header_remove" || op == "body_write") {
			Bytes v = s(2);
			put_int(op == "header_remove" ? gojinn_header_remove(n(1), v.data(), len(v))
						      : gojinn_body_write(n(1), v.data(), len(v)));
		} else if (op == "status_get") {
			put_int(gojinn_status_get());
		} else if (op == "features_set") {
			int32_t r = gojinn_features_set(n(1));
			if (r == GOJINN_OK && phase == Phase::Configure) declared = n(1);
			put_int(r);
		} else if (op == "status_set") {
			put_int(gojinn_status_set(n(1)));
		} else if (op == "body_size") {
			put_int(gojinn_body_size(n(1)));
		} else if (op == "log_enabled") {
			put_int(gojinn_log_enabled(static_cast<int32_t>(n(1))));
		} else if (op == "var_get") {
			Bytes name = s(1);
			data(n(2), [&](char *b, uint32_t l) { return gojinn_var_get(name.data(), len(name), b, l); });
		} else if (op == "var_set") {
			Bytes name = s(1), value = s(2);
			put_int(gojinn_var_set(name.data(), len(name), value.data(), len(value)));
		} else if (op == "log") {
			Bytes msg = s(2);
			gojinn_log(static_cast<int32_t>(n(1)), msg.data(), len(msg));
			put("-");
		} else if (op == "signature_verify") {
			Bytes alg = s(2), kid = s(3), msg = s(4), sig = s(5);
			put_int(gojinn_signature_verify(static_cast<int32_t>(n(1)), alg.data(), len(alg), kid.data(), len(kid),
							msg.data(), len(msg), sig.data(), len(sig)));
		} else if (op == "json_get") {
			Bytes path = s(2);
			uint32_t kind = n(1);
			data(n(3), [&](char *b, uint32_t l) { return gojinn_json_get(kind, path.data(), len(path), b, l); });
		} else if (op == "json_leaves") {
			uint32_t kind = n(1), cursor = n(2);
			data(n(3), [&](char *b, uint32_t l) { return gojinn_json_leaves(kind, cursor, b, l); });
		} else if (op == "regex_compile") {
			Bytes v = s(1);
			put_int(gojinn_regex_compile(v.data(), len(v)));
		} else if (op == "patterns_compile") {
			Bytes v = s(1);
			put_int(gojinn_patterns_compile(v.data(), len(v), n(2)));
		} else if (op == "regex_match" || op == "regex_find" || op == "patterns_scan") {
			Bytes d = s(4);
			int32_t h = static_cast<int32_t>(n(1));
			uint32_t target = n(2), kind = n(3);
			data(n(5), [&](char *b, uint32_t l) {
				if (op == "regex_match") return gojinn_regex_match(h, target, kind, d.data(), len(d), b, l);
				if (op == "regex_find") return gojinn_regex_find(h, target, kind, d.data(), len(d), b, l);
				return gojinn_patterns_scan(h, target, kind, d.data(), len(d), b, l);
			});
		} else if (op == "sqli_check") {
			Bytes d = s(3);
			uint32_t target = n(1), kind = n(2);
			data(n(4), [&](char *b, uint32_t l) { return gojinn_sqli_check(target, kind, d.data(), len(d), b, l); });
		} else if (op == "xss_check") {
			Bytes d = s(3);
			put_int(gojinn_xss_check(n(1), n(2), d.data(), len(d)));
		} else if (op == "kv_open") {
			Bytes name = s(1);
			put_int(gojinn_kv_open(name.data(), len(name)));
		} else if (op == "kv_get") {
			Bytes key = s(2);
			int32_t h = static_cast<int32_t>(n(1));
			data(n(3), [&](char *b, uint32_t l) { return gojinn_kv_get(h, key.data(), len(key), b, l); });
		} else if (op == "kv_set" || op == "kv_set_if_absent") {
			Bytes key = s(2), value = s(3);
			int32_t h = static_cast<int32_t>(n(1)), ttl = static_cast<int32_t>(n(4));
			put_int(op == "kv_set" ? gojinn_kv_set(h, key.data(), len(key), value.data(), len(value), ttl)
					       : gojinn_kv_set_if_absent(h, key.data(), len(key), value.data(), len(value), ttl));
		} else if (op == "kv_cas") {
			Bytes key = s(2), old = s(3), value = s(4);
			put_int(gojinn_kv_cas(static_cast<int32_t>(n(1)), key.data(), len(key), old.data(), len(old), value.data(),
					      len(value), static_cast<int32_t>(n(5))));
		} else if (op == "kv_incr") {
			Bytes key = s(2);
			uint32_t limit = n(5);
			Bytes b = buffer(limit);
			report_count(gojinn_kv_incr(static_cast<int32_t>(n(1)), key.data(), len(key), static_cast<int32_t>(n(3)),
						    static_cast<int32_t>(n(4)), b.data(), limit),
				     b, limit);
		} else if (op == "kv_delete") {
			Bytes key = s(2);
			put_int(gojinn_kv_delete(static_cast<int32_t>(n(1)), key.data(), len(key)));
		} else if (op == "fill_vars") {
			uint32_t ok = 0;
			int32_t first = 0;
			for (uint32_t i = 0; i < n(1); i++) {
				std::string name = "v" + std::to_string(i);
				int32_t r = gojinn_var_set(name.data(), static_cast<uint32_t>(name.size()), "x", 1);
				if (r == 0) ok++;
				else if (first == 0) first = r;
			}
			put_int(ok);
			put(" ");
			put_int(first);
		} else if (op == "raw") {
			raw(Args(a.begin() + 1, a.end()));
		} else if (op == "count") {
			put_int(++calls);
		} else if (op == "fault") {
			return fault(phase);
		} else if (op == "continue" && phase == Phase::Request) {
			if (!out.empty()) out.pop_back(); /* the trailing ';' */
			gojinn::request::headers().add("X-Report", out);
			return GOJINN_ACTION_CONTINUE;
		} else if (op == "return") {
			return static_cast<int32_t>(n(1));
		} else if (op == "refuse" && phase == Phase::Configure) {
			return 1;
		} else if (op == "trap") {
			__builtin_trap();
		} else if (op == "loop") {
			for (volatile int i = 0;; i++) {
			}
		} else if (op == "recurse") {
			put_int(deep(0));
		} else if (op == "grow") {
			/* new of a std::nothrow kind: without exceptions, a failed
			 * allocation is a null pointer, then a trap. */
			for (;;) {
				char *p = new (std::nothrow) char[1 << 20];
				if (!p) __builtin_trap();
				p[0] = 1;
				hoard = p;
			}
		} else {
			put("unknown-op ");
			put(op);
		}
		put(";");
		return std::nullopt;
	}

	/* fault runs the request's X-Fault header as a step, or reports "-". */
	Flow fault(Phase phase) {
		char line[256];
		int32_t got = gojinn_header_get(GOJINN_KIND_REQUEST, "X-Fault", 7, line, sizeof line - 1);
		Args a;
		/* As C's strtok would, the step ends at the first NUL: a second
		 * value of the header is not part of it. */
		if (got >= 0 && got < static_cast<int32_t>(sizeof line)) {
			std::string_view text(line, static_cast<size_t>(got));
			a = fields(text.substr(0, text.find('\0')));
		}
		if (a.empty()) {
			put("-;");
			return std::nullopt;
		}
		/* The step's arguments view line, which lives until it returns. */
		return step(a, phase);
	}

	Flow run(Phase phase) {
		std::string_view rest = script;
		while (!rest.empty()) {
			size_t nl = rest.find('\n');
			std::string_view line = rest.substr(0, nl);
			rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
			Args a = fields(line);
			if (a.empty()) continue;
			Phase line_phase = Phase::Request;
			if (a[0] == "configure" || a[0] == "response") {
				line_phase = a[0] == "configure" ? Phase::Configure : Phase::Response;
				a.erase(a.begin());
				if (a.empty()) continue;
			}
			if (line_phase != phase) continue;
			if (Flow f = step(a, phase)) return f;
		}
		return std::nullopt;
	}

	/* The members GOJINN_FILTER calls. */

	bool configure(std::string_view config, std::string &error) {
		script = std::string(config);
		Flow action = run(Phase::Configure);
		configure_report = out;
		out.clear();
		if (action && *action > 0) {
			error = "refused by script";
			return false;
		}
		return true;
	}

	/* A script with response steps asks for the response after its
	 * configure steps, as the Go runner's SDK does: with what a configure
	 * step declared, or else the response body. */
	gojinn::Features features() const {
		if (script.rfind("response ", 0) != 0 && script.find("\nresponse ") == std::string::npos)
			return gojinn::Features::None;
		uint32_t f = declared >= 0 ? static_cast<uint32_t>(declared) : GOJINN_FEATURE_RESPONSE_BODY;
		return static_cast<gojinn::Features>(GOJINN_FEATURE_RESPONSE | f);
	}

	gojinn::Action on_request() {
		out = configure_report;
		if (Flow action = run(Phase::Request)) return static_cast<gojinn::Action>(*action);
		if (!out.empty()) out.pop_back(); /* the trailing ';' */
		gojinn::response::message().set_body(out);
		return gojinn::Action::Respond;
	}

	gojinn::Action on_response() {
		out.clear();
		if (Flow action = run(Phase::Response)) return static_cast<gojinn::Action>(*action);
		if (!out.empty()) out.pop_back();
		gojinn::response::headers().add("X-Response-Report", out);
		return gojinn::Action::Continue;
	}
};

GOJINN_FILTER(Runner)
