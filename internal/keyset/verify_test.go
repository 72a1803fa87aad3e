package keyset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/gojinn/gojinn/internal/rfcjws"
)

// TestRFCVectors verifies the published examples of RFC 7515 appendix A.1
// to A.3 and RFC 8037 appendix A.4 with their published keys (public
// parts only), and checks that any change to them breaks verification.
func TestRFCVectors(t *testing.T) {
	for _, v := range rfcjws.Vectors() {
		t.Run(v.Name, func(t *testing.T) {
			s := openSpec(t, Options{}, specJSON(t, "jwks", []byte(v.JWK)))
			alg, msg, sig := splitJWS(t, v.Token)
			tampered := ErrSignature
			short := ErrMalformed
			if alg == "HS256" {
				short = ErrSignature // a MAC of the wrong length is just wrong
			}
			cases := []struct {
				name     string
				msg, sig []byte
				want     error
			}{
				{"published", msg, sig, nil},
				{"payload byte flipped", flip(msg, len(msg)-3), sig, tampered},
				{"header byte flipped", flip(msg, 2), sig, tampered},
				{"signature byte flipped", msg, flip(sig, 5), tampered},
				{"signature truncated", msg, sig[:len(sig)-1], short},
				{"empty signature", msg, nil, short},
			}
			for _, c := range cases {
				if err := s.Verify(alg, "", c.msg, c.sig); err != c.want {
					t.Errorf("%s: Verify = %s, want %s", c.name, errName(err), errName(c.want))
				}
			}
		})
	}
}

// TestAlgorithms signs with every supported algorithm and verifies
// through a JWKS, bound and unbound, and through PEM.
func TestAlgorithms(t *testing.T) {
	k := keys(t)
	cases := []struct {
		alg  string
		priv any
		pub  any // for PEM; nil for HMAC
	}{
		{"HS256", k.secret, nil},
		{"HS384", k.secret, nil},
		{"HS512", k.secret, nil},
		{"RS256", k.rsa, &k.rsa.PublicKey},
		{"RS384", k.rsa, &k.rsa.PublicKey},
		{"RS512", k.rsa, &k.rsa.PublicKey},
		{"PS256", k.rsa, &k.rsa.PublicKey},
		{"PS384", k.rsa, &k.rsa.PublicKey},
		{"PS512", k.rsa, &k.rsa.PublicKey},
		{"ES256", k.p256, &k.p256.PublicKey},
		{"ES384", k.p384, &k.p384.PublicKey},
		{"ES512", k.p521, &k.p521.PublicKey},
		{"EdDSA", k.ed, k.ed.Public()},
	}
	msg := []byte("eyJhbGciOiJ4In0.eyJzdWIiOiJhbGljZSJ9")
	for _, c := range cases {
		t.Run(c.alg, func(t *testing.T) {
			sig := sign(t, c.alg, c.priv, msg)
			specs := map[string][]byte{
				"jwks unbound": specJSON(t, "jwks", jwksJSON(t, publicJWK(t, c.priv, "k1", ""))),
				"jwks bound":   specJSON(t, "jwks", jwksJSON(t, publicJWK(t, c.priv, "k1", c.alg))),
			}
			if c.pub != nil {
				specs["pem"] = specJSON(t, "pem", []string{publicPEM(t, c.pub)})
			}
			for name, spec := range specs {
				s := openSpec(t, Options{}, spec)
				kid := "k1"
				if name == "pem" {
					kid = ""
				}
				if err := s.Verify(c.alg, kid, msg, sig); err != nil {
					t.Errorf("%s: Verify = %s, want nil", name, errName(err))
				}
				if err := s.Verify(c.alg, "", msg, sig); err != nil {
					t.Errorf("%s without kid: Verify = %s, want nil", name, errName(err))
				}
				if err := s.Verify(c.alg, kid, flip(msg, 7), sig); err != ErrSignature {
					t.Errorf("%s tampered: Verify = %s, want ErrSignature", name, errName(err))
				}
			}
		})
	}
}

