/*
 * hello-cpp is a Gojinn function in C++, in the command form the original
 * Gojinn's users wrote: main reads the request as JSON on stdin and writes
 * the response as JSON on stdout (docs/ABI.md, "Function modules"), with
 * the standard library alone. It answers as hello-rust does:
 *
 *   GET /hello?name=ada            -> 200 {"greeting":"hello, ada","method":"GET","body_bytes":0}
 *   POST /hello (X-Name: ada) body -> 200, body_bytes the body's length
 *   anything but GET and POST      -> 405, Allow: GET, POST
 *
 * The greeting comes from the environment (GREETING, "hello" without it);
 * --shout among the arguments upper-cases the answer.
 */
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

/* A JSON value, as much of one as the contract needs. */
struct Value {
	enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
	std::string str; /* String; a Number's or Bool's text */
	std::vector<Value> items;
	std::vector<std::pair<std::string, Value>> members;

	/* The member named key (the last, as Go's decoder takes a duplicate). */
	const Value *get(std::string_view key) const {
		if (kind != Object) return nullptr;
		for (auto it = members.rbegin(); it != members.rend(); ++it)
			if (it->first == key) return &it->second;
		return nullptr;
	}
	const Value *at(size_t i) const { return kind == Array && i < items.size() ? &items[i] : nullptr; }
	const std::string *as_str() const { return kind == String ? &str : nullptr; }
};

/* Parser reads one JSON document; errors are a message, no exceptions. */
class Parser {
      public:
	explicit Parser(std::string_view s) : s_(s) {}

	bool parse(Value *v) {
		if (!value(v, 0)) return false;
		ws();
		return i_ == s_.size() || fail("trailing data");
	}
	const std::string &error() const { return err_; }

      private:
	std::string_view s_;
	size_t i_ = 0;
	std::string err_;

	bool fail(const char *what) {
		err_ = std::string(what) + " at byte " + std::to_string(i_);
		return false;
	}
	void ws() {
		while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) i_++;
	}
	bool lit(std::string_view w, Value::Kind k, Value *v) {
		if (s_.substr(i_, w.size()) != w) return fail("invalid literal");
		v->kind = k;
		v->str = std::string(w);
		i_ += w.size();
		return true;
	}
	bool value(Value *v, int depth) {
		ws();
		if (i_ >= s_.size()) return fail("unexpected end");
		if (depth > 512) return fail("nested too deep");
		switch (s_[i_]) {
		case 'n': return lit("null", Value::Null, v);
		case 't': return lit("true", Value::Bool, v);
		case 'f': return lit("false", Value::Bool, v);
		case '"': v->kind = Value::String; return string(&v->str);
		case '[': return array(v, depth);
		case '{': return object(v, depth);
		default: return number(v);
		}
	}
	bool array(Value *v, int depth) {
		v->kind = Value::Array;
		i_++;
		ws();
		if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
		for (;;) {
			v->items.emplace_back();
			if (!value(&v->items.back(), depth + 1)) return false;
			ws();
			if (i_ < s_.size() && s_[i_] == ',') {
				i_++;
			} else if (i_ < s_.size() && s_[i_] == ']') {
				return ++i_, true;
			} else {
				return fail("expected , or ]");
			}
		}
	}
	bool object(Value *v, int depth) {
		v->kind = Value::Object;
		i_++;
		ws();
		if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
		for (;;) {
			ws();
			if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
			std::string key;
			if (!string(&key)) return false;
			ws();
			if (i_ >= s_.size() || s_[i_] != ':') return fail("expected :");
			i_++;
			v->members.emplace_back(std::move(key), Value());
			if (!value(&v->members.back().second, depth + 1)) return false;
			ws();
			if (i_ < s_.size() && s_[i_] == ',') {
				i_++;
			} else if (i_ < s_.size() && s_[i_] == '}') {
				return ++i_, true;
			} else {
				return fail("expected , or }");
			}
		}
	}
	bool number(Value *v) {
		size_t start = i_;
		while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || std::strchr("+-.eE", s_[i_])))
			i_++;
		if (i_ == start) return fail("unexpected character");
		v->kind = Value::Number;
		v->str = std::string(s_.substr(start, i_ - start));
		return true;
	}
	bool hex4(uint32_t *out) {
		if (i_ + 4 > s_.size()) return fail("invalid \\u escape");
		uint32_t v = 0;
		for (int k = 0; k < 4; k++) {
			char c = s_[i_ + k];
			v <<= 4;
			if (c >= '0' && c <= '9') v |= c - '0';
			else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
			else return fail("invalid \\u escape");
		}
		i_ += 4;
		*out = v;
		return true;
	}
	static void put_utf8(std::string *out, uint32_t cp) {
		if (cp < 0x80) {
			out->push_back(static_cast<char>(cp));
		} else if (cp < 0x800) {
			out->push_back(static_cast<char>(0xC0 | cp >> 6));
			out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
		} else if (cp < 0x10000) {
			out->push_back(static_cast<char>(0xE0 | cp >> 12));
			out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
			out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
		} else {
			out->push_back(static_cast<char>(0xF0 | cp >> 18));
			out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
			out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
			out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
		}
	}
	bool string(std::string *out) {
		i_++; /* the opening quote */
		for (;;) {
			if (i_ >= s_.size()) return fail("unterminated string");
			char c = s_[i_++];
			if (c == '"') return true;
			if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
			if (c != '\\') {
				out->push_back(c);
				continue;
			}
			if (i_ >= s_.size()) return fail("unexpected end");
			switch (s_[i_++]) {
			case '"': out->push_back('"'); break;
			case '\\': out->push_back('\\'); break;
			case '/': out->push_back('/'); break;
			case 'b': out->push_back('\b'); break;
			case 'f': out->push_back('\f'); break;
			case 'n': out->push_back('\n'); break;
			case 'r': out->push_back('\r'); break;
			case 't': out->push_back('\t'); break;
			case 'u': {
				uint32_t cp;
				if (!hex4(&cp)) return false;
				if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
					size_t save = i_;
					i_ += 2;
					uint32_t lo;
					if (!hex4(&lo)) return false;
					if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					else i_ = save;
				}
				if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* a lone surrogate */
				put_utf8(out, cp);
				break;
			}
			default: return fail("invalid escape");
			}
		}
	}
};

