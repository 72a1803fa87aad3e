package functions

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/gojinn/gojinn/hostabi"
)

// ErrContract is the error of a function whose output breaks the
// contract; the error that wraps it says which rule.
var ErrContract = errors.New("the function's output breaks the contract")

func violation(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrContract}, args...)...)
}

// Limits on a function's output beyond its size. Neither is reached by a
// function that means well; both keep a broken one from costing the host
// more than its answer is worth.
const (
	// maxDepth bounds how deep the output's JSON nests: gjson validates
	// by recursion, and a stack as deep as a 4 MiB output of "[" would
	// be the host's.
	maxDepth = 1000
	// maxHeaders bounds the header names of a response.
	maxHeaders = 256
)

// response is a function's output, checked. Its strings and results point
// into the output it was parsed from, which must outlive it; write
// copies what the response writer keeps.
type response struct {
	status  int
	headers []header
	body    string
}

type header struct {
	// name is in canonical form, a string of its own.
	name   string
	values gjson.Result // an array of strings, or null
}

// parseResponse reads a function's output as the contract's response
// object:
//
//	{"status": 200, "headers": {"Content-Type": ["application/json"]}, "body": "..."}
//
// with gjson, over the bytes, without maps or reflection. The rules are
// those of the original Gojinn, which decoded the output with
// encoding/json into a struct: member names match case-insensitively,
// unknown members are ignored, a later duplicate wins, a missing or null
// status is 200, a missing or null body is empty. Beyond those it checks
// what the host must not send: status 200 to 999, header names that are
// tokens, values without line breaks or NUL. Anything else is an error
// wrapping ErrContract that says which rule broke.
func parseResponse(out []byte) (response, error) {
	// Read in place; nothing below writes to it.
	s := unsafe.String(unsafe.SliceData(out), len(out))
	start := skipSpace(s, 0)
	switch {
	case len(s) == 0:
		return response{}, violation("it wrote nothing on stdout")
	case start == len(s):
		return response{}, violation("it wrote only white space on stdout")
	case s[start] != '{':
		return response{}, violation("the output is not a JSON object: it starts with %q", firstLine(s[start:]))
	}
	end, err := objectEnd(s, start)
	if err != nil {
		return response{}, err
	}
	if rest := skipSpace(s, end); rest < len(s) {
		return response{}, violation("the output goes on after its JSON object, at byte %d: %q", rest, firstLine(s[rest:]))
	}
	obj := s[start:end]
	if !gjson.Valid(obj) {
		// Only a failure pays for encoding/json, for the position.
		var raw json.RawMessage
		if err := json.Unmarshal([]byte(obj), &raw); err != nil {
			return response{}, violation("the output is not valid JSON: %v", err)
		}
		return response{}, violation("the output is not valid JSON")
	}
	var r response
	gjson.Parse(obj).ForEach(func(key, value gjson.Result) bool {
		switch {
		case strings.EqualFold(key.Str, "status"):
			r.status, err = parseStatus(value)
		case strings.EqualFold(key.Str, "headers"):
			r.headers, err = parseHeaders(value, r.headers[:0])
		case strings.EqualFold(key.Str, "body"):
			r.body, err = parseBody(value)
		}
		return err == nil
	})
	if err != nil {
		return response{}, err
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r, nil
}

func parseStatus(v gjson.Result) (int, error) {
	switch v.Type {
	case gjson.Null:
		return 0, nil
	case gjson.String:
		return 0, violation("status is a string (%s), want an integer", clip(v.Raw))
	case gjson.Number:
	default:
		return 0, violation("status is %s, want an integer", kindOf(v))
	}
	n, err := strconv.Atoi(v.Raw) // refuses fractions and exponents, as encoding/json does for an int
	switch {
	case err != nil:
		return 0, violation("status %s is not an integer", clip(v.Raw))
	case n != 0 && (n < 200 || n > 999):
		return 0, violation("status %d is out of range: want 200 to 999", n)
	}
	return n, nil
}

func parseHeaders(v gjson.Result, hs []header) ([]header, error) {
	if v.Type == gjson.Null {
		return hs, nil
	}
	if !v.IsObject() {
		return hs, violation("headers is %s, want an object whose values are arrays of strings", kindOf(v))
	}
	var err error
	v.ForEach(func(key, values gjson.Result) bool {
		name := key.Str
		if len(name) > hostabi.MaxNameLen || !hostabi.IsToken(name) {
			err = violation("header name %q is not a valid field name", clip(name))
			return false
		}
		switch {
		case values.IsArray():
			values.ForEach(func(_, value gjson.Result) bool {
				switch {
				case value.Type != gjson.String && value.Type != gjson.Null:
					err = violation("header %s has %s among its values, want strings", name, kindOf(value))
				case strings.ContainsAny(value.Str, "\x00\r\n"):
					err = violation("header %s has a value with a line break or NUL", name)
				}
				return err == nil
			})
			if err != nil {
				return false
			}
		case values.Type != gjson.Null:
			err = violation("header %s is %s, want an array of strings", name, kindOf(values))
			return false
		}
		// A later duplicate replaces the earlier one, as it would in the
		// map a JSON decoder fills. Names that differ only in case are
		// one header, whose values add up in their order.
		for i := range hs {
			if hs[i].name == name {
				hs[i].values = values
				return true
			}
		}
		if len(hs) == maxHeaders {
			err = violation("more than %d headers", maxHeaders)
			return false
		}
		hs = append(hs, header{name: name, values: values})
		return true
	})
	if err != nil {
		return hs, err
	}
	for i := range hs {
		hs[i].name = http.CanonicalHeaderKey(strings.Clone(hs[i].name))
	}
	return hs, nil
}

func parseBody(v gjson.Result) (string, error) {
	switch v.Type {
	case gjson.String:
		return text(v.Str), nil
	case gjson.Null:
		return "", nil
	}
	return "", violation("body is %s, want a string", kindOf(v))
}

// write sends the response. The function's headers replace those of
// the same names already set (by Caddy's header directive, say); the
// host owns the framing: the length is the body's, whatever the function
// set.
func (r *response) write(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	for _, hd := range r.headers {
		delete(h, hd.name)
	}
	for _, hd := range r.headers {
		if !hd.values.IsArray() {
			continue // null: no values
		}
		hd.values.ForEach(func(_, v gjson.Result) bool {
			h[hd.name] = append(h[hd.name], strings.Clone(text(v.Str)))
			return true
		})
	}
	h.Del("Transfer-Encoding")
	withBody := bodyAllowed(r.status)
	if withBody {
		h.Set("Content-Length", strconv.Itoa(len(r.body)))
	} else {
		h.Del("Content-Length")
	}
	w.WriteHeader(r.status)
	if withBody && req.Method != http.MethodHead && len(r.body) > 0 {
		// A writer does not keep what it is given (io.Writer's rule).
		_, _ = w.Write(unsafe.Slice(unsafe.StringData(r.body), len(r.body)))
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// objectEnd returns the end of the JSON object that starts at s[start],
// scanning for its closing brace without recursion, and checks that it
// nests no deeper than maxDepth. Whether it is valid JSON is gjson's to
// check.
func objectEnd(s string, start int) (int, error) {
	depth := 0
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '{', '[':
			if depth++; depth > maxDepth {
				return 0, violation("the output's JSON nests deeper than %d levels", maxDepth)
			}
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1, nil
			}
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		}
	}
	return 0, violation("the output ends inside its JSON object (was it cut short?)")
}

// text is s with each byte that is not part of valid UTF-8 replaced by
// U+FFFD, as encoding/json decodes a string, and as the original Gojinn
// therefore sent it on.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		b = utf8.AppendRune(b, r) // an invalid byte ranges as RuneError, one byte at a time
	}
	return string(b)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// firstLine is the start of s up to its first line break, cut short: what
// a log line quotes of a function's stray output.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return clip(s)
}

// clip cuts s to a length fit for a log line.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

func kindOf(v gjson.Result) string {
	switch {
	case v.Type == gjson.String:
		return "a string"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.True, v.Type == gjson.False:
		return "a boolean"
	case v.Type == gjson.Null:
		return "null"
	case v.IsArray():
		return "an array"
	}
	return "an object"
}
