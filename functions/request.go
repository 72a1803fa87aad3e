package functions

import (
	"net/http"
	"slices"
	"unsafe"

	"github.com/tidwall/gjson"
)

// appendRequest appends r as the contract's request object to dst:
//
//	{"method":"POST","uri":"/api/contact?id=123","headers":{"Content-Type":["application/json"]},"body":"...","trace_id":"..."}
//
// written by hand, not by encoding/json's reflection, and encoded as
// encoding/json encodes (which is what the original Gojinn sent): header
// names in sorted order, '<', '>' and '&' escaped, and every byte that is
// not part of valid UTF-8 replaced by U+FFFD, for a JSON string holds
// text. The headers are r.Header, which in net/http holds neither Host
// nor Content-Length; trace_id is the W3C traceparent header, when the
// request has one. names is scratch space for the header names, returned
// for reuse.
func appendRequest(dst []byte, names []string, r *http.Request, body []byte) ([]byte, []string) {
	dst = append(dst, `{"method":`...)
	dst = gjson.AppendJSONString(dst, r.Method)
	dst = append(dst, `,"uri":`...)
	dst = gjson.AppendJSONString(dst, requestURI(r))
	dst = append(dst, `,"headers":{`...)
	names = names[:0]
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = gjson.AppendJSONString(dst, name)
		dst = append(dst, ":["...)
		for j, v := range r.Header[name] {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = gjson.AppendJSONString(dst, v)
		}
		dst = append(dst, ']')
	}
	clear(names) // hold no request's strings in the pool
	dst = append(dst, `},"body":`...)
	// Read in place: AppendJSONString only reads it.
	dst = gjson.AppendJSONString(dst, unsafe.String(unsafe.SliceData(body), len(body)))
	if tp := r.Header.Get("Traceparent"); tp != "" {
		dst = append(dst, `,"trace_id":`...)
		dst = gjson.AppendJSONString(dst, tp)
	}
	return append(dst, '}'), names
}

// requestURI is the request target the function sees: as received (path
// and query), or as rewritten by what ran before (Caddy keeps RequestURI
// up to date when it rewrites).
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}
