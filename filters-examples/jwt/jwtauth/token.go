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
// one token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// bearerToken extracts the token from an Authorization value. The scheme
// is case-insensitive (RFC 9110 section 11.1); anything else is no token.
func bearerToken(v string) string {
	const scheme = "bearer "
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return ""
	}
	return strings.TrimLeft(v[len(scheme):], " ")
}

// cookieValue finds the named cookie in a Cookie header value.
func cookieValue(header, name string) string {
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ";")
		part = strings.TrimSpace(part)
		if k, v, ok := strings.Cut(part, "="); ok && k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
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

// decodePart decodes one base64url part into dst. Decoders skip CR and
// LF, so "a\nb" would pass for "ab"; requiring the input to be exactly
// as long as the canonical encoding of the output refuses that, without
// a second pass over the token.
func decodePart(dst []byte, src string) (int, bool) {
	n, err := b64.Decode(dst, unsafeBytes(src))
	return n, err == nil && b64.EncodedLen(n) == len(src)
}

// jws is a split compact JWS.
type jws struct {
	signingInput string // header "." payload, as sent: what was signed
	header       string // decoded
	payload      string // decoded
	sig          []byte // decoded
	alg, kid     string
}

// parseJWS splits and decodes a compact JWS into t and reads its header.
// It returns a description for the client on failure.
//
// The three parts are decoded into one buffer that nothing else holds or
// writes, so header and payload are string views of it: the claims read
// from them (and kept in the cache) share it instead of being copied.
func parseJWS(token string, t *jws) string {
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return descMalformed
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return descMalformed
	}
	d2 += d1 + 1
	if strings.IndexByte(token[d2+1:], '.') >= 0 {
		// More parts: a JWE. This filter verifies signatures only.
		return descUnsupported
	}
	h, p, s := token[:d1], token[d1+1:d2], token[d2+1:]
	buf := make([]byte, b64.DecodedLen(len(h))+b64.DecodedLen(len(p))+b64.DecodedLen(len(s)))
	hn, ok1 := decodePart(buf, h)
	pn, ok2 := decodePart(buf[hn:], p)
	sn, ok3 := decodePart(buf[hn+pn:], s)
	if !ok1 || !ok2 || !ok3 {
		return descMalformed
	}
	t.signingInput = token[:d2]
	t.header = unsafe.String(unsafe.SliceData(buf), hn)
	t.payload = unsafe.String(unsafe.SliceData(buf[hn:]), pn)
	t.sig = buf[hn+pn : hn+pn+sn]
	return t.readHeader()
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
