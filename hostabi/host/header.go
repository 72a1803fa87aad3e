package host

import (
	"net/http"
	"strconv"

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

// Request fields that net/http keeps outside r.Header. The ABI shows them
// as headers, because that is what they are on the wire.
const (
	hostKey          = "Host"
	contentLengthKey = "Content-Length"
)

// requestPseudo returns the value of a request header that net/http holds
// outside the map, and whether key names one of them.
func requestPseudo(r *http.Request, key []byte) (val string, present, pseudo bool) {
	switch string(key) {
	case hostKey:
		return r.Host, r.Host != "", true
	case contentLengthKey:
		// net/http cannot tell "Content-Length: 0" from no header, so a
		// zero or unknown (chunked) length reads as absent.
		if r.ContentLength <= 0 {
			return "", false, true
		}
		return strconv.FormatInt(r.ContentLength, 10), true, true
	}
	return "", false, false
}
