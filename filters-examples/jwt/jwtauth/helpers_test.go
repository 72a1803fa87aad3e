package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gojinn/gojinn/internal/keyset"
)

// t0 is the tests' "now".
var t0 = time.Unix(1_750_000_000, 0)

type fixture struct {
	rsa    *rsa.PrivateKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	secret []byte
	jwks   []byte // public JWKs of the above, kids rsa1, ec1, ed1, hs1
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func keys(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{secret: []byte("a-very-secret-hmac-key-of-32-bytes-or-more!")}
		var err error
		if f.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if f.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, f.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		enc := base64.RawURLEncoding.EncodeToString
		ecPub, _ := f.ec.PublicKey.Bytes()
		set := map[string]any{"keys": []map[string]any{
			{"kty": "RSA", "kid": "rsa1", "n": enc(f.rsa.N.Bytes()), "e": "AQAB"},
			{"kty": "EC", "kid": "ec1", "crv": "P-256", "x": enc(ecPub[1:33]), "y": enc(ecPub[33:])},
			{"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": enc(f.ed.Public().(ed25519.PublicKey))},
			{"kty": "oct", "kid": "hs1", "k": enc(f.secret), "alg": "HS256"},
		}}
		f.jwks, _ = json.Marshal(set)
		fix = f
	})
	return fix
}

// keysetVerifier adapts internal/keyset to Verifier the way the host and
// the guest SDK do: keyset errors become ABI codes become these errors.
type keysetVerifier struct{ s *keyset.Set }

func (k keysetVerifier) Verify(alg, kid string, msg, sig []byte) error {
	switch err := k.s.Verify(alg, kid, msg, sig); err {
	case nil:
		return nil
	case keyset.ErrUnknownKey:
		return ErrUnknownKey
	case keyset.ErrAlgorithm, keyset.ErrMalformed:
		return ErrKeyRejected
	case keyset.ErrUnavailable:
		return ErrKeysUnavailable
	default:
		return err
	}
}

// countingVerifier counts the signature checks that reach the key set.
type countingVerifier struct {
	Verifier
	mu sync.Mutex
	n  int
}

func (c *countingVerifier) Verify(alg, kid string, msg, sig []byte) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Verifier.Verify(alg, kid, msg, sig)
}

func (c *countingVerifier) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// openKeyset opens a keyset spec natively, as the host would.
func openKeyset(t testing.TB, spec []byte) Verifier {
	t.Helper()
	r := keyset.NewRegistry(keyset.Options{})
	t.Cleanup(r.Close)
	s, err := r.Open(spec)
	if err != nil {
		t.Fatalf("keyset: %v", err)
	}
	return keysetVerifier{s}
}

// newAuth builds an Authenticator from a JSON config over the fixture's
// key set (unless the config names its own keys), with the clock at now.
func newAuth(t testing.TB, config string, now *time.Time) (*Authenticator, *countingVerifier) {
	t.Helper()
	if !strings.Contains(config, `"jwks`) && !strings.Contains(config, `"pem`) && !strings.Contains(config, `"hmac_env`) {
		config = strings.Replace(config, "{", `{"jwks":`+string(keys(t).jwks)+",", 1)
		config = strings.Replace(config, ",}", "}", 1)
	}
	cfg, err := ParseConfig([]byte(config))
	if err != nil {
		t.Fatalf("ParseConfig(%s): %v", config, err)
	}
	v := &countingVerifier{Verifier: openKeyset(t, cfg.KeysetSpec())}
	a, err := New(cfg, v, func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	return a, v
}

// mint signs claims with golang-jwt, an independent implementation.
func mint(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawToken builds a token from literal header and payload JSON, signed
// with the fixture's HMAC secret (or unsigned when secret is nil).
func rawToken(t testing.TB, header, payload string, secret []byte) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	in := enc([]byte(header)) + "." + enc([]byte(payload))
	if secret == nil {
		return in + "."
	}
	sig, err := jwt.SigningMethodHS256.Sign(in, secret)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + enc(sig)
}

// claims returns a valid claim set at t0, changed by kv pairs (a nil
// value deletes the claim).
func claims(kv ...any) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": "https://idp.example",
		"sub": "alice",
		"aud": "api",
		"exp": t0.Add(time.Hour).Unix(),
		"iat": t0.Add(-time.Minute).Unix(),
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

// req is a test Request.
type req struct {
	headers map[string]string
	uri     string
}

func (r req) Header(name string) string { return r.headers[name] }
func (r req) URI() string {
	if r.uri == "" {
		return "/api/things"
	}
	return r.uri
}

func bearer(tok string) req { return req{headers: map[string]string{"Authorization": "Bearer " + tok}} }
