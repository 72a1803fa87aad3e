package host

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// canonicalKey writes the canonical form of the header name into dst
// ("content-type" becomes "Content-Type") and reports whether name is a
// valid field name (RFC 9110 token). It allocates only when dst is short.
func canonicalKey(dst, name []byte) ([]byte, bool) {
	if len(name) == 0 || len(name) > hostabi.MaxNameLen {
		return dst, false
	}
	dst = dst[:0]
	upper := true
	for _, c := range name {
		if !hostabi.IsTokenByte(c) {
			return dst, false
		}
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst, true
}

// validValue reports whether v may be a header value: no NUL, CR or LF
// (RFC 9110 section 5.5), so a guest cannot split or smuggle headers.
func validValue(v []byte) bool {
	for _, c := range v {
		if c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}

// Request fields that net/http keeps outside r.Header, or whose header
// it does not keep true. The ABI shows them as headers, because that is
// what they are on the wire, and takes their values from the request's
// fields, which are what the next hop is sent.
const (
	hostKey             = "Host"
	contentLengthKey    = "Content-Length"
	transferEncodingKey = "Transfer-Encoding"
)

// isPseudo reports whether key (canonical) is one of the request headers
// that requestPseudo answers for.
func isPseudo(key string) bool {
	return key == hostKey || key == contentLengthKey || key == transferEncodingKey
}

// requestPseudo returns the value of a request header that net/http holds
// outside the map, and whether key names one of them.
func requestPseudo(r *http.Request, key []byte) (val string, present, pseudo bool) {
	switch string(key) {
	case hostKey:
		return r.Host, r.Host != "", true
	case contentLengthKey:
		// A zero length reads as absent, whatever the client sent: the
		// request then has no body, which body_size says exactly. An
		// unknown length (chunked, HTTP/2 without content-length) is
		// absent too; Transfer-Encoding or body_size tell it apart.
		if r.ContentLength <= 0 {
			return "", false, true
		}
		return strconv.FormatInt(r.ContentLength, 10), true, true
	case transferEncodingKey:
		// The client's framing, as net/http parsed it (it takes the
		// header out of the map). Once the host holds the body, the
		// request goes on with a Content-Length and this is gone.
		switch len(r.TransferEncoding) {
		case 0:
			return "", false, true
		case 1:
			return r.TransferEncoding[0], true, true
		}
		return strings.Join(r.TransferEncoding, ", "), true, true
	}
	return "", false, false
}

// appendRequestNames appends the names of the request's headers to names:
// those of the map, except the ones requestPseudo answers for, which are
// listed when it finds them present. A server keeps Content-Length in the
// map as well as in r.ContentLength; listing it from the field alone
// keeps every name once, and header_names in step with header_get.
func appendRequestNames(names []string, r *http.Request) []string {
	for name := range r.Header {
		if !isPseudo(name) {
			names = append(names, name)
		}
	}
	if r.Host != "" {
		names = append(names, hostKey)
	}
	if r.ContentLength > 0 {
		names = append(names, contentLengthKey)
	}
	if len(r.TransferEncoding) > 0 {
		names = append(names, transferEncodingKey)
	}
	return names
}
