package jwtauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The benchmarks compare one request's authentication here, with the
// signature checked natively by internal/keyset, against the same checks
// done with github.com/golang-jwt/jwt/v5: what a native Go middleware
// would cost. In the filter the jwtauth part runs in wasm and the
// signature check is a host call; those overheads are measured by the
// engine's benchmarks, not here.

const benchConfig = `{"issuer":"https://idp.example","audiences":["api"],"leeway":"30s",
	"claims_to_headers":{"sub":"X-User"},"rules":[{"claim":"scope","contains":"read"}]%s}`

func benchClaims() jwt.MapClaims {
	return claims("scope", "openid read", "email", "alice@example.com", "name", "Alice Example")
}

func BenchmarkNewToken(b *testing.B) {
	k := keys(b)
	for _, c := range []struct {
		method jwt.SigningMethod
		key    any
		kid    string
		pub    any
	}{
		{jwt.SigningMethodRS256, k.rsa, "rsa1", &k.rsa.PublicKey},
		{jwt.SigningMethodES256, k.ec, "ec1", &k.ec.PublicKey},
	} {
		tok := mint(b, c.method, c.key, c.kid, benchClaims())
		r := bearer(tok)
		b.Run(c.method.Alg()+"/gojinn", func(b *testing.B) {
			now := t0
			// No cache: every iteration is a token seen for the first time.
			a, _ := newAuth(b, strings.Replace(benchConfig, "%s", `,"cache_size":0`, 1), &now)
			b.ReportAllocs()
			for b.Loop() {
				if d := a.Authenticate(&r); d.Outcome != Allow {
					b.Fatal(d.Reason)
				}
			}
		})
		b.Run(c.method.Alg()+"/golang-jwt", func(b *testing.B) {
			keysByKid := map[string]any{c.kid: c.pub}
			p := jwt.NewParser(
				jwt.WithValidMethods([]string{c.method.Alg()}),
				jwt.WithIssuer("https://idp.example"),
				jwt.WithAudience("api"),
				jwt.WithLeeway(30*time.Second),
				jwt.WithExpirationRequired(),
				jwt.WithIssuedAt(),
				jwt.WithTimeFunc(func() time.Time { return t0 }),
			)
			keyfunc := func(t *jwt.Token) (any, error) {
				kid, _ := t.Header["kid"].(string)
				if k, ok := keysByKid[kid]; ok {
					return k, nil
				}
				return nil, errors.New("unknown kid")
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := nativeCheck(p, keyfunc, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// nativeCheck is the golang-jwt equivalent of the config above: bearer
// extraction, verification, iss/aud/exp/iat checks, the scope rule and
// the claims the filter hands on.
func nativeCheck(p *jwt.Parser, keyfunc jwt.Keyfunc, r req) error {
	tok := bearerToken(r.Header("Authorization"))
	var c jwt.MapClaims
	if _, err := p.ParseWithClaims(tok, &c, keyfunc); err != nil {
		return err
	}
	scope, _ := c["scope"].(string)
	if !strings.Contains(" "+scope+" ", " read ") {
		return errors.New("insufficient scope")
	}
	sub, _ := c["sub"].(string)
	iss, _ := c["iss"].(string)
	if sub == "" || iss == "" {
		return errors.New("missing claims")
	}
	return nil
}

// BenchmarkCachedToken is a request with a token seen before: no
// signature check, only the cache lookup and the time checks.
func BenchmarkCachedToken(b *testing.B) {
	k := keys(b)
	now := t0
	a, v := newAuth(b, strings.Replace(benchConfig, "%s", "", 1), &now)
	r := bearer(mint(b, jwt.SigningMethodRS256, k.rsa, "rsa1", benchClaims()))
	a.Authenticate(&r)
	b.ReportAllocs()
	for b.Loop() {
		if d := a.Authenticate(&r); d.Outcome != Allow {
			b.Fatal(d.Reason)
		}
	}
	if v.count() != 1 {
		b.Fatalf("%d signature checks, want 1", v.count())
	}
}

// BenchmarkParseClaims isolates the token work around the signature:
// parsing, claim checks and outputs, with a verifier that accepts.
func BenchmarkParseClaims(b *testing.B) {
	k := keys(b)
	now := t0
	cfg, err := ParseConfig([]byte(strings.Replace(benchConfig, "%s", `,"cache_size":0,"jwks_url":"https://idp.example/jwks"`, 1)))
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(cfg, accept{}, func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	r := bearer(mint(b, jwt.SigningMethodRS256, k.rsa, "rsa1", benchClaims()))
	b.ReportAllocs()
	for b.Loop() {
		if d := a.Authenticate(&r); d.Outcome != Allow {
			b.Fatal(d.Reason)
		}
	}
}

type accept struct{}

func (accept) Verify(string, string, []byte, []byte) error { return nil }
