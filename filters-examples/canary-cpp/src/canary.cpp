/*
 * canary is a Gojinn filter in C++ (hostabi/gojinn.hpp): it sends a
 * fixed share of users to the canary track of a service. Each request's
 * user is its X-User header (the client's address without one), hashed,
 * so that one user stays on one track; the track goes on as the request
 * header X-Canary-Track ("canary" or "stable") for the route to match,
 * and as the chain variable canary.track. A request that names its track
 * with X-Canary-Track keeps it, when it is one of the two.
 *
 * Config: the canary's share in percent, 0 to 100 ("10"); empty is 0.
 */
#include <cstdint>
#include <string>
#include <string_view>

#include "gojinn.hpp"

namespace {

/* fnv1a is the 32-bit FNV-1a hash, stable across builds and hosts. */
uint32_t fnv1a(std::string_view s) {
	uint32_t h = 2166136261u;
	for (unsigned char c : s) {
		h ^= c;
		h *= 16777619u;
	}
	return h;
}

/* parse_percent reads "0".."100", surrounding spaces allowed. */
bool parse_percent(std::string_view s, uint32_t *out) {
	while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
	if (s.empty()) {
		*out = 0;
		return true;
	}
	uint32_t v = 0;
	for (char c : s) {
		if (c < '0' || c > '9' || v > 100) return false;
		v = v * 10 + static_cast<uint32_t>(c - '0');
	}
	if (v > 100) return false;
	*out = v;
	return true;
}

} // namespace

struct Canary {
	uint32_t percent = 0;
	/* The client's address, kept between requests: once it has grown to
	 * fit one, reading it allocates nothing. */
	std::string addr;

	bool configure(std::string_view config, std::string &error) {
		if (!parse_percent(config, &percent)) {
			error = "config is the canary's share, a percentage from 0 to 100, not \"" + std::string(config) + "\"";
			return false;
		}
		return true;
	}

	gojinn::Features features() const { return gojinn::Features::None; }

	gojinn::Action on_request() {
		auto headers = gojinn::request::headers();
		char buf[256];
		std::string_view v;
		if (headers.get_into("X-Canary-Track", buf, sizeof buf, &v) == gojinn::Error::Ok &&
		    (v == "canary" || v == "stable")) {
			gojinn::set_var("canary.track", v);
			return gojinn::Action::Continue;
		}
		std::string_view user;
		if (headers.get_into("X-User", buf, sizeof buf, &user) != gojinn::Error::Ok || user.empty()) {
			addr = gojinn::request::client_addr();
			user = std::string_view(addr).substr(0, addr.rfind(':'));
		}
		std::string_view track = fnv1a(user) % 100 < percent ? "canary" : "stable";
		if (headers.set("X-Canary-Track", track) != gojinn::Error::Ok) {
			return gojinn::response::respond_with(500, "canary: cannot set the track\n");
		}
		gojinn::set_var("canary.track", track);
		return gojinn::Action::Continue;
	}

	gojinn::Action on_response() { return gojinn::Action::Continue; }
};

GOJINN_FILTER(Canary)
