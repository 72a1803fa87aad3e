/*
 * gojinn.hpp - a header-only C++17 layer over gojinn.h, the Gojinn host
 * ABI v1: typed handles for the request, the response, headers, bodies,
 * variables, config, logs, key sets and features; std::string_view in,
 * std::string (which owns and frees its memory) or the caller's buffer
 * out; the buffer-limit protocol hidden. No exceptions and no threads:
 * errors are values (gojinn::Error), and it builds with -fno-exceptions.
 * It declares no import of its own: every call goes through gojinn.h.
 *
 *   #include "gojinn.hpp"
 *
 *   struct Greeter {
 *       bool configure(std::string_view config, std::string &error) { return true; }
 *       gojinn::Features features() const { return gojinn::Features::None; }
 *       gojinn::Action on_request() {
 *           std::string who = gojinn::request::headers().get("X-Name").value_or("stranger");
 *           gojinn::request::headers().set("X-Hello", "hello, " + who);
 *           return gojinn::Action::Continue;
 *       }
 *       gojinn::Action on_response() { return gojinn::Action::Continue; }
 *   };
 *   GOJINN_FILTER(Greeter)
 *
 * Build: clang++ --target=wasm32-wasi -std=c++17 -O2 -fno-exceptions
 *        -mexec-model=reactor -I hostabi -o f.wasm f.cpp
 * (libc++-dev-wasm32 has the C++ library; `make deps` installs it.)
 */
#ifndef GOJINN_HPP
#define GOJINN_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gojinn.h"

namespace gojinn {

/* What a handler returns. */
enum class Action : int32_t {
	Continue = GOJINN_ACTION_CONTINUE,
	Respond = GOJINN_ACTION_RESPOND,
};

/* Which message a header or body function acts on. */
enum class Kind : uint32_t {
	Request = GOJINN_KIND_REQUEST,
	Response = GOJINN_KIND_RESPONSE,
};

/* A host function's result: Ok, or one of the ABI's errors, or
 * BufferTooSmall from a function that reads into the caller's buffer. */
enum class Error : int32_t {
	Ok = GOJINN_OK,
	NotFound = GOJINN_ERR_NOT_FOUND,
	Invalid = GOJINN_ERR_INVALID,
	TooLarge = GOJINN_ERR_TOO_LARGE,
	Phase = GOJINN_ERR_PHASE,
	Signature = GOJINN_ERR_SIGNATURE,
	Unavailable = GOJINN_ERR_UNAVAILABLE,
	BufferTooSmall = -1000,
};

/* error_of is an acting host function's result as an Error. */
inline Error error_of(int32_t r) { return r < 0 ? static_cast<Error>(r) : Error::Ok; }

/* A name for an error, for logs. */
inline const char *error_name(Error e) {
	switch (e) {
	case Error::Ok: return "ok";
	case Error::NotFound: return "not found";
	case Error::Invalid: return "invalid argument";
	case Error::TooLarge: return "too large";
	case Error::Phase: return "not in this phase";
	case Error::Signature: return "signature does not verify";
	case Error::Unavailable: return "unavailable";
	case Error::BufferTooSmall: return "buffer too small";
	}
	return "unknown result";
}

/* The hooks a filter asks for beyond on_request, combined with |. */
enum class Features : uint32_t {
	None = 0,
	Response = GOJINN_FEATURE_RESPONSE,
	ResponseBody = GOJINN_FEATURE_RESPONSE_BODY,
	RequestBody = GOJINN_FEATURE_REQUEST_BODY,
	CarryResponseHeaders = GOJINN_FEATURE_CARRY_RESPONSE_HEADERS,
};

constexpr Features operator|(Features a, Features b) {
	return static_cast<Features>(static_cast<uint32_t>(a) | static_cast<uint32_t>(b));
}

/* Log levels. */
enum class Level : int32_t {
	Debug = GOJINN_LOG_DEBUG,
	Info = GOJINN_LOG_INFO,
	Warn = GOJINN_LOG_WARN,
	Error = GOJINN_LOG_ERROR,
};

namespace detail {

/* fetch runs a buffer-limit call into out, growing it until the value
 * fits; out holds the value after. The call is a lambda: inlined, no
 * indirect call. */
template <class Call> Error fetch(std::string &out, Call call) {
	if (out.capacity() < 256) out.reserve(256);
	for (;;) {
		out.resize(out.capacity());
		int32_t n = call(out.data(), static_cast<uint32_t>(out.size()));
		if (n < 0) {
			out.clear();
			return static_cast<Error>(n);
		}
		if (static_cast<size_t>(n) <= out.size()) {
			out.resize(static_cast<size_t>(n));
			return Error::Ok;
		}
		out.reserve(static_cast<size_t>(n));
	}
}

/* split_nul splits a NUL-separated list as the host writes them. */
inline std::vector<std::string> split_nul(std::string_view v) {
	std::vector<std::string> out;
	if (v.empty()) return out;
	for (;;) {
		size_t i = v.find('\0');
		out.emplace_back(v.substr(0, i));
		if (i == std::string_view::npos) return out;
		v.remove_prefix(i + 1);
	}
}

inline std::string_view first_value(std::string_view v) { return v.substr(0, v.find('\0')); }

} // namespace detail

/* The headers of one message. Names are case-insensitive. */
class Headers {
      public:
	explicit constexpr Headers(Kind kind) : kind_(static_cast<uint32_t>(kind)) {}

