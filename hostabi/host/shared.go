package host

import (
	"net/http"

	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
)

// What another dialect's host module (hostabi/httpwasm) shares with this
// one, so that both read and write an Exchange by the same rules: header
// names canonical and valid, values free of NUL, CR and LF, the request's
// framing and Host taken from the request's fields, guest pointers
// bounds-checked.

// CanonicalKey writes the canonical form of the header name into dst and
// reports whether name is a valid field name.
func CanonicalKey(dst, name []byte) ([]byte, bool) { return canonicalKey(dst, name) }

// ValidValue reports whether v may be a header value.
func ValidValue(v []byte) bool { return validValue(v) }

// RequestPseudo returns the value of a request header that net/http holds
// outside the header map (Host, Content-Length, Transfer-Encoding), and
// whether key (canonical) names one of them.
func RequestPseudo(r *http.Request, key []byte) (val string, present, pseudo bool) {
	return requestPseudo(r, key)
}

// IsFraming reports whether key (canonical) is a request header that
// describes the body's framing, which the host keeps true to the body.
func IsFraming(key []byte) bool {
	return string(key) == contentLengthKey || string(key) == transferEncodingKey
}

// AppendRequestNames appends the names of r's headers to names, the
// fields RequestPseudo answers for included when present, each once.
func AppendRequestNames(names []string, r *http.Request) []string {
	return appendRequestNames(names, r)
}

// Read returns the guest bytes at (ptr, n), trapping with ErrGuestPointer
// when they are outside mem.
func Read(mem api.Memory, ptr, n uint64) []byte { return read(mem, ptr, n) }

// SetFeatures records the Gojinn features a guest of another dialect
// asked for during its start-up, so that the filter, its snapshot and
// the chain learn them as they learn a Gojinn guest's features_set.
func (b *Binding) SetFeatures(f hostabi.Feature) { b.features = f }
