/*
 * probe calls every part of gojinn.hpp and reports what each returned, one
 * name=value line each, for hostabi/hpp_test.go to compare with what the
 * host holds. On /respond it answers with the report; otherwise it puts
 * the report in X-Report (lines joined by '|') and continues, and its
 * response hook rewrites the body the upstream wrote.
 */
#include <string>
#include <vector>

#include "gojinn.hpp"

namespace {

std::string join(const std::vector<std::string> &v) {
	std::string out = "[";
	for (size_t i = 0; i < v.size(); i++) out += (i ? "," : "") + v[i];
	return out + "]";
}

std::string opt(const std::optional<std::string> &v) { return v ? "some:" + *v : "none"; }

std::vector<unsigned char> unhex(std::string_view s) {
	auto val = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
	std::vector<unsigned char> out;
	for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<unsigned char>(val(s[i]) << 4 | val(s[i + 1])));
	return out;
}

} // namespace

struct Probe {
	std::string config;
	gojinn::Error keyset_error = gojinn::Error::Ok;
	gojinn::Keyset keyset;
	std::string body;   /* kept between requests */
	std::string header; /* kept between requests */
	int calls = 0;

	bool configure(std::string_view cfg, std::string &error) {
		if (cfg == "refuse") {
			error = "refused as asked";
			return false;
		}
		config = std::string(cfg);
		keyset_error = gojinn::Keyset::open(R"({"hmac_env": "PROBE_SECRET", "hmac_alg": "HS256"})", &keyset);
		return true;
	}

	gojinn::Features features() const { return gojinn::Features::Response | gojinn::Features::ResponseBody; }

	gojinn::Action on_request() {
		using namespace gojinn;
		calls++;
		auto h = request::headers();
		std::vector<std::string> r;
		r.push_back("calls=" + std::to_string(calls));
		r.push_back("config=" + config);
		r.push_back("config_get=" + gojinn::config());
		r.push_back("method=" + request::method());
		r.push_back("uri=" + request::uri());
		r.push_back("path=" + request::path());
		r.push_back("query=" + request::query());
		r.push_back("proto=" + request::proto());
		r.push_back(std::string("client_addr_has_port=") +
			    (request::client_addr().find(':') != std::string::npos ? "true" : "false"));
		r.push_back("get=" + opt(h.get("x-multi")));
		r.push_back("get_absent=" + opt(h.get("X-Absent")));
		r.push_back(std::string("get_kept=") + (h.get("X-Long", header) ? header : "absent"));
		r.push_back("values=" + join(h.values("X-Multi")));
		r.push_back("names=" + join(h.names()));
		char small[4];
		std::string_view v;
		size_t needed = 0;
		Error e = h.get_into("X-Long", small, sizeof small, &v, &needed);
		r.push_back(std::string("get_into_small=") + error_name(e) + " " + std::to_string(needed));
		char buf[64];
		e = h.get_into("X-Multi", buf, sizeof buf, &v);
		r.push_back(std::string("get_into=") + error_name(e) + " " + std::string(v));
		e = h.get_into("X-Absent", buf, sizeof buf, &v);
		r.push_back(std::string("get_into_absent=") + error_name(e));
		r.push_back(std::string("set=") + error_name(h.set("X-Set", "1")));
		r.push_back(std::string("add=") + error_name(h.add("X-Set", "2")));
		r.push_back(std::string("remove=") + error_name(h.remove("X-Remove")));
		r.push_back(std::string("set_invalid=") + error_name(h.set("Bad Name", "x")));
		r.push_back("var_unset=" + opt(var("probe.k")));
		r.push_back(std::string("set_var=") + error_name(set_var("probe.k", "v1")));
		r.push_back("var=" + opt(var("probe.k")));
		size_t size = 0;
		e = request::message().body_size(&size);
		r.push_back(std::string("body_size=") + error_name(e) + " " + std::to_string(size));
		e = request::message().body(body);
		r.push_back(std::string("body=") + error_name(e) + " " + body);
		r.push_back(std::string("log_enabled_error=") + (log_enabled(Level::Error) ? "true" : "false"));
		log(Level::Info, "probe: logged");
		if (keyset_error == Error::Ok) {
			std::string msg = h.get("X-Msg").value_or("");
			std::vector<unsigned char> sig = unhex(h.get("X-Sig").value_or(""));
			std::string_view sv(reinterpret_cast<const char *>(sig.data()), sig.size());
			r.push_back(std::string("verify=") + error_name(keyset.verify("HS256", "", msg, sv)));
		} else {
			r.push_back(std::string("keyset=") + error_name(keyset_error));
		}
		r.push_back("status_before=" + std::to_string(response::status()));
		r.push_back(std::string("set_status_invalid=") + error_name(response::set_status(42)));
		r.push_back(std::string("set_status_negative=") + error_name(response::set_status(-1)));
		std::string report;
		for (size_t i = 0; i < r.size(); i++) report += (i ? "\n" : "") + r[i];
		if (request::path() == "/respond") {
			response::headers().set("X-Probe", "answered");
			return response::respond_with(418, report + "\n");
		}
		std::string line;
		for (size_t i = 0; i < r.size(); i++) line += (i ? "|" : "") + r[i];
		h.set("X-Report", line);
		return Action::Continue;
	}

	gojinn::Action on_response() {
		using namespace gojinn;
		std::string upstream;
		response::message().body(upstream);
		response::headers().set("X-Upstream-Status", std::to_string(response::status()));
		response::message().set_body("rewritten: " + upstream);
		response::set_status(201);
		return Action::Continue;
	}
};

GOJINN_FILTER(Probe)