	/* The first value of the named header; nullopt when absent. */
	std::optional<std::string> get(std::string_view name) const {
		std::string v;
		if (!get(name, v)) return std::nullopt;
		return v;
	}

	/* get into buf, a string the caller keeps between requests: once it
	 * is large enough, the read allocates nothing. False when absent. */
	bool get(std::string_view name, std::string &buf) const {
		Error e = detail::fetch(buf, [&](char *p, uint32_t limit) {
			return gojinn_header_get(kind_, name.data(), static_cast<uint32_t>(name.size()), p, limit);
		});
		if (e != Error::Ok) return false;
		buf.resize(detail::first_value(buf).size());
		return true;
	}

	/* Reads the first value into the caller's fixed buffer, without
	 * allocating. Error::Ok: *value views it in buf. NotFound: absent.
	 * BufferTooSmall: the values (*needed bytes) do not fit; nothing was
	 * copied. */
	Error get_into(std::string_view name, char *buf, size_t cap, std::string_view *value,
		       size_t *needed = nullptr) const {
		int32_t n = gojinn_header_get(kind_, name.data(), static_cast<uint32_t>(name.size()), buf,
					      static_cast<uint32_t>(cap));
		if (n < 0) return static_cast<Error>(n);
		if (static_cast<size_t>(n) > cap) {
			if (needed) *needed = static_cast<size_t>(n);
			return Error::BufferTooSmall;
		}
		*value = detail::first_value(std::string_view(buf, static_cast<size_t>(n)));
		return Error::Ok;
	}

	/* Every value of the named header, empty when it is absent. */
	std::vector<std::string> values(std::string_view name) const {
		std::string v;
		Error e = detail::fetch(v, [&](char *p, uint32_t limit) {
			return gojinn_header_get(kind_, name.data(), static_cast<uint32_t>(name.size()), p, limit);
		});
		if (e != Error::Ok) return {};
		return detail::split_nul(v);
	}

	/* The names of the headers present, canonical and sorted. */
	std::vector<std::string> names() const {
		std::string v;
		if (detail::fetch(v, [&](char *p, uint32_t limit) { return gojinn_header_names(kind_, p, limit); }) !=
		    Error::Ok)
			return {};
		return detail::split_nul(v);
	}

	/* Replaces the named header's values with value. */
	Error set(std::string_view name, std::string_view value) const {
		return error_of(gojinn_header_set(kind_, name.data(), static_cast<uint32_t>(name.size()), value.data(),
						  static_cast<uint32_t>(value.size())));
	}

	/* Appends a value to the named header. */
	Error add(std::string_view name, std::string_view value) const {
		return error_of(gojinn_header_add(kind_, name.data(), static_cast<uint32_t>(name.size()), value.data(),
						  static_cast<uint32_t>(value.size())));
	}