// TestAlgorithmConfusion checks that keys only verify their own family,
// and that "none" never passes.
func TestAlgorithmConfusion(t *testing.T) {
	k := keys(t)
	msg := []byte("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0")
	rsaJWK := publicJWK(t, k.rsa, "rsa", "")
	rsaPEM := publicPEM(t, &k.rsa.PublicKey)
	// The classic attack: HMAC keyed with the bytes of the public key
	// the verifier holds, in each form an attacker might guess.
	hmacWith := func(key []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		return m.Sum(nil)
	}
	rsaSet := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, rsaJWK), "pem", []string{rsaPEM}))
	ecSet := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.p256, "ec", ""))))
	edSet := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.ed, "ed", ""))))
	hsSet := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.secret, "hs", "HS256"))))
	cases := []struct {
		name     string
		set      *Set
		alg, kid string
		sig      []byte
		want     error
	}{
		{"HS256 keyed with RSA PEM, kid", rsaSet, "HS256", "rsa", hmacWith([]byte(rsaPEM)), ErrAlgorithm},
		{"HS256 keyed with RSA PEM, no kid", rsaSet, "HS256", "", hmacWith([]byte(rsaPEM)), ErrAlgorithm},
		{"HS256 keyed with RSA modulus", rsaSet, "HS256", "", hmacWith(k.rsa.N.Bytes()), ErrAlgorithm},
		{"none, empty signature", rsaSet, "none", "", nil, ErrAlgorithm},
		{"none on an HMAC set", hsSet, "none", "hs", nil, ErrAlgorithm},
		{"NONE", hsSet, "NONE", "", nil, ErrAlgorithm},
		{"lower-case hs256", hsSet, "hs256", "", hmacWith(k.secret), ErrAlgorithm},
		{"HS512 on an HS256-bound key", hsSet, "HS512", "hs", sign(t, "HS512", k.secret, msg), ErrAlgorithm},
		{"RS256 on an EC key", ecSet, "RS256", "ec", sign(t, "RS256", k.rsa, msg), ErrAlgorithm},
		{"ES384 on a P-256 key", ecSet, "ES384", "ec", sign(t, "ES384", k.p384, msg), ErrAlgorithm},
		{"ES256 on an Ed25519 key", edSet, "ES256", "ed", sign(t, "ES256", k.p256, msg), ErrAlgorithm},
		{"EdDSA on an RSA key", rsaSet, "EdDSA", "rsa", sign(t, "EdDSA", k.ed, msg), ErrAlgorithm},
		{"unknown alg", rsaSet, "RS1", "rsa", nil, ErrAlgorithm},
	}
	for _, c := range cases {
		if err := c.set.Verify(c.alg, c.kid, msg, c.sig); err != c.want {
			t.Errorf("%s: Verify = %s, want %s", c.name, errName(err), errName(c.want))
		}
	}
}

// TestKidSelection covers kid lookup, unknown kids and the kid-less
// keys that stand in for any kid.
func TestKidSelection(t *testing.T) {
	k := keys(t)
	msg := []byte("eyJhbGciOiJSUzI1NiJ9.e30")
	sig1 := sign(t, "RS256", k.rsa, msg)
	sig2 := sign(t, "RS256", k.rsa2, msg)
	two := specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.rsa, "one", ""), publicJWK(t, k.rsa2, "two", "")))
	withPEM := specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.rsa, "one", "")), "pem", []string{publicPEM(t, &k.rsa2.PublicKey)})
	cases := []struct {
		name string
		spec []byte
		kid  string
		sig  []byte
		want error
	}{
		{"right kid", two, "one", sig1, nil},
		{"other right kid", two, "two", sig2, nil},
		{"kid of another key", two, "two", sig1, ErrSignature},
		{"no kid tries all", two, "", sig2, nil},
		{"unknown kid", two, "three", sig1, ErrUnknownKey},
		{"unknown kid, kid-less PEM signs", withPEM, "three", sig2, nil},
		{"unknown kid, kid-less PEM does not", withPEM, "three", sig1, ErrSignature},
		{"known kid never falls back", withPEM, "one", sig2, ErrSignature},
	}
	for _, c := range cases {
		s := openSpec(t, Options{}, c.spec)
		if err := s.Verify("RS256", c.kid, msg, c.sig); err != c.want {
			t.Errorf("%s: Verify = %s, want %s", c.name, errName(err), errName(c.want))
		}
	}
}

