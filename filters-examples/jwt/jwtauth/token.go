package jwtauth

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unsafe"
)

// algBit maps a JWS algorithm this filter accepts to its bit in the
// allow mask; 0 for "none" and every unsupported name.
func algBit(alg string) uint16 {
	switch alg {
	case "HS256":
		return 1 << 0
	case "HS384":
		return 1 << 1
	case "HS512":
		return 1 << 2
	case "RS256":
		return 1 << 3
	case "RS384":
		return 1 << 4
	case "RS512":
		return 1 << 5
	case "PS256":
		return 1 << 6
	case "PS384":
		return 1 << 7
	case "PS512":
		return 1 << 8
	case "ES256":
		return 1 << 9
	case "ES384":
		return 1 << 10
	case "ES512":
		return 1 << 11
	case "EdDSA":
		return 1 << 12
	}
	return 0
}

const allAlgs = 1<<13 - 1

// b64 is base64url without padding (RFC 7515 section 2), strict so that
// one token has exactly one encoding: decodePart's reference, and its
// sizes.
var b64 = base64.RawURLEncoding.Strict()

// bearerToken extracts the token from an Authorization value. The scheme
// is case-insensitive (RFC 9110 section 11.1); anything else is no token.
func bearerToken(v string) string {
	// Written out rather than strings.EqualFold and a loop: this runs on
	// every request, and in wasm each loop iteration is a dispatch and
	// an interrupt check. OR-ing 0x20 maps exactly the upper and lower
	// case of a letter to the lower case.
	if len(v) <= len("bearer ") || v[0]|0x20 != 'b' || v[1]|0x20 != 'e' || v[2]|0x20 != 'a' ||
		v[3]|0x20 != 'r' || v[4]|0x20 != 'e' || v[5]|0x20 != 'r' || v[6] != ' ' {
		return ""
	}
	i := len("bearer ")
	for i < len(v) && v[i] == ' ' {
		i++
	}
	return v[i:]
}