/* quote is s as a JSON string. */
std::string quote(std::string_view s) {
	std::string out = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		default:
			if (c < 0x20) {
				char e[8];
				std::snprintf(e, sizeof e, "\\u%04x", c);
				out += e;
			} else {
				out.push_back(static_cast<char>(c));
			}
		}
	}
	return out + "\"";
}

int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

std::string percent_decode(std::string_view s) {
	std::string out;
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] == '+') {
			out.push_back(' ');
		} else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out.push_back(static_cast<char>(hexval(s[i + 1]) << 4 | hexval(s[i + 2])));
			i += 2;
		} else {
			out.push_back(s[i]);
		}
	}
	return out;
}

/* query_param finds the first value of key in the URI's query. */
bool query_param(std::string_view uri, std::string_view key, std::string *out) {
	size_t q = uri.find('?');
	if (q == std::string_view::npos) return false;
	std::string_view query = uri.substr(q + 1);
	for (;;) {
		size_t amp = query.find('&');
		std::string_view pair = query.substr(0, amp);
		size_t eq = pair.find('=');
		if (pair.substr(0, eq) == key) {
			*out = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
			return true;
		}
		if (amp == std::string_view::npos) return false;
		query.remove_prefix(amp + 1);
	}
}

std::string respond(int status, std::string_view extra_headers, std::string_view body) {
	return "{\"status\":" + std::to_string(status) +
	       ",\"headers\":{\"Content-Type\":[\"application/json\"],\"X-Served-By\":[\"hello-cpp\"]" +
	       std::string(extra_headers) + "},\"body\":" + quote(body) + "}\n";
}

std::string serve(const Value &req, std::string_view greeting, bool shout) {
	static const std::string none;
	auto str = [&](const char *key) {
		const Value *v = req.get(key);
		return v && v->as_str() ? *v->as_str() : none;
	};
	const std::string &method = str("method");
	if (method != "GET" && method != "POST")
		return respond(405, ",\"Allow\":[\"GET, POST\"]", "{\"detail\":\"GET or POST a greeting\"}");
	std::string name;
	if (!query_param(str("uri"), "name", &name)) {
		const Value *h = req.get("headers");
		const Value *v = h ? h->get("X-Name") : nullptr;
		const Value *first = v ? v->at(0) : nullptr;
		if (first && first->as_str()) name = *first->as_str();
	}
	if (name.empty()) name = "stranger";
	std::string text = std::string(greeting) + ", " + name;
	if (shout)
		for (char &c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	std::string out = "{\"greeting\":" + quote(text) + ",\"method\":" + quote(method) +
			  ",\"body_bytes\":" + std::to_string(str("body").size()) + "}";
	return respond(200, "", out);
}

} // namespace

int main(int argc, char **argv) {
	std::string input;
	char chunk[4096];
	size_t n;
	while ((n = std::fread(chunk, 1, sizeof chunk, stdin)) > 0) input.append(chunk, n);
	if (std::ferror(stdin)) {
		std::fprintf(stderr, "hello-cpp: reading stdin failed\n");
		return 1;
	}
	Value req;
	Parser p(input);
	if (!p.parse(&req)) {
		/* The host sends valid JSON: this is a bug worth a 502. */
		std::fprintf(stderr, "hello-cpp: the request is not JSON: %s\n", p.error().c_str());
		return 1;
	}
	const char *greeting = std::getenv("GREETING");
	bool shout = false;
	/* The arguments are the Caddyfile's args whole: no program name first. */
	for (int i = 0; i < argc; i++)
		if (std::strcmp(argv[i], "--shout") == 0) shout = true;
	std::string out = serve(req, greeting ? greeting : "hello", shout);
	return std::fwrite(out.data(), 1, out.size(), stdout) == out.size() && std::fflush(stdout) == 0 ? 0 : 1;
}