	/* Deletes the named header. */
	Error remove(std::string_view name) const {
		return error_of(gojinn_header_remove(kind_, name.data(), static_cast<uint32_t>(name.size())));
	}

      private:
	uint32_t kind_;
};

/* A message: the request or the response, its headers and its body. */
class Message {
      public:
	explicit constexpr Message(Kind kind) : kind_(static_cast<uint32_t>(kind)) {}

	constexpr Headers headers() const { return Headers(static_cast<Kind>(kind_)); }

	/* Reads the body into out (a string the caller may keep between
	 * requests). The host buffers it on first read, up to its limit;
	 * TooLarge: it is over that limit and passes on untouched. */
	Error body(std::string &out) const {
		return detail::fetch(out, [&](char *p, uint32_t limit) { return gojinn_body_read(kind_, p, limit); });
	}

	/* The body's length without reading it: Ok with *size 0 means no
	 * body; Unavailable a body only reading tells the length of;
	 * TooLarge one over the host's limit. */
	Error body_size(size_t *size) const {
		int32_t r = gojinn_body_size(kind_);
		if (r < 0) return static_cast<Error>(r);
		*size = static_cast<size_t>(r);
		return Error::Ok;
	}

	/* Replaces the body. */
	Error set_body(std::string_view body) const {
		return error_of(gojinn_body_write(kind_, body.data(), static_cast<uint32_t>(body.size())));
	}

      private:
	uint32_t kind_;
};

namespace detail {
template <class Call> std::string fetch_string(Call call) {
	std::string s;
	fetch(s, call);
	return s;
}
} // namespace detail

/* The request: method, target, protocol, client, headers and body. */
namespace request {

constexpr Message message() { return Message(Kind::Request); }
constexpr Headers headers() { return Headers(Kind::Request); }

inline std::string method() {
	return detail::fetch_string([](char *p, uint32_t limit) { return gojinn_method_get(p, limit); });
}
inline Error set_method(std::string_view m) {
	return error_of(gojinn_method_set(m.data(), static_cast<uint32_t>(m.size())));
}
/* The request target as received: path and raw query, encoded. */
inline std::string uri() {
	return detail::fetch_string([](char *p, uint32_t limit) { return gojinn_uri_get(p, limit); });
}
inline Error set_uri(std::string_view u) { return error_of(gojinn_uri_set(u.data(), static_cast<uint32_t>(u.size()))); }
/* The URI up to its query, still encoded. */
inline std::string path() {
	std::string u = uri();
	u.resize(std::string_view(u).substr(0, u.find('?')).size());
	return u;
}
/* The URI after its '?', still encoded; empty when there is none. */
inline std::string query() {
	std::string u = uri();
	size_t i = u.find('?');
	return i == std::string::npos ? std::string() : u.substr(i + 1);
}
inline std::string proto() {
	return detail::fetch_string([](char *p, uint32_t limit) { return gojinn_proto_get(p, limit); });
}
inline std::string client_addr() {
	return detail::fetch_string([](char *p, uint32_t limit) { return gojinn_client_addr_get(p, limit); });
}

} // namespace request

/* Writes msg to the host's log at level, under the filter's name. */
inline void log(Level level, std::string_view msg) {
	gojinn_log(static_cast<int32_t>(level), msg.data(), static_cast<uint32_t>(msg.size()));
}

/* Whether the host logs at level. */
inline bool log_enabled(Level level) { return gojinn_log_enabled(static_cast<int32_t>(level)) != 0; }

/* The response: status, headers and body. */
namespace response {

constexpr Message message() { return Message(Kind::Response); }
constexpr Headers headers() { return Headers(Kind::Response); }

/* The status, 0 before one is set. */
inline int status() { return gojinn_status_get(); }
inline Error set_status(int status) {
	if (status < 0) return Error::Invalid;
	return error_of(gojinn_status_set(static_cast<uint32_t>(status)));
}

/* Sets the status and body and returns Action::Respond, so that a
 * handler can end with `return gojinn::response::respond_with(403, "no")`.
 * A failure is logged: the response goes with what could be set. */
inline Action respond_with(int status, std::string_view body) {
	Error e = set_status(status);
	if (e != Error::Ok) log(Level::Error, std::string("respond: status: ") + error_name(e));
	e = message().set_body(body);
	if (e != Error::Ok) log(Level::Error, std::string("respond: body: ") + error_name(e));
	return Action::Respond;
}

} // namespace response

/* A chain variable set by this or an earlier filter; nullopt when unset. */
inline std::optional<std::string> var(std::string_view name) {
	std::string v;
	if (detail::fetch(v, [&](char *p, uint32_t limit) {
		    return gojinn_var_get(name.data(), static_cast<uint32_t>(name.size()), p, limit);
	    }) != Error::Ok)
		return std::nullopt;
	return v;
}

/* Sets a chain variable for later filters and the host. */
inline Error set_var(std::string_view name, std::string_view value) {
	return error_of(gojinn_var_set(name.data(), static_cast<uint32_t>(name.size()), value.data(),
				       static_cast<uint32_t>(value.size())));
}

/* The filter's config bytes, empty when there are none. */
inline std::string config() {
	return detail::fetch_string([](char *p, uint32_t limit) { return gojinn_config_get(p, limit); });
}

/* A set of verification keys the host holds. */
class Keyset {
      public:
	/* Asks the host to load a key set from spec (JSON, docs/ABI.md);
	 * configure only. */
	static Error open(std::string_view spec, Keyset *out) {
		int32_t r = gojinn_keyset_open(spec.data(), static_cast<uint32_t>(spec.size()));
		if (r < 0) return static_cast<Error>(r);
		*out = Keyset(r);
		return Error::Ok;
	}

