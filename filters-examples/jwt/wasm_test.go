//go:build !wasip1

// The tests in this file build jwt.wasm and run it in Gojinn's engine
// (filters, pipeline) with the host key set (internal/keyset): the filter
// as it is deployed, minus Caddy.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

var (
	rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _  = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
)

// chain loads the filter with config (keys added) into a one-stage chain.
func chain(t testing.TB, extra string) *pipeline.Chain {
	t.Helper()
	config := `{"jwks":` + string(jwksOf(t)) + `,"issuer":"https://idp.example","audiences":["api"],"leeway":"30s",` +
		`"claims_to_headers":{"sub":"X-User"},"rules":[{"claim":"scope","contains":"read"}]` + extra + `}`
	keys := filters.NewKeySets(filters.KeySetOptions{})
	t.Cleanup(keys.Close)
	return filtertest.Chain(t, pipeline.Options{},
		filters.Config{Name: "jwt", Wasm: filtertest.Build(t, "."), GuestConfig: []byte(config), PoolMin: 1, KeySets: keys})
}

func token(t testing.TB, m jwt.SigningMethod, key any, kid string, kv ...any) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": "https://idp.example", "sub": "alice", "aud": "api",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
		"scope": "openid read", "email": "alice@example.com", "name": "Alice Example"}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	tok := jwt.NewWithClaims(m, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWasmFilter(t *testing.T) {
	t.Parallel()
	c := chain(t, `,"skip_paths":["/healthz"]`)
	good := token(t, jwt.SigningMethodRS256, rsaKey, "rsa1")
	const realm = `Bearer realm="gojinn"`
	cases := []struct {
		name, path, auth string
		status           int
		challenge        string
		user             string // X-User seen upstream
	}{
		{"valid RS256", "/api", "Bearer " + good, 200, "", "alice"},
		{"same token, cached", "/api", "Bearer " + good, 200, "", "alice"},
		// Two fields (one per line here), even both with the cached token:
		// the upstream might read the other one, so neither is chosen.
		{"two Authorization fields", "/api", "Bearer " + good + "\nBearer " + good, 400,
			realm + `, error="invalid_request", error_description="more than one token"`, ""},
		{"valid ES256", "/api", "Bearer " + token(t, jwt.SigningMethodES256, ecKey, "ec1", "sub", "bob"), 200, "", "bob"},
		{"no token", "/api", "", 401, realm, ""},
		{"bad signature", "/api", "Bearer " + good[:len(good)-6] + "AAAAAA", 401,
			realm + `, error="invalid_token", error_description="invalid signature"`, ""},
		{"unknown kid", "/api", "Bearer " + token(t, jwt.SigningMethodRS256, rsaKey, "nope"), 401,
			realm + `, error="invalid_token", error_description="unknown signing key"`, ""},
		{"HS256 with the RSA kid", "/api", "Bearer " + token(t, jwt.SigningMethodHS256, rsaKey.N.Bytes(), "rsa1"), 401,
			realm + `, error="invalid_token", error_description="algorithm not allowed"`, ""},
		{"expired", "/api", "Bearer " + token(t, jwt.SigningMethodES256, ecKey, "ec1", "exp", time.Now().Add(-time.Hour).Unix()), 401,
			realm + `, error="invalid_token", error_description="token expired"`, ""},
		{"scope lacks read", "/api", "Bearer " + token(t, jwt.SigningMethodES256, ecKey, "ec1", "scope", "write"), 403,
			realm + `, error="insufficient_scope", error_description="insufficient scope"`, ""},
		{"skipped path, spoofed header removed", "/healthz", "", 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.path, nil)
			r.Header.Set("X-User", "mallory")
			for v := range strings.Lines(tc.auth) {
				r.Header.Add("Authorization", strings.TrimSuffix(v, "\n"))
			}
			w := httptest.NewRecorder()
			var user, sub string
			err := c.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
				user = r.Header.Get("X-User")
				w.WriteHeader(200)
				return nil
			}, func(ex *pipeline.Exchange) {
				ex.Vars(func(name, value string) {
					if name == "jwt.sub" {
						sub = value
					}
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || w.Header().Get("WWW-Authenticate") != tc.challenge {
				t.Fatalf("%d %q, want %d %q", w.Code, w.Header().Get("WWW-Authenticate"), tc.status, tc.challenge)
			}
			if tc.status == 200 && (user != tc.user || sub != tc.user) {
				t.Fatalf("upstream saw X-User %q and jwt.sub %q, want %q", user, sub, tc.user)
			}
		})
	}
}

// benchWasm measures one request through the chain: pool, guest, host
// calls and, for a new token, the host's signature check.
func benchWasm(b *testing.B, extra string, m jwt.SigningMethod, key any, kid string, claims ...any) {
	benchChain(b, chain(b, extra), token(b, m, key, kid, claims...))
}

func benchChain(b *testing.B, c *pipeline.Chain, tok string) {
	// Compiling the module leaves garbage whose collection would
	// otherwise run, on this 2-core machine, during the timed loop.
	runtime.GC()
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := &filtertest.Discard{H: http.Header{}}
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		// As on a fresh request, the filter inserts X-User rather than
		// replacing last iteration's.
		delete(r.Header, "X-User")
		if err := c.Serve(w, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
	if r.Header.Get("X-User") != "alice" {
		b.Fatal("the request was not authenticated")
	}
	b.ReportMetric(float64(len(tok)), "token-bytes")
}

// BenchmarkNewToken times a token seen for the first time (the cache is
// off, so every request verifies), through the wasm filter in a chain and
// through golang-jwt doing the same checks natively, in one run so that
// their ratio is measured under the same conditions.
func BenchmarkNewToken(b *testing.B) {
	for _, c := range []struct {
		m        jwt.SigningMethod
		key, pub any
		kid      string
	}{
		{jwt.SigningMethodRS256, rsaKey, &rsaKey.PublicKey, "rsa1"},
		{jwt.SigningMethodES256, ecKey, &ecKey.PublicKey, "ec1"},
	} {
		b.Run(c.m.Alg()+"/gojinn", func(b *testing.B) { benchWasm(b, `,"cache_size":0`, c.m, c.key, c.kid) })
		b.Run(c.m.Alg()+"/golang-jwt", func(b *testing.B) { benchGolangJWT(b, c.m, c.key, c.pub, c.kid) })
	}
}

// benchGolangJWT is the config of chain done natively with golang-jwt:
// bearer extraction, verification, iss/aud/exp/iat checks with leeway,
// the scope rule and the claim handed on as a header.
func benchGolangJWT(b *testing.B, m jwt.SigningMethod, key, pub any, kid string) {
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer "+token(b, m, key, kid))
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{m.Alg()}),
		jwt.WithIssuer("https://idp.example"),
		jwt.WithAudience("api"),
		jwt.WithLeeway(30*time.Second),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	keyfunc := func(t *jwt.Token) (any, error) {
		if k, _ := t.Header["kid"].(string); k == kid {
			return pub, nil
		}
		return nil, errors.New("unknown kid")
	}
	b.ReportAllocs()
	for b.Loop() {
		delete(r.Header, "X-User")
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			b.Fatal("no token")
		}
		var c jwt.MapClaims
		if _, err := p.ParseWithClaims(tok, &c, keyfunc); err != nil {
			b.Fatal(err)
		}
		scope, _ := c["scope"].(string)
		if !strings.Contains(" "+scope+" ", " read ") {
			b.Fatal("insufficient scope")
		}
		sub, _ := c["sub"].(string)
		r.Header.Set("X-User", sub)
	}
	if r.Header.Get("X-User") != "alice" {
		b.Fatal("the request was not authenticated")
	}
}

