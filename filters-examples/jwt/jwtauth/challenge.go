package jwtauth

import "unsafe"

// Descriptions sent as error_description (RFC 6750 section 3): fixed
// texts, so nothing from the token is reflected back, and all within the
// characters that attribute allows.
const (
	descTooLarge     = "token too large"
	descMalformed    = "malformed token"
	descUnsupported  = "unsupported token type or header"
	descAlgorithm    = "algorithm not allowed"
	descUnknownKey   = "unknown signing key"
	descSignature    = "invalid signature"
	descUnavailable  = "signing keys unavailable"
	descExpired      = "token expired"
	descNoExp        = "token has no expiry"
	descNotYet       = "token not yet valid"
	descIssuedFuture = "token issued in the future"
	descIssuer       = "issuer not accepted"
	descAudience     = "audience not accepted"
	descMissingClaim = "required claim missing"
	descHeaderUnsafe = "claim not usable as a header"
	descScope        = "insufficient scope"
	descRepeated     = "more than one token"
)

// buildDenials renders every denial once, at New.
func (a *Authenticator) buildDenials(realm string) {
	base := `Bearer realm="` + realm + `"`
	// RFC 6750 section 3.1: a request without a token gets no error
	// code, just the challenge.
	a.denyMissing = Decision{Outcome: Deny, Status: 401, Challenge: base, Reason: "no token"}
	a.denies = map[string]Decision{}
	for _, d := range []string{
		descTooLarge, descMalformed, descUnsupported, descAlgorithm, descUnknownKey, descSignature,
		descExpired, descNoExp, descNotYet, descIssuedFuture, descIssuer, descAudience,
		descMissingClaim, descHeaderUnsafe,
	} {
		a.denies[d] = Decision{Outcome: Deny, Status: 401, Reason: d,
			Challenge: base + `, error="invalid_token", error_description="` + d + `"`}
	}
	a.denies[descRepeated] = Decision{Outcome: Deny, Status: 400, Reason: descRepeated,
		Challenge: base + `, error="invalid_request", error_description="` + descRepeated + `"`}
	a.denies[descScope] = Decision{Outcome: Deny, Status: 403, Reason: descScope,
		Challenge: base + `, error="insufficient_scope", error_description="` + descScope + `"`}
	// The token may be fine; the host cannot check it yet. 503 tells
	// the client to retry rather than to get a new token.
	a.denies[descUnavailable] = Decision{Outcome: Deny, Status: 503, Reason: descUnavailable}
}

// unsafeBytes views s as bytes for a call that only reads them.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
