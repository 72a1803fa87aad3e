/* Read X-In, set X-Out to its first value, with gojinn.hpp: the header is
 * read into the filter's buffer, which allocates nothing. */
#include "gojinn.hpp"

struct ReadSet {
	char buf[2048];

	bool configure(std::string_view, std::string &) { return true; }
	gojinn::Features features() const { return gojinn::Features::None; }
	gojinn::Action on_request() {
		auto headers = gojinn::request::headers();
		std::string_view v;
		if (headers.get_into("X-In", buf, sizeof buf, &v) == gojinn::Error::Ok && !v.empty()) {
			headers.set("X-Out", v);
		}
		return gojinn::Action::Continue;
	}
	gojinn::Action on_response() { return gojinn::Action::Continue; }
};

GOJINN_FILTER(ReadSet)