func BenchmarkWasmCachedToken(b *testing.B) {
	b.Run("small", func(b *testing.B) { benchWasm(b, "", jwt.SigningMethodRS256, rsaKey, "rsa1") })
	// The size of an identity provider's access token with roles and
	// groups: the whole token is compared on a hit.
	groups := make([]string, 24)
	for i := range groups {
		groups[i] = fmt.Sprintf("team-%02d-readers", i)
	}
	b.Run("large", func(b *testing.B) {
		benchWasm(b, "", jwt.SigningMethodRS256, rsaKey, "rsa1", "groups", groups)
	})
	// The floor under those: a guest making the same host calls as a
	// cached hit (testdata/floor) and nothing else.
	b.Run("floor", func(b *testing.B) {
		c := filtertest.Chain(b, pipeline.Options{},
			filters.Config{Name: "floor", Wasm: filtertest.Build(b, "testdata/floor"), PoolMin: 1})
		benchChain(b, c, token(b, jwt.SigningMethodRS256, rsaKey, "rsa1"))
	})
}

// TestWasmForwardTokenFalse: with forward_token false, a token read from
// a cookie or the query does not reach the upstream, and nothing else of
// the Cookie header or the query is lost.
func TestWasmForwardTokenFalse(t *testing.T) {
	t.Parallel()
	good := token(t, jwt.SigningMethodES256, ecKey, "ec1")
	cases := []struct {
		name, from, target string
		cookies            []string
		wantTarget         string
		wantCookie         []string
	}{
		{"cookie", `{"cookie":"at"}`, "/api?x=1", []string{"a=1; at=" + good, "b=2"}, "/api?x=1", []string{"a=1; b=2"}},
		{"only cookie", `{"cookie":"at"}`, "/api", []string{"at=" + good}, "/api", nil},
		{"query", `{"query":"at"}`, "/api?x=1&at=" + good + "&y=%20", []string{"a=1"}, "/api?x=1&y=%20", []string{"a=1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := chain(t, `,"forward_token":false,"from":`+tc.from)
			r := httptest.NewRequest("GET", tc.target, nil)
			for _, v := range tc.cookies {
				r.Header.Add("Cookie", v)
			}
			var target string
			var cookies []string
			w := httptest.NewRecorder()
			err := c.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
				target, cookies = r.RequestURI, r.Header.Values("Cookie")
				w.WriteHeader(200)
				return nil
			}, nil)
			if err != nil || w.Code != 200 {
				t.Fatalf("status %d, %v", w.Code, err)
			}
			if target != tc.wantTarget || !slices.Equal(cookies, tc.wantCookie) {
				t.Fatalf("upstream saw %q with cookies %q, want %q with %q", target, cookies, tc.wantTarget, tc.wantCookie)
			}
		})
	}
}

// TestWasmSlowIdentityProvider: an identity provider that has not
// answered yet, or never does, must not hold the load (the host fetches
// jwks_url in the background); until its keys arrive, a valid token gets
// 503 with Retry-After, and once they do, 200. The provider holds every
// request until the test lets it go and the fetch may take an hour, so a
// configure that waited for it would hang the load: the guard below, not
// a time limit, is what would fail.
func TestWasmSlowIdentityProvider(t *testing.T) {
	t.Parallel()
	for _, answers := range []bool{true, false} {
		name := "never answers"
		if answers {
			name = "answers late"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			jwks := jwksOf(t)
			release := make(chan struct{})
			idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				w.Header().Set("Content-Type", "application/jwk-set+json")
				_, _ = w.Write(jwks)
			}))
			t.Cleanup(idp.Close)
			config := `{"jwks_url":"` + idp.URL + `","fetch_timeout":"1h","min_refetch_interval":"1s",` +
				`"issuer":"https://idp.example","audiences":["api"]}`
			keys := filters.NewKeySets(filters.KeySetOptions{})
			// Closed before the provider, so that the fetch it holds
			// is cancelled rather than waited for.
			t.Cleanup(keys.Close)
			type loaded struct {
				f   *filters.Filter
				err error
			}
			done := make(chan loaded, 1)
			go func() {
				f, err := filtertest.Engine(t).Load(context.Background(), filters.Config{
					Name: "jwt", Wasm: filtertest.Build(t, "."), GuestConfig: []byte(config),
					Timeout: filtertest.PatientTimeout, KeySets: keys,
				})
				done <- loaded{f, err}
			}()
			var f *filters.Filter
			select {
			case l := <-done:
				if l.err != nil {
					t.Fatal(l.err)
				}
				f = l.f
			case <-time.After(2 * filtertest.PatientTimeout): // a hang guard
				t.Fatal("the load waited for the identity provider")
			}
			t.Cleanup(func() { f.Close(context.Background()) })
			c := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
			good := token(t, jwt.SigningMethodRS256, rsaKey, "rsa1")
			send := func() *httptest.ResponseRecorder {
				r := httptest.NewRequest("GET", "/api", nil)
				r.Header.Set("Authorization", "Bearer "+good)
				w := httptest.NewRecorder()
				if err := c.Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
					w.WriteHeader(200)
					return nil
				}, nil); err != nil {
					t.Fatal(err)
				}
				return w
			}
			if w := send(); w.Code != 503 || w.Header().Get("Retry-After") == "" {
				t.Fatalf("before the keys arrived: status %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
			}
			if !answers {
				return
			}
			close(release)
			// The refetch comes within a second or two of the release;
			// the bound is a guard against a hang, in count and time.
			for i := 0; ; i++ {
				w := send()
				if w.Code == 200 {
					return
				}
				if w.Code != 503 || i == 600 {
					t.Fatalf("after the provider answered: status %d", w.Code)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// jwksOf is the JWK Set of the test's keys.
func jwksOf(t testing.TB) []byte {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	ecPub, err := ecKey.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa1", "n": enc(rsaKey.N.Bytes()), "e": "AQAB"},
		{"kty": "EC", "kid": "ec1", "crv": "P-256", "x": enc(ecPub[1:33]), "y": enc(ecPub[33:])},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return jwks
}
