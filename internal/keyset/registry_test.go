package keyset

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
)

func TestSpecErrors(t *testing.T) {
	k := keys(t)
	rsaJWK := publicJWK(t, k.rsa, "r", "")
	files := map[string][]byte{
		"good.jwks": jwksJSON(t, rsaJWK),
		"bad.jwks":  []byte("{"),
		"key.pem":   []byte(publicPEM(t, &k.rsa.PublicKey)),
		"junk.pem":  []byte("hello"),
	}
	env := map[string]string{"GOOD": string(k.secret), "SHORT": "tiny-secret-value"}
	opts := Options{
		LookupEnv: func(n string) (string, bool) { v, ok := env[n]; return v, ok },
		ReadFile: func(n string) ([]byte, error) {
			if b, ok := files[n]; ok {
				return b, nil
			}
			return nil, fs.ErrNotExist
		},
	}
	privPEM := "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	small := map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.rsa.N.Bytes()[:128]), "e": "AQAB"}
	cases := []struct {
		name, spec, want string // want: substring of the error, "" for success
	}{
		{"not JSON", `{`, "keyset spec"},
		{"trailing data", `{"pem_files":["key.pem"]} {}`, "trailing data"},
		{"no source", `{}`, "no key source"},
		{"typo", `{"jwks_uri":"https://x"}`, `unknown field "jwks_uri"`},
		{"bad duration", `{"jwks_url":"https://x","refresh":"soon"}`, "refresh"},
		{"refresh too short", `{"jwks_url":"https://x","refresh":"10ms"}`, "below the minimum"},
		{"negative interval", `{"jwks_url":"https://x","min_refetch_interval":"-1s"}`, "min_refetch_interval"},
		{"http to a remote host", `{"jwks_url":"http://idp.example/jwks"}`, "https"},
		{"ftp", `{"jwks_url":"ftp://idp.example/jwks"}`, "scheme"},
		{"no host", `{"jwks_url":"https:///jwks"}`, "no host"},
		{"jwks not a set", `{"jwks":[1]}`, "not a JWK Set"},
		{"jwks without keys", `{"jwks":{"foo":1}}`, `no "keys"`},
		{"jwks with no usable key", `{"jwks":{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}}`, "no usable"},
		{"jwk missing kty", `{"jwks":{"keys":[{"n":"AQAB"}]}}`, "kty"},
		{"jwk bad base64", `{"jwks":{"keys":[{"kty":"oct","k":"***"}]}}`, "base64url"},
		{"jwk rsa too small", string(specJSON(t, "jwks", jwksJSON(t, small))), "1024 bits"},
		{"jwk rsa with HS256", string(specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.rsa, "", "HS256")))), "cannot be used with a RSA key"},
		{"jwk ec wrong curve alg", string(specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.p256, "", "ES384")))), "curve"},
		{"jwk ec point off curve", `{"jwks":{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4"}}`, "EC point"},
		{"jwk ec short x", `{"jwks":{"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB"}}`, `"x" is 3 bytes`},
		{"jwk unknown curve", `{"jwks":{"kty":"EC","crv":"P-192","x":"AQAB","y":"AQAB"}}`, "curve"},
		{"jwk short secret", `{"jwks":{"kty":"oct","k":"c2hvcnQ"}}`, "too short"},
		{"jwk secret short for its alg", string(specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.secret[:40], "", "HS384")))), "too short for HS384"},
		{"jwk with d", `{"jwks":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"AAAA"}}`, "private key material"},
		{"jwks_file missing", `{"jwks_file":"nope.jwks"}`, "jwks_file"},
		{"jwks_file bad", `{"jwks_file":"bad.jwks"}`, "bad.jwks"},
		{"pem junk", `{"pem":["hello"]}`, "no PEM block"},
		{"pem private", string(specJSON(t, "pem", []string{privPEM})), "private key"},
		{"pem_files junk", `{"pem_files":["junk.pem"]}`, "junk.pem"},
		{"hmac_env unset", `{"hmac_env":"NOPE"}`, "NOPE is not set"},
		{"hmac_env short", `{"hmac_env":"SHORT"}`, "17 bytes is too short"},
		{"hmac_env short for HS512", `{"hmac_env":"SHORT","hmac_alg":"HS512"}`, "HS512 needs at least 64"},
		{"hmac_alg not HMAC", `{"hmac_env":"GOOD","hmac_alg":"RS256"}`, "hmac_alg"},
		{"hmac_alg alone", `{"pem_files":["key.pem"],"hmac_alg":"HS256"}`, "without hmac_env"},
		{"all static sources", string(specJSON(t, "jwks_file", "good.jwks", "pem_files", []string{"key.pem"}, "hmac_env", "GOOD", "hmac_alg", "HS512")), ""},
		{"single JWK", string(specJSON(t, "jwks", publicJWK(t, k.ed, "e", ""))), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRegistry(opts)
			defer r.Close()
			_, err := r.Open([]byte(c.spec))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Open: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("Open succeeded, want an error with %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("Open: %v\nwant it to mention %q", err, c.want)
			}
			if err != nil {
				// Secrets must never reach an error message.
				for _, secret := range env {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error reveals a secret: %v", err)
					}
				}
			}
		})
	}
}