	Keyset() = default;

	/* Checks sig over msg with the key named kid (empty: any key of the
	 * set that fits alg). Ok means the signature holds. */
	Error verify(std::string_view alg, std::string_view kid, std::string_view msg, std::string_view sig) const {
		return error_of(gojinn_signature_verify(handle_, alg.data(), static_cast<uint32_t>(alg.size()), kid.data(),
							static_cast<uint32_t>(kid.size()), msg.data(),
							static_cast<uint32_t>(msg.size()), sig.data(),
							static_cast<uint32_t>(sig.size())));
	}

      private:
	explicit Keyset(int32_t h) : handle_(h) {}
	int32_t handle_ = -1;
};

namespace detail {

/* configure runs the filter's configure and declares its features. */
template <class F> int32_t configure(F &filter) {
	std::string error;
	if (!filter.configure(config(), error)) {
		log(Level::Error, "configure: " + error);
		return 1;
	}
	uint32_t flags = static_cast<uint32_t>(filter.features());
	if (flags != 0) {
		Error e = error_of(gojinn_features_set(flags));
		if (e != Error::Ok) {
			log(Level::Error, std::string("features_set refused: ") + error_name(e));
			return 1;
		}
	}
	return 0;
}

} // namespace detail

} // namespace gojinn

/*
 * GOJINN_FILTER(Type) exports a filter: one Type per instance, made
 * before any call (a static of the reactor, constructed by _initialize),
 * with the members
 *
 *   bool configure(std::string_view config, std::string &error);
 *   gojinn::Features features() const;
 *   gojinn::Action on_request();
 *   gojinn::Action on_response();   // called with Features::Response
 *
 * Use it once, in one source file.
 */
#define GOJINN_FILTER(Type)                                                                                          \
	GOJINN_EXPORT_ABI_V1                                                                                         \
	static Type gojinn_filter_;                                                                                  \
	extern "C" GOJINN_EXPORT(GOJINN_EXPORT_NAME_CONFIGURE) int32_t gojinn_configure(void) {                      \
		return ::gojinn::detail::configure(gojinn_filter_);                                                  \
	}                                                                                                            \
	extern "C" GOJINN_EXPORT(GOJINN_EXPORT_NAME_ON_REQUEST) int32_t gojinn_on_request(void) {                    \
		return static_cast<int32_t>(gojinn_filter_.on_request());                                            \
	}                                                                                                            \
	extern "C" GOJINN_EXPORT(GOJINN_EXPORT_NAME_ON_RESPONSE) int32_t gojinn_on_response(void) {                  \
		return static_cast<int32_t>(gojinn_filter_.on_response());                                           \
	}

#endif /* GOJINN_HPP */
