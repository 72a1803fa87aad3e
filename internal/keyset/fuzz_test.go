package keyset

import (
	"errors"
	"io/fs"
	"net/http"
	"testing"

	"github.com/gojinn/gojinn/internal/rfcjws"
)

// offline is an HTTP transport that never reaches a network, so fuzzed
// specs with a jwks_url stay in-process.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline")
}

func seedSpecs(f *testing.F) {
	for _, v := range rfcjws.Vectors() {
		f.Add([]byte(`{"jwks":` + string(v.JWK) + `}`))
	}
	for _, s := range []string{
		`{"jwks":{"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","alg":"HS256"}]}}`,
		`{"jwks":{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}`,
		`{"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","key_ops":["verify"]}]}}`,
		`{"jwks_url":"https://idp.example/jwks","refresh":"1m","min_refetch_interval":"5s","fetch_timeout":"1s"}`,
		`{"hmac_env":"S","hmac_alg":"HS384"}`,
		`{"pem":["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n"]}`,
		`{"jwks_file":"f","pem_files":["p"]}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzOpen feeds arbitrary specs through the whole open path: spec, JWK
// and PEM parsing, key import. It must never panic, and whatever opens
// must answer Verify with one of the documented errors.
func FuzzOpen(f *testing.F) {
	seedSpecs(f)
	opts := Options{
		HTTPClient: &http.Client{Transport: offline{}},
		LookupEnv:  func(string) (string, bool) { return "0123456789abcdef0123456789abcdef0123456789abcdef", true },
		ReadFile:   func(string) ([]byte, error) { return nil, fs.ErrNotExist },
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		r := NewRegistry(opts)
		defer r.Close()
		s, err := r.Open(spec)
		if err != nil {
			return
		}
		for _, alg := range []string{"HS256", "RS256", "ES256", "EdDSA", "none"} {
			switch err := s.Verify(alg, "", []byte("a.b"), []byte("sig")); err {
			case ErrSignature, ErrUnknownKey, ErrAlgorithm, ErrUnavailable, ErrMalformed:
			default:
				t.Fatalf("Verify(%s) = %v", alg, err)
			}
		}
	})
}

// FuzzParseJWKSet checks the JWK Set parser on its own, for both
// strictness levels, and that every key it accepts is usable.
func FuzzParseJWKSet(f *testing.F) {
	seedSpecs(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, allowOct := range []bool{false, true} {
			keys, _, err := parseJWKSet(data, jwkSource{name: "fuzz", allowOct: allowOct})
			if err != nil && len(keys) > 0 {
				t.Fatal("keys returned with an error")
			}
			for _, k := range keys {
				if k.kind == 0 || (k.alg != nil && !k.fits(k.alg)) {
					t.Fatalf("unusable key accepted: %+v", k)
				}
				if k.kind == kindHMAC && !allowOct {
					t.Fatal("secret accepted from a URL source")
				}
			}
		}
	})
}