func TestHMACEnv(t *testing.T) {
	secret := "a-secret-of-at-least-thirty-two-bytes-long"
	opts := Options{LookupEnv: func(n string) (string, bool) { return secret, n == "JWT_SECRET" }}
	set := openSpec(t, opts, []byte(`{"hmac_env":"JWT_SECRET"}`))
	msg := []byte("a.b")
	sig := sign(t, "HS256", []byte(secret), msg)
	cases := []struct {
		alg, kid string
		sig      []byte
		want     error
	}{
		{"HS256", "", sig, nil},
		{"HS256", "any-kid", sig, nil},
		{"HS384", "", sign(t, "HS384", []byte(secret), msg), ErrAlgorithm},
		{"HS384", "any-kid", sign(t, "HS384", []byte(secret), msg), ErrUnknownKey},
		{"HS256", "", flip(sig, 0), ErrSignature},
	}
	for _, c := range cases {
		if err := set.Verify(c.alg, c.kid, msg, c.sig); err != c.want {
			t.Errorf("%s kid %q: Verify = %s, want %s", c.alg, c.kid, errName(err), errName(c.want))
		}
	}
}

func TestRegistryDedup(t *testing.T) {
	k := keys(t)
	r := NewRegistry(Options{})
	defer r.Close()
	a := specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.ed, "a", "")))
	b := specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.ed, "b", "")))
	sets := make([]*Set, 16)
	var wg sync.WaitGroup
	for i := range sets {
		wg.Go(func() {
			spec := a
			if i%2 == 1 {
				spec = b
			}
			s, err := r.Open(spec)
			if err != nil {
				t.Error(err)
			}
			sets[i] = s
		})
	}
	wg.Wait()
	for i := 2; i < len(sets); i++ {
		if sets[i] != sets[i%2] {
			t.Fatalf("Open %d returned another set for the same spec", i)
		}
	}
	if sets[0] == sets[1] {
		t.Fatal("different specs share a set")
	}
	r.Close()
	if _, err := r.Open(a); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close = %v, want ErrClosed", err)
	}
}

// TestConcurrentVerify runs verifications while refreshes swap the keys,
// for the race detector.
func TestConcurrentVerify(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	clock := newFakeClock()
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL, "jwks", jwksJSON(t, publicJWK(t, k.secret, "h", ""))))
	tok := signedBy(t, k.p256, "k1")
	msg := []byte("x.y")
	hs := sign(t, "HS256", k.secret, msg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			clock.refresh(t)
		}
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if err := tok.verify(set); err != nil {
					t.Errorf("ES256: %s", errName(err))
					return
				}
				if err := set.Verify("HS256", "h", msg, hs); err != nil {
					t.Errorf("HS256: %s", errName(err))
					return
				}
			}
		})
	}
	wg.Wait()
	<-done
}
