package keyset

import "testing"

// BenchmarkVerify measures Set.Verify per algorithm, the host side of a
// guest's signature_verify call.
func BenchmarkVerify(b *testing.B) {
	k := keys(b)
	cases := []struct {
		alg  string
		priv any
	}{
		{"HS256", k.secret},
		{"RS256", k.rsa},
		{"PS256", k.rsa},
		{"ES256", k.p256},
		{"ES384", k.p384},
		{"EdDSA", k.ed},
	}
	msg := []byte("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJhcGkiLCJleHAiOjE4OTM0NTYwMDB9")
	for _, c := range cases {
		b.Run(c.alg, func(b *testing.B) {
			set := openSpec(b, Options{}, specJSON(b, "jwks", jwksJSON(b, publicJWK(b, c.priv, "k1", ""), publicJWK(b, k.rsa2, "k2", ""))))
			sig := sign(b, c.alg, c.priv, msg)
			b.ReportAllocs()
			for b.Loop() {
				if err := set.Verify(c.alg, "k1", msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