// TestSkippedJWKs checks what RFC 7517 section 5 says to ignore.
func TestSkippedJWKs(t *testing.T) {
	k := keys(t)
	enc := publicJWK(t, k.rsa, "enc", "")
	enc["use"] = "enc"
	wrap := publicJWK(t, k.rsa2, "wrap", "RSA-OAEP")
	ops := publicJWK(t, k.p256, "ops", "")
	ops["key_ops"] = []string{"encrypt"}
	odd := map[string]any{"kty": "future", "kid": "odd"}
	good := publicJWK(t, k.ed, "good", "EdDSA")
	s := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, enc, wrap, ops, odd, good)))
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want only the signing key", s.Len())
	}
	msg := []byte("m")
	if err := s.Verify("RS256", "enc", msg, sign(t, "RS256", k.rsa, msg)); err != ErrUnknownKey {
		t.Errorf("use=enc key: Verify = %s, want ErrUnknownKey", errName(err))
	}
}

// TestRawToASN1 checks the r||s to DER conversion on the edge cases:
// leading zeros, top bits set, and P-521 long-form lengths.
func TestRawToASN1(t *testing.T) {
	k := keys(t)
	for _, priv := range []*ecdsa.PrivateKey{k.p256, k.p384, k.p521} {
		size := (priv.Curve.Params().BitSize + 7) / 8
		// Enough signatures that r or s with a zero or a high top byte
		// turn up in most runs; the vectors below pin them regardless.
		for i := range 300 {
			msg := []byte{byte(i), byte(i >> 8)}
			var buf [64]byte
			d := digest(hashFor(size), msg, &buf)
			der, err := ecdsa.SignASN1(nil, priv, d)
			if err != nil {
				t.Fatal(err)
			}
			raw := derToRaw(t, der, size)
			if got := rawToASN1(nil, raw, size); string(got) != string(der) {
				t.Fatalf("size %d: rawToASN1 = %x, want %x", size, got, der)
			}
		}
	}
	pinned := []struct {
		raw  []byte
		want []byte
	}{
		{append(append(make([]byte, 31), 1), append([]byte{0x80}, make([]byte, 31)...)...),
			append([]byte{0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80}, make([]byte, 31)...)},
		{make([]byte, 64), []byte{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00}},
	}
	for _, p := range pinned {
		if got := rawToASN1(nil, p.raw, 32); string(got) != string(p.want) {
			t.Errorf("rawToASN1(%x) = %x, want %x", p.raw, got, p.want)
		}
	}
}

func hashFor(size int) crypto.Hash {
	switch size {
	case 32:
		return algES256.hash
	case 48:
		return algES384.hash
	}
	return algES512.hash
}

// TestEd25519PublicKeyNotConfusedWithSecret keeps the 32-byte Ed25519 key
// from ever serving as an HMAC secret, though it would be long enough.
func TestEd25519PublicKeyNotConfusedWithSecret(t *testing.T) {
	k := keys(t)
	pub := k.ed.Public().(ed25519.PublicKey)
	s := openSpec(t, Options{}, specJSON(t, "jwks", jwksJSON(t, publicJWK(t, k.ed, "", ""))))
	msg := []byte("x.y")
	if err := s.Verify("HS256", "", msg, sign(t, "HS256", []byte(pub), msg)); err != ErrAlgorithm {
		t.Errorf("Verify = %s, want ErrAlgorithm", errName(err))
	}
}
