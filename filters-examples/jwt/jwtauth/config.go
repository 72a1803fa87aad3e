package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Config is the filter's JSON config. See the README for the reference.
type Config struct {
	// From names where the token is: {"header": "X-Token"},
	// {"cookie": "session"} or {"query": "access_token"}. Default: the
	// Authorization header with the Bearer scheme.
	From Source `json:"from"`
	// Algorithms allowed in the token's "alg". Default: every supported
	// one. "none" is refused here and by the host.
	Algorithms []string `json:"algorithms"`

	Issuer         string   `json:"issuer"`
	Audiences      []string `json:"audiences"`
	Leeway         Duration `json:"leeway"`
	RequireExp     *bool    `json:"require_exp"`
	RequiredClaims []string `json:"required_claims"`
	Rules          []Rule   `json:"rules"`

	ClaimsToHeaders map[string]string `json:"claims_to_headers"`
	Vars            []string          `json:"vars"`
	ForwardToken    *bool             `json:"forward_token"`
	SkipPaths       []string          `json:"skip_paths"`
	Realm           string            `json:"realm"`
	MaxTokenBytes   int               `json:"max_token_bytes"`
	CacheSize       *int              `json:"cache_size"`
	CacheTTL        Duration          `json:"cache_ttl"`

	// keyset is the key set spec, passed to the host untouched.
	keyset map[string]json.RawMessage
}

// Source is where the token is read from; at most one field is set.
type Source struct {
	Header string `json:"header"`
	Cookie string `json:"cookie"`
	Query  string `json:"query"`
}

// Rule is a condition on one claim. Failing it answers 403
// insufficient_scope, since the token is valid but not enough.
type Rule struct {
	Claim string `json:"claim"`
	// Equals: the claim is this JSON value (string, number or bool).
	Equals json.RawMessage `json:"equals"`
	// Contains: the claim is an array holding this string, or a string
	// of space-separated words (like OAuth "scope") holding it.
	Contains string `json:"contains"`
}

// Duration reads "30s" (Go syntax) or a number of seconds.
type Duration time.Duration

// UnmarshalJSON accepts a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return errors.New(`want a duration like "30s" or a number of seconds`)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// keysetFields are the config members that make up the host's key set
// spec (internal/keyset); the filter passes them on without reading them.
var keysetFields = []string{
	"jwks", "jwks_file", "jwks_url", "refresh", "min_refetch_interval", "fetch_timeout",
	"pem", "pem_files", "hmac_env", "hmac_alg",
}

// Defaults.
const (
	DefaultRealm         = "gojinn"
	DefaultMaxTokenBytes = 8 << 10
	DefaultCacheSize     = 1024
	DefaultCacheTTL      = 5 * time.Minute
	// maxClaims bounds the claims a config names (headers, vars, rules,
	// required), which keeps the per-token claim scan on the stack.
	maxClaims = 32
)

// ParseConfig reads and checks a config. Unknown members are an error,
// so that a misspelt "audience" does not silently turn a check off.
func ParseConfig(data []byte) (*Config, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("jwt config: %w", err)
	}
	c := &Config{keyset: map[string]json.RawMessage{}}
	for _, f := range keysetFields {
		if v, ok := all[f]; ok {
			c.keyset[f] = v
			delete(all, f)
		}
	}
	rest, err := json.Marshal(all)
	if err != nil {
		return nil, fmt.Errorf("jwt config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("jwt config: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("jwt config: %w", err)
	}
	return c, nil
}

// KeysetSpec is the key set spec for guest.OpenKeyset. Members are
// sorted, so equal configs give equal bytes and the host shares one set
// (and one JWKS poller) across the filter's instances.
func (c *Config) KeysetSpec() []byte {
	b, _ := json.Marshal(c.keyset) // RawMessage values already parsed as JSON
	return b
}

func (c *Config) check() error {
	if len(c.keyset) == 0 {
		return errors.New("no key source: set jwks, jwks_file, jwks_url, pem, pem_files or hmac_env")
	}
	n := 0
	for _, s := range []string{c.From.Header, c.From.Cookie, c.From.Query} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return errors.New("from: set one of header, cookie or query")
	}
	for _, a := range c.Algorithms {
		if strings.EqualFold(a, "none") {
			return errors.New(`algorithms: "none" is never allowed`)
		}
		if algBit(a) == 0 {
			return fmt.Errorf("algorithms: %q is not supported", a)
		}
	}
	if c.Leeway < 0 || time.Duration(c.Leeway) > time.Hour {
		return errors.New("leeway: must be between 0 and 1h")
	}
	if c.CacheTTL < 0 {
		return errors.New("cache_ttl: must not be negative")
	}
	if c.CacheSize != nil && *c.CacheSize < 0 {
		return errors.New("cache_size: must not be negative")
	}
	if c.MaxTokenBytes < 0 {
		return errors.New("max_token_bytes: must not be negative")
	}
	if !quotable(c.Realm) {
		return errors.New("realm: printable ASCII without quotes or backslashes only")
	}
	for claim, h := range c.ClaimsToHeaders {
		if claim == "" || !validHeaderName(h) {
			return fmt.Errorf("claims_to_headers: %q -> %q is not a claim and a header name", claim, h)
		}
	}
	if c.From.Header != "" && !validHeaderName(c.From.Header) {
		return fmt.Errorf("from.header: %q is not a header name", c.From.Header)
	}
	for i, r := range c.Rules {
		if r.Claim == "" {
			return fmt.Errorf("rules[%d]: claim is required", i)
		}
		if (len(r.Equals) == 0) == (r.Contains == "") {
			return fmt.Errorf("rules[%d]: set exactly one of equals or contains", i)
		}
		if len(r.Equals) > 0 {
			var v any
			if err := json.Unmarshal(r.Equals, &v); err != nil {
				return fmt.Errorf("rules[%d]: equals: %w", i, err)
			}
			switch v.(type) {
			case string, float64, bool:
			default:
				return fmt.Errorf("rules[%d]: equals must be a string, number or boolean", i)
			}
		}
	}
	for _, p := range c.SkipPaths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("skip_paths: %q must start with /", p)
		}
	}
	if slices.Contains(c.RequiredClaims, "") || slices.Contains(c.Vars, "") {
		return errors.New("required_claims and vars: empty claim name")
	}
	return nil
}

// validHeaderName accepts an HTTP field name (RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// canonicalHeader puts a valid header name in the canonical form the host
// reports names in ("x-user" becomes "X-User"). It is net/textproto's
// rule, written out because importing that package would pull the
// network stack into the wasm binary.
func canonicalHeader(s string) string {
	b := []byte(s)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
	return string(b)
}

// quotable reports whether s can sit in an RFC 6750 quoted attribute
// value as is: printable ASCII without '"' or '\'.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }
