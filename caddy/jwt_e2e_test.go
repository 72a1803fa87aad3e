package gojinn

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestCaddyJWT runs the JWT filter through Caddy with its keys served by a
// JWKS server on loopback, and rotates the key under it.
func TestCaddyJWT(t *testing.T) {
	oldKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwksFor := func(kid string, k *rsa.PrivateKey) []byte {
		enc := base64.RawURLEncoding.EncodeToString
		b, _ := json.Marshal(map[string]any{"keys": []map[string]any{
			{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": enc(k.N.Bytes()), "e": "AQAB"},
		}})
		return b
	}
	var served atomic.Pointer[[]byte]
	first := jwksFor("k1", oldKey)
	served.Store(&first)
	var fetches atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(*served.Load())
	}))
	defer jwks.Close()
	up := newUpstream(t)

	tc := newTester(t)
	config := fmt.Sprintf(`{"jwks_url": "%s/jwks", "min_refetch_interval": "1s", "issuer": "https://idp.example",
		"audiences": ["api"], "claims_to_headers": {"sub": "X-User"}}`, jwks.URL)
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
}
http://localhost:%d {
	gojinn_chain {
		filter jwt %s {
			config `+"`%s`"+`
			%s
		}
	}
	reverse_proxy %s {
		header_up X-Subject "{gojinn.var.jwt.sub}"
	}
}
`, adminPort, caddyPort, caddyPort, jwtWasm(t), strings.ReplaceAll(config, "\n", " "), patient, strings.TrimPrefix(up.URL, "http://")), "caddyfile")

	sign := func(kid string, k *rsa.PrivateKey, sub string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"iss": "https://idp.example", "aud": "api", "sub": sub,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		})
		tok.Header["kid"] = kid
		s, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	call := func(token string) (int, seen, http.Header) {
		h := map[string]string{}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		code, body, hdr := get(t, tc, "/api", h)
		var s seen
		if code == 200 {
			if err := json.Unmarshal([]byte(body), &s); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
		}
		return code, s, hdr
	}

	// eventually sends a valid token until it is let through. The keys
	// arrive in the background: before the first fetch has landed the
	// filter answers 503, and while a refetch for an unknown kid outlasts
	// the host's wait for it (half a second) 401; how long either takes
	// depends on the machine. The bound is a guard against a hang.
	eventually := func(token string, interim ...int) seen {
		t.Helper()
		for i := 0; ; i++ {
			code, s, _ := call(token)
			if code == 200 {
				return s
			}
			if !slices.Contains(interim, code) || i == 300 {
				t.Fatalf("status %d, want 200 (after any of %v)", code, interim)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if s := eventually(sign("k1", oldKey, "ada"), http.StatusServiceUnavailable); strings.Join(s.Header["X-User"], "") != "ada" ||
		strings.Join(s.Header["X-Subject"], "") != "ada" {
		t.Fatalf("valid token: upstream saw %v", s.Header)
	}
	if code, _, h := call(""); code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no token: %d, WWW-Authenticate %q", code, h.Get("WWW-Authenticate"))
	}
	if code, _, h := call(sign("k1", newKey, "mallory")); code != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("bad signature: %d, WWW-Authenticate %q", code, h.Get("WWW-Authenticate"))
	}

	// Rotation: the issuer now signs with k2 and serves only k2. A token
	// with the new kid makes the host fetch the set again.
	rotated := jwksFor("k2", newKey)
	served.Store(&rotated)
	before := fetches.Load()
	time.Sleep(1100 * time.Millisecond) // past min_refetch_interval, so the refetch is allowed
	if s := eventually(sign("k2", newKey, "grace"), http.StatusUnauthorized); strings.Join(s.Header["X-User"], "") != "grace" {
		t.Fatalf("token with the rotated key: upstream saw %v", s.Header)
	}
	if fetches.Load() == before {
		t.Fatal("the unknown kid did not make the host fetch the key set again")
	}
}
