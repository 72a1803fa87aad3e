package keyset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa    *rsa.PrivateKey
	rsa2   *rsa.PrivateKey
	p256   *ecdsa.PrivateKey
	p384   *ecdsa.PrivateKey
	p521   *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	secret []byte // 64 bytes: long enough for HS512
}

var (
	keysOnce sync.Once
	keysVal  *testKeys
)

func keys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		k := &testKeys{secret: []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")}
		var err error
		k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		k.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		_, k.ed, err = ed25519.GenerateKey(rand.Reader)
		must(err)
		keysVal = k
	})
	return keysVal
}

var b64 = base64.RawURLEncoding

// sign produces a JWS signature for alg over msg, the way an issuer would.
func sign(t testing.TB, alg string, priv any, msg []byte) []byte {
	t.Helper()
	a := lookupAlg(alg)
	if a == nil {
		t.Fatalf("sign: unknown alg %s", alg)
	}
	var buf [64]byte
	var sig []byte
	var err error
	switch p := priv.(type) {
	case []byte:
		m := hmac.New(hashFunc(a), p)
		m.Write(msg)
		sig = m.Sum(nil)
	case *rsa.PrivateKey:
		d := digest(a.hash, msg, &buf)
		if a.pss {
			sig, err = rsa.SignPSS(rand.Reader, p, a.hash, d, pssOptions)
		} else {
			sig, err = rsa.SignPKCS1v15(nil, p, a.hash, d)
		}
	case *ecdsa.PrivateKey:
		d := digest(a.hash, msg, &buf)
		r, s, e := ecdsa.Sign(rand.Reader, p, d)
		err = e
		if err == nil {
			size := (p.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(p, msg)
	default:
		t.Fatalf("sign: key type %T", priv)
	}
	if err != nil {
		t.Fatalf("sign %s: %v", alg, err)
	}
	return sig
}

// publicJWK renders the public half of priv as a JWK with kid and alg
// (either may be empty).
func publicJWK(t testing.TB, priv any, kid, alg string) map[string]any {
	t.Helper()
	j := map[string]any{}
	switch p := priv.(type) {
	case []byte:
		j["kty"], j["k"] = "oct", b64.EncodeToString(p)
	case *rsa.PrivateKey:
		j["kty"] = "RSA"
		j["n"] = b64.EncodeToString(p.N.Bytes())
		j["e"] = b64.EncodeToString([]byte{1, 0, 1})
	case *ecdsa.PrivateKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		pub, err := p.PublicKey.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		j["kty"], j["crv"] = "EC", p.Curve.Params().Name
		j["x"] = b64.EncodeToString(pub[1 : 1+size])
		j["y"] = b64.EncodeToString(pub[1+size:])
	case ed25519.PrivateKey:
		j["kty"], j["crv"] = "OKP", "Ed25519"
		j["x"] = b64.EncodeToString(p.Public().(ed25519.PublicKey))
	default:
		t.Fatalf("publicJWK: key type %T", priv)
	}
	if kid != "" {
		j["kid"] = kid
	}
	if alg != "" {
		j["alg"] = alg
	}
	return j
}

// jwksJSON renders a JWK Set.
func jwksJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// specJSON renders a spec from name/value pairs.
func specJSON(t testing.TB, kv ...any) []byte {
	t.Helper()
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		v := kv[i+1]
		if b, ok := v.([]byte); ok {
			v = json.RawMessage(b)
		}
		m[kv[i].(string)] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func publicPEM(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// openSpec opens spec in a fresh registry closed at the end of the test.
// With a jwks_url it waits for the first fetch, which Open starts in the
// background, to end (well or not), so that a test counts fetches from
// a known start.
func openSpec(t testing.TB, opts Options, spec []byte) *Set {
	t.Helper()
	r := NewRegistry(opts)
	t.Cleanup(r.Close)
	s, err := r.Open(spec)
	if err != nil {
		t.Fatalf("Open(%s): %v", spec, err)
	}
	waitFirstFetch(t, s)
	return s
}

// waitFirstFetch waits until s's first fetch has ended; a set without a
// jwks_url has none.
func waitFirstFetch(t testing.TB, s *Set) {
	t.Helper()
	if s.remote == nil {
		return
	}
	done := func() bool {
		s.remote.mu.Lock()
		defer s.remote.mu.Unlock()
		return !s.remote.lastAttempt.IsZero() && s.remote.inflight == nil
	}
	// A guard against a hang, not a timing assertion: the fetch is to a
	// loopback server.
	for give := time.Now().Add(30 * time.Second); !done(); time.Sleep(time.Millisecond) {
		if time.Now().After(give) {
			t.Fatal("the first fetch never ended")
		}
	}
}

// splitJWS returns a compact JWS's alg, signing input and signature.
func splitJWS(t testing.TB, token string) (alg string, msg, sig []byte) {
	t.Helper()
	dot := strings.LastIndexByte(token, '.')
	hdr, err := b64.DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Alg string }
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	sig, err = b64.DecodeString(token[dot+1:])
	if err != nil {
		t.Fatal(err)
	}
	return h.Alg, []byte(token[:dot]), sig
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i%len(c)] ^= 0x01
	return c
}

func errName(err error) string {
	switch err {
	case nil:
		return "nil"
	case ErrSignature:
		return "ErrSignature"
	case ErrUnknownKey:
		return "ErrUnknownKey"
	case ErrAlgorithm:
		return "ErrAlgorithm"
	case ErrUnavailable:
		return "ErrUnavailable"
	case ErrMalformed:
		return "ErrMalformed"
	}
	return fmt.Sprintf("unexpected error %v", err)
}