// cookieValue finds the named cookie in the Cookie header's values
// (NUL-separated, see Request: HTTP/2 clients may split cookies over
// several fields).
func cookieValue(header, name string) string {
	for header != "" {
		var part string
		part, header = nextCookie(header)
		if k, v, ok := strings.Cut(part, "="); ok && k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// nextCookie splits the first "name=value" off Cookie header values,
// which ';' separates within a field and NUL between fields.
func nextCookie(header string) (part, rest string) {
	part = header
	if i := strings.IndexAny(header, ";\x00"); i >= 0 {
		part, rest = header[:i], header[i+1:]
	}
	return strings.TrimSpace(part), rest
}

// WithoutCookie returns the Cookie header's values (NUL-separated, as
// Request.Header gives them) as one Cookie value without the named
// cookie, and whether it was there. Several fields are joined with "; ",
// as RFC 9113 section 8.2.3 joins split cookies.
func WithoutCookie(header, name string) (string, bool) {
	var b strings.Builder
	found := false
	for header != "" {
		var part string
		part, header = nextCookie(header)
		if k, _, ok := strings.Cut(part, "="); ok && k == name {
			found = true
			continue
		}
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(part)
	}
	return b.String(), found
}

// WithoutQueryParam returns the request target uri without the named
// query parameter, matched as the token was found, and whether it was
// there. The other parameters keep their order and encoding.
func WithoutQueryParam(uri, name string) (string, bool) {
	path, query, ok := strings.Cut(uri, "?")
	if !ok {
		return uri, false
	}
	var b strings.Builder
	b.WriteString(path)
	found, sep := false, byte('?')
	for query != "" {
		var part string
		part, query, _ = strings.Cut(query, "&")
		k, _, _ := strings.Cut(part, "=")
		if k == name {
			found = true
			continue
		}
		if uk, err := url.QueryUnescape(k); err == nil && uk == name {
			found = true
			continue
		}
		b.WriteByte(sep)
		b.WriteString(part)
		sep = '&'
	}
	if !found {
		return uri, false
	}
	return b.String(), true
}

// queryValue finds the named parameter in a raw query.
func queryValue(rawQuery, name string) string {
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(part, "=")
		if k != name {
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
		return ""
	}
	return ""
}

// decodePart decodes one part, unpadded base64url (RFC 7515 section 2),
// into dst, which holds at least b64.DecodedLen(len(src)) bytes. It is
// b64.Decode (strict: the unused bits of the last character must be 0)
// written for this one alphabet: in wasm, a lookup and a shift per
// character are much of the cost of a new token. Unlike encoding/base64
// it skips no CR or LF, so "a\nb" never passes for "ab".
func decodePart(dst []byte, src string) (int, bool) {
	n, i := 0, 0
	for ; i+8 <= len(src); i += 8 {
		// Eight characters, loaded as one word, make six bytes.
		x := le64(src, i)
		c0, c1, c2, c3 := b64Index[byte(x)], b64Index[byte(x>>8)], b64Index[byte(x>>16)], b64Index[byte(x>>24)]
		c4, c5, c6, c7 := b64Index[byte(x>>32)], b64Index[byte(x>>40)], b64Index[byte(x>>48)], b64Index[byte(x>>56)]
		if c0|c1|c2|c3|c4|c5|c6|c7 >= 64 {
			return 0, false
		}
		v := uint64(c0)<<42 | uint64(c1)<<36 | uint64(c2)<<30 | uint64(c3)<<24 |
			uint64(c4)<<18 | uint64(c5)<<12 | uint64(c6)<<6 | uint64(c7)
		_ = dst[n+5]
		dst[n], dst[n+1], dst[n+2], dst[n+3], dst[n+4], dst[n+5] = byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		n += 6
	}
	for ; i+4 <= len(src); i += 4 {
		a, b, c, d := b64Index[src[i]], b64Index[src[i+1]], b64Index[src[i+2]], b64Index[src[i+3]]
		if a|b|c|d >= 64 {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		_ = dst[n+2]
		dst[n], dst[n+1], dst[n+2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
	}
	switch len(src) - i {
	case 0:
	case 2:
		a, b := b64Index[src[i]], b64Index[src[i+1]]
		if a|b >= 64 || b&0x0f != 0 {
			return 0, false
		}
		dst[n] = a<<2 | b>>4
		n++
	case 3:
		a, b, c := b64Index[src[i]], b64Index[src[i+1]], b64Index[src[i+2]]
		if a|b|c >= 64 || c&0x03 != 0 {
			return 0, false
		}
		v := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		dst[n], dst[n+1] = byte(v>>10), byte(v>>2)
		n += 2
	default: // one character left: not an encoding of anything
		return 0, false
	}
	return n, true
}

// b64Index maps a base64url character to its value, anything else to
// 0xff.
var b64Index = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// jws is a split compact JWS.
type jws struct {
	signingInput string // header "." payload, as sent: what was signed
	header       string // decoded; empty when the header was known
	payload      string // decoded
	sig          []byte // decoded
	alg, kid     string
	// fresh is the header's reading when it was not the known one, for
	// the caller to keep.
	fresh *joseHeader
}

// joseHeader is a protected header already read. An issuer sends the
// same header (alg, kid, typ) with every token, so the last one read is
// kept, and a token whose encoded header is the same one skips decoding
// and reading it: what they say is a function of the encoded text alone.
type joseHeader struct{ enc, alg, kid string }

// parseJWS splits and decodes a compact JWS into t and reads its header,
// unless it is known's. It returns a description for the client on
// failure.
//
// The parts are decoded into one buffer that nothing else holds or
// writes, so header and payload are string views of it: the claims read
// from them (and kept in the cache) share it instead of being copied.
func parseJWS(token string, t *jws, known *joseHeader) string {
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return descMalformed
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return descMalformed
	}
	d2 += d1 + 1
	h, p, s := token[:d1], token[d1+1:d2], token[d2+1:]
	isKnown := known != nil && sameToken(h, known.enc)
	if isKnown {
		h = ""
	}
	buf := make([]byte, b64.DecodedLen(len(h))+b64.DecodedLen(len(p))+b64.DecodedLen(len(s)))
	hn, ok1 := decodePart(buf, h)
	pn, ok2 := decodePart(buf[hn:], p)
	sn, ok3 := decodePart(buf[hn+pn:], s)
	if !ok1 || !ok2 || !ok3 {
		// A '.' is not base64url, so more parts (a JWE: this filter
		// verifies signatures only) fail to decode: looked for only then.
		if strings.IndexByte(s, '.') >= 0 {
			return descUnsupported
		}
		return descMalformed
	}
	t.signingInput = token[:d2]
	t.payload = unsafe.String(unsafe.SliceData(buf[hn:]), pn)
	t.sig = buf[hn+pn : hn+pn+sn]
	if isKnown {
		t.alg, t.kid = known.alg, known.kid
		return ""
	}
	t.header = unsafe.String(unsafe.SliceData(buf), hn)
	if desc := t.readHeader(); desc != "" {
		return desc
	}
	// Copies: the token may sit in a buffer its reader reuses, and the
	// header's decoded bytes need not outlive this token.
	t.fresh = &joseHeader{enc: strings.Clone(token[:d1]), alg: strings.Clone(t.alg), kid: strings.Clone(t.kid)}
	return ""
}

// readHeader reads alg and kid from the protected header, refusing what
// this filter does not understand.
func (t *jws) readHeader() string {
	desc := descMalformed // until alg is seen
	var algSeen, kidSeen bool
	ok := forEachMember(t.header, func(key, raw string) bool {
		switch key {
		case "alg", "kid":
			seen := &algSeen
			if key == "kid" {
				seen = &kidSeen
			}
			if *seen || !isString(raw) {
				return false
			}
			*seen = true
			if key == "alg" {
				t.alg, desc = jsonString(raw), ""
			} else {
				t.kid = jsonString(raw)
			}
		case "crit", "b64":
			// RFC 7515 section 4.1.11: extensions we do not implement
			// must be refused, not ignored. b64 (RFC 7797) changes
			// what was signed.
			desc = descUnsupported
			return false
		}
		// jku, jwk, x5u, x5c are ignored on purpose: keys come from the
		// operator's key set, never from the token.
		return true
	})
	if !ok && desc != descUnsupported {
		return descMalformed
	}
	return desc
}
