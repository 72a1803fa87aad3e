package jwtauth

import (
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/rfcjws"
)

// FuzzAuthenticate feeds arbitrary tokens through parsing, claim checks
// and outputs, with a verifier that accepts every signature so that the
// fuzzer reaches the payload. It must never panic, allow a token without
// a valid exp, or emit a header value that could split a header.
func FuzzAuthenticate(f *testing.F) {
	for _, v := range rfcjws.Vectors() {
		f.Add(v.Token)
	}
	for _, s := range []string{
		"", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJIUzI1NiJ9.e30.", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJleHAiOjE3NTAwMDAwMDAsInN1YiI6WyJhIiwxLHRydWVdfQ.AA",
	} {
		f.Add(s)
	}
	// An allowed token, so that the fuzzer starts from the outputs path.
	f.Add(rawToken(f, `{"alg":"ES256","kid":"k1"}`,
		`{"exp":1750000000,"sub":"alice","roles":["a",1,true],"scope":"openid read","aud":["x"]}`, nil) + "AA")
	cfg, err := ParseConfig([]byte(`{"jwks_url":"https://idp.example/jwks","leeway":"1h",
		"claims_to_headers":{"sub":"X-User","roles":"X-Roles"},"vars":["sub","iss","aud"],
		"rules":[{"claim":"scope","contains":"read"}],"cache_size":8}`))
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(cfg, accept{}, func() time.Time { return t0 })
	if err != nil {
		f.Fatal(err)
	}
	if d := a.Authenticate(bearer(rawToken(f, `{"alg":"ES256"}`, `{"exp":1750000000,"scope":"read"}`, nil) + "AA")); d.Outcome != Allow {
		f.Fatalf("seed denied: %s", d.Reason)
	}
	f.Fuzz(func(t *testing.T, token string) {
		for range 2 { // the second pass may come from the cache
			d := a.Authenticate(bearer(token))
			if d.Outcome == Skip || (d.Outcome == Deny && d.Status == 0) {
				t.Fatalf("bad decision %+v", d)
			}
			if d.Outcome != Allow {
				return
			}
			var tok jws
			if desc := parseJWS(token, &tok, nil); desc != "" {
				t.Fatalf("allowed a token parseJWS refuses: %s", desc)
			}
			for _, h := range d.Set {
				if !headerSafe(h.Value) {
					t.Fatalf("unsafe header value %q", h.Value)
				}
			}
		}
	})
}

// decodeReference is what decodePart must agree with: encoding/base64,
// strict, refusing the CR and LF it would skip.
func decodeReference(src string) ([]byte, bool) {
	dst := make([]byte, b64.DecodedLen(len(src)))
	n, err := b64.Decode(dst, []byte(src))
	return dst[:n], err == nil && b64.EncodedLen(n) == len(src)
}

func TestDecodePart(t *testing.T) {
	for _, src := range []string{
		"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "_-_-", "eyJhbGciOiJIUzI1NiJ9", "e30",
		"YQ", "YR", "YWI", "YWJ", "YWJj", "YWJjZA", "a+b/", "a=", "YQ==", "a\nb", "abc\x00", "é",
	} {
		want, wantOK := decodeReference(src)
		dst := make([]byte, b64.DecodedLen(len(src)))
		n, ok := decodePart(dst, src)
		if ok != wantOK || ok && string(dst[:n]) != string(want) {
			t.Errorf("decodePart(%q) = %q %v, want %q %v", src, dst[:n], ok, want, wantOK)
		}
	}
}

func FuzzDecodePart(f *testing.F) {
	for _, s := range []string{"", "AA", "AB", "eyJhbGciOiJIUzI1NiJ9", "YWJjZA", "a\nbc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		want, wantOK := decodeReference(src)
		dst := make([]byte, b64.DecodedLen(len(src)))
		n, ok := decodePart(dst, src)
		if ok != wantOK || ok && string(dst[:n]) != string(want) {
			t.Fatalf("decodePart(%q) = %q %v, want %q %v", src, dst[:n], ok, want, wantOK)
		}
	})
}
