// Package jwtauth is the JWT authentication logic of Gojinn's jwt filter,
// in plain Go: token extraction, JWS parsing, claim checks, the cache of
// verified tokens and the decision. Signatures are checked by a Verifier,
// which in the filter is the host's key set (guest.Keyset) and in tests
// and benchmarks is internal/keyset directly.
package jwtauth

import (
	"cmp"
	"errors"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Verifier checks a JWS signature: sig (decoded) over msg (the signing
// input) with the key named kid, or any key fitting alg.
type Verifier interface {
	Verify(alg, kid string, msg, sig []byte) error
}

// Errors a Verifier returns to tell failures apart; any other non-nil
// error means the signature did not verify.
var (
	ErrUnknownKey      = errors.New("jwtauth: no key with this kid")
	ErrKeyRejected     = errors.New("jwtauth: the key set refused the algorithm or signature format")
	ErrKeysUnavailable = errors.New("jwtauth: the key set has not loaded")
)

// Request is what the authenticator reads from a request.
type Request interface {
	// Header returns the named header's values joined by NUL bytes (as
	// Gojinn's host lists them), "" if absent. Taking the list whole
	// spares a search of every token for a separator that is almost never
	// there; a token header with two values fails to parse and is refused.
	// The result needs to stay valid only until the next call to Header:
	// the Authenticator copies what it keeps, so an implementation may
	// return a view of a buffer it reuses.
	Header(name string) string
	// URI is the request target as received: path and raw query.
	URI() string
}

// Outcome is what to do with a request.
type Outcome uint8

const (
	// Allow: the token is valid; apply Remove, Set and Vars, continue.
	Allow Outcome = iota
	// Skip: the path is exempt; apply Remove and continue.
	Skip
	// Deny: answer Status with the WWW-Authenticate value Challenge.
	Deny
)

// Header is a request header to set.
type Header struct{ Name, Value string }

// Var is a chain variable to set; Name is already prefixed with "jwt.".
type Var struct{ Name, Value string }

// Decision is the authenticator's answer. Its slices are shared with the
// cache and must not be modified.
type Decision struct {
	Outcome   Outcome
	Status    int    // for Deny: 401, 403 or 503
	Challenge string // for Deny: the WWW-Authenticate value ("" for 503)
	Reason    string // for Deny: why, for logs; also the error_description
	Remove    []string
	Set       []Header
	Vars      []Var
	// StripCookie and StripQuery name the cookie or query parameter that
	// carried the token when forward_token is false: the caller removes
	// it (see WithoutCookie and WithoutQueryParam), since what else the
	// Cookie header and the URI hold differs from request to request.
	StripCookie string
	StripQuery  string
}

// Authenticator applies one config. It is safe for concurrent use.
type Authenticator struct {
	v   Verifier
	now func() time.Time
	// lastHeader is the protected header read last (see parseJWS).
	lastHeader atomic.Pointer[joseHeader]

	algs         uint16
	from         Source
	tokenHeader  string // header holding the token ("" for cookie/query)
	maxToken     int
	leeway       float64 // seconds
	leewayNs     int64
	requireExp   bool
	issuer       string
	audiences    []string
	required     []int // slots of required_claims
	rules        []compiledRule
	claimNames   []string // slot -> claim name
	headers      []headerOut
	vars         []varOut
	skip         []string
	spoofable    []string // claims_to_headers targets, cleared on skip
	forwardToken bool
	cacheTTL     int64
	cache        *cache

	// Fixed answers, built once so that a denial allocates nothing.
	denyMissing Decision
	denies      map[string]Decision
}

type headerOut struct {
	slot int
	name string
}

type varOut struct {
	slot int
	name string // "jwt.<claim>"
}

// New builds an Authenticator for cfg, verifying signatures with v. now
// is the clock; nil means time.Now.
func New(cfg *Config, v Verifier, now func() time.Time) (*Authenticator, error) {
	if v == nil {
		return nil, errors.New("jwtauth: nil verifier")
	}
	if now == nil {
		now = time.Now
	}
	a := &Authenticator{
		v:            v,
		now:          now,
		from:         cfg.From,
		maxToken:     cmp.Or(cfg.MaxTokenBytes, DefaultMaxTokenBytes),
		leeway:       time.Duration(cfg.Leeway).Seconds(),
		leewayNs:     int64(cfg.Leeway),
		requireExp:   cfg.RequireExp == nil || *cfg.RequireExp,
		issuer:       cfg.Issuer,
		audiences:    cfg.Audiences,
		skip:         cfg.SkipPaths,
		forwardToken: cfg.ForwardToken == nil || *cfg.ForwardToken,
		cacheTTL:     int64(cmp.Or(time.Duration(cfg.CacheTTL), DefaultCacheTTL)),
		claimNames:   []string{"exp", "nbf", "iat", "iss", "aud"},
	}
	for _, alg := range cfg.Algorithms {
		a.algs |= algBit(alg)
	}
	if a.algs == 0 {
		a.algs = allAlgs
	}
	switch {
	case cfg.From.Header != "":
		a.tokenHeader = canonicalHeader(cfg.From.Header)
	case cfg.From.Cookie == "" && cfg.From.Query == "":
		a.tokenHeader = "Authorization"
	}
	size := DefaultCacheSize
	if cfg.CacheSize != nil {
		size = *cfg.CacheSize
	}
	a.cache = newCache(size)

	for _, c := range cfg.RequiredClaims {
		a.required = append(a.required, a.slot(c))
	}
	for _, r := range cfg.Rules {
		a.rules = append(a.rules, compileRule(a.slot(r.Claim), r))
	}
	// Sorted, so that headers are applied in a stable order.
	for _, claim := range slices.Sorted(maps.Keys(cfg.ClaimsToHeaders)) {
		h := canonicalHeader(cfg.ClaimsToHeaders[claim])
		a.headers = append(a.headers, headerOut{slot: a.slot(claim), name: h})
		a.spoofable = append(a.spoofable, h)
	}
	vars := cfg.Vars
	if vars == nil {
		vars = []string{"sub", "iss"}
		for _, claim := range slices.Sorted(maps.Keys(cfg.ClaimsToHeaders)) {
			if !slices.Contains(vars, claim) {
				vars = append(vars, claim)
			}
		}
	}
	for _, claim := range vars {
		a.vars = append(a.vars, varOut{slot: a.slot(claim), name: "jwt." + claim})
	}
	if len(a.claimNames) > maxClaims+fixedSlots {
		return nil, errors.New("jwtauth: the config names more than 32 distinct claims")
	}
	a.buildDenials(cmp.Or(cfg.Realm, DefaultRealm))
	return a, nil
}

// slot returns the claim slot for name, adding it if new.
func (a *Authenticator) slot(name string) int {
	if i := slices.Index(a.claimNames, name); i >= 0 {
		return i
	}
	a.claimNames = append(a.claimNames, name)
	return len(a.claimNames) - 1
}

// Authenticate decides what to do with r.
func (a *Authenticator) Authenticate(r Request) Decision {
	token, skip := a.extract(r)
	if skip {
		return Decision{Outcome: Skip, Remove: a.spoofable}
	}
	if token == "" {
		return a.denyMissing
	}
	if len(token) > a.maxToken {
		return a.denies[descTooLarge]
	}
	now := a.now()
	nowNs := now.UnixNano()
	if v := a.cache.get(token, nowNs); v != nil {
		if desc := a.checkTimes(float64(nowNs)/1e9, v.nbf, v.hasNbf, v.iat, v.hasIat); desc != "" {
			return a.denies[desc]
		}
		return v.out
	}
	return a.verifyNew(token, nowNs)
}

// extract finds the token, or reports a skipped path. It reads the URI
// only when the config needs it: in the filter each read is a host call.
func (a *Authenticator) extract(r Request) (token string, skip bool) {
	if len(a.skip) > 0 || a.from.Query != "" {
		p, query, _ := strings.Cut(r.URI(), "?")
		if a.skipped(p) {
			return "", true
		}
		if a.from.Query != "" {
			return queryValue(query, a.from.Query), false
		}
	}
	switch {
	case a.from.Cookie != "":
		return cookieValue(r.Header("Cookie"), a.from.Cookie), false
	case a.from.Header != "":
		// A custom header may carry the token bare or as "Bearer <token>".
		v := strings.TrimSpace(r.Header(a.tokenHeader))
		if t := bearerToken(v); t != "" {
			return t, false
		}
		return v, false
	}
	return bearerToken(r.Header("Authorization")), false
}

// skipped reports whether the request path is under a skip_paths
// prefix. The path is decoded and cleaned first, so "/public/../admin"
// or "/public/%2e%2e/admin" is not mistaken for a public one.
func (a *Authenticator) skipped(p string) bool {
	if len(a.skip) == 0 {
		return false
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return false
	}
	clean := path.Clean("/" + dec)
	if strings.HasSuffix(dec, "/") && clean != "/" {
		clean += "/"
	}
	for _, s := range a.skip {
		if strings.HasPrefix(clean, s) {
			return true
		}
	}
	return false
}

// verifyNew fully checks a token not in the cache, and caches it when
// it passes.
func (a *Authenticator) verifyNew(token string, nowNs int64) Decision {
	var t jws
	if desc := parseJWS(token, &t, a.lastHeader.Load()); desc != "" {
		// Two header fields reach here joined by a NUL, which no token
		// can hold, so only a token that fails to parse is searched for
		// one. Two tokens are refused rather than one chosen, since the
		// upstream might choose the other (RFC 6750 section 3.1).
		if strings.IndexByte(token, 0) >= 0 {
			return a.denies[descRepeated]
		}
		return a.denies[desc]
	}
	if t.fresh != nil {
		a.lastHeader.Store(t.fresh)
	}
	if algBit(t.alg)&a.algs == 0 {
		return a.denies[descAlgorithm]
	}
	// Signature first: nothing a token claims is worth reading, or
	// reporting on, before it is known to come from the issuer.
	switch err := a.v.Verify(t.alg, t.kid, unsafeBytes(t.signingInput), t.sig); {
	case err == nil:
	case errors.Is(err, ErrUnknownKey):
		return a.denies[descUnknownKey]
	case errors.Is(err, ErrKeyRejected):
		return a.denies[descAlgorithm]
	case errors.Is(err, ErrKeysUnavailable):
		return a.denies[descUnavailable]
	default:
		return a.denies[descSignature]
	}

	var claims claimSet
	if !readClaims(t.payload, a.claimNames, &claims) {
		return a.denies[descMalformed]
	}
	now := float64(nowNs) / 1e9
	v := &verified{until: nowNs + a.cacheTTL}
	exp, hasExp := numericDate(claims[slotExp])
	switch {
	case hasExp:
		if now >= exp+a.leeway {
			return a.denies[descExpired]
		}
		// Compared as floats first: a far-future exp does not fit in
		// int64 nanoseconds, and converting it would be undefined.
		if end := exp*1e9 + float64(a.leewayNs); end < float64(v.until) {
			v.until = int64(end)
		}
	case claims[slotExp] != "":
		return a.denies[descMalformed]
	case a.requireExp:
		return a.denies[descNoExp]
	}
	if v.nbf, v.hasNbf = numericDate(claims[slotNbf]); !v.hasNbf && claims[slotNbf] != "" {
		return a.denies[descMalformed]
	}
	if v.iat, v.hasIat = numericDate(claims[slotIat]); !v.hasIat && claims[slotIat] != "" {
		return a.denies[descMalformed]
	}
	if desc := a.checkTimes(now, v.nbf, v.hasNbf, v.iat, v.hasIat); desc != "" {
		return a.denies[desc]
	}
	if a.issuer != "" {
		if iss := claims[slotIss]; !isString(iss) || jsonString(iss) != a.issuer {
			return a.denies[descIssuer]
		}
	}
	if len(a.audiences) > 0 && !audienceMatch(claims[slotAud], a.audiences) {
		return a.denies[descAudience]
	}
	for _, s := range a.required {
		if !present(claims[s]) {
			return a.denies[descMissingClaim]
		}
	}
	for i := range a.rules {
		if !a.rules[i].holds(claims[a.rules[i].slot]) {
			return a.denies[descScope]
		}
	}
	out, ok := a.outputs(&claims, v)
	if !ok {
		return a.denies[descHeaderUnsafe]
	}
	v.out = out
	if a.cache != nil {
		// A copy: the caller's token may live in a buffer it reuses.
		v.token = strings.Clone(token)
		a.cache.put(v)
	}
	return v.out
}

// checkTimes checks nbf and iat against now (seconds), with leeway. exp
// is checked by the caller, or bounds the cache entry.
func (a *Authenticator) checkTimes(now, nbf float64, hasNbf bool, iat float64, hasIat bool) string {
	if hasNbf && now+a.leeway < nbf {
		return descNotYet
	}
	if hasIat && now+a.leeway < iat {
		return descIssuedFuture
	}
	return ""
}

// outputs builds the headers and variables of an accepted token. Values
// are views of the decoded payload where they can be, which the cache
// entry then keeps alive; it is no bigger than the token the entry holds.
func (a *Authenticator) outputs(c *claimSet, v *verified) (Decision, bool) {
	d := Decision{Outcome: Allow}
	if !a.forwardToken {
		switch {
		case a.tokenHeader != "":
			d.Remove = append(d.Remove, a.tokenHeader)
		case a.from.Cookie != "":
			d.StripCookie = a.from.Cookie
		case a.from.Query != "":
			d.StripQuery = a.from.Query
		}
	}
	switch n := len(a.headers); {
	case n > len(v.sets):
		d.Set = make([]Header, 0, n)
	case n > 0:
		d.Set = v.sets[:0:n]
	}
	switch n := len(a.vars); {
	case n > len(v.vars):
		d.Vars = make([]Var, 0, n)
	case n > 0:
		d.Vars = v.vars[:0:n]
	}
	for _, h := range a.headers {
		v := c[h.slot]
		if !present(v) {
			// The client must not get to supply it instead.
			d.Remove = append(d.Remove, h.name)
			continue
		}
		s := claimText(v)
		if !headerSafe(s) {
			return d, false
		}
		d.Set = append(d.Set, Header{h.name, s})
	}
	for _, o := range a.vars {
		if v := c[o.slot]; present(v) {
			d.Vars = append(d.Vars, Var{o.name, claimText(v)})
		}
	}
	return d, true
}

// CacheLen reports how many verified tokens are cached.
func (a *Authenticator) CacheLen() int { return a.cache.len() }
