package keyset

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"sync"
)

// minRSABits is the smallest RSA modulus accepted (RFC 7518 section 3.3).
const minRSABits = 2048

// pssOptions is shared so that PS* verification does not allocate it.
var pssOptions = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// key is one imported verification key. It is immutable once built,
// apart from the HMAC pools, which are safe for concurrent use.
type key struct {
	kid  string
	kind keyKind
	// alg, when set, is the only algorithm the key verifies (the JWK's
	// "alg", or hmac_alg); otherwise any algorithm of its kind that fits.
	alg *algorithm

	rsa    *rsa.PublicKey
	ec     *ecdsa.PublicKey
	ecSize int // coordinate length in bytes, which names the curve
	ed     ed25519.PublicKey

	secret []byte
	// macs pools keyed HMAC states per algorithm slot: hmac.New costs
	// several allocations and two hash blocks, Reset costs neither.
	macs [hmacSlots]sync.Pool
}

// fits reports whether k may verify a signature made with a.
func (k *key) fits(a *algorithm) bool {
	if k.kind != a.kind || (k.alg != nil && k.alg != a) {
		return false
	}
	switch k.kind {
	case kindEC:
		return k.ecSize == a.ecSize
	case kindHMAC:
		return len(k.secret) >= a.hash.Size()
	}
	return true
}

// verify checks sig over msg; the caller has checked k.fits(a).
func (k *key) verify(a *algorithm, msg, sig []byte) error {
	switch k.kind {
	case kindHMAC:
		return k.verifyHMAC(a, msg, sig)
	case kindRSA:
		if len(sig) != k.rsa.Size() {
			return ErrMalformed
		}
		var buf [64]byte
		d := digest(a.hash, msg, &buf)
		var err error
		if a.pss {
			err = rsa.VerifyPSS(k.rsa, a.hash, d, sig, pssOptions)
		} else {
			err = rsa.VerifyPKCS1v15(k.rsa, a.hash, d, sig)
		}
		if err != nil {
			return ErrSignature
		}
		return nil
	case kindEC:
		if len(sig) != 2*k.ecSize {
			return ErrMalformed
		}
		var buf [64]byte
		d := digest(a.hash, msg, &buf)
		var der [160]byte
		if !ecdsa.VerifyASN1(k.ec, d, rawToASN1(der[:0], sig, k.ecSize)) {
			return ErrSignature
		}
		return nil
	case kindEd25519:
		if len(sig) != ed25519.SignatureSize {
			return ErrMalformed
		}
		if !ed25519.Verify(k.ed, msg, sig) {
			return ErrSignature
		}
		return nil
	}
	return ErrAlgorithm
}

func (k *key) verifyHMAC(a *algorithm, msg, sig []byte) error {
	if len(sig) != a.hash.Size() {
		return ErrSignature
	}
	pool := &k.macs[a.slot]
	m, _ := pool.Get().(*macState)
	if m == nil {
		m = &macState{h: hmac.New(hashFunc(a), k.secret)}
	} else {
		m.h.Reset()
	}
	m.h.Write(msg)
	ok := hmac.Equal(m.h.Sum(m.sum[:0]), sig)
	pool.Put(m)
	if !ok {
		return ErrSignature
	}
	return nil
}

// macState is a keyed HMAC with room for its sum: the sum buffer lives
// with the pooled hash because a stack buffer would escape through the
// hash.Hash interface and cost an allocation per Verify.
type macState struct {
	h   hash.Hash
	sum [64]byte
}

func hashFunc(a *algorithm) func() hash.Hash {
	switch a {
	case algHS384:
		return sha512.New384
	case algHS512:
		return sha512.New
	}
	return sha256.New
}

// newPublicKey wraps a parsed public key (from a JWK or PEM), checking
// the properties RFC 7518 requires of it.
func newPublicKey(kid string, pub any) (*key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if bits := p.N.BitLen(); bits < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits, %d is the minimum", bits, minRSABits)
		}
		return &key{kid: kid, kind: kindRSA, rsa: p}, nil
	case *ecdsa.PublicKey:
		size, err := curveSize(p.Curve)
		if err != nil {
			return nil, err
		}
		return &key{kid: kid, kind: kindEC, ec: p, ecSize: size}, nil
	case ed25519.PublicKey:
		return &key{kid: kid, kind: kindEd25519, ed: p}, nil
	}
	return nil, fmt.Errorf("unsupported public key type %T", pub)
}

func curveSize(c elliptic.Curve) (int, error) {
	switch c {
	case elliptic.P256():
		return 32, nil
	case elliptic.P384():
		return 48, nil
	case elliptic.P521():
		return 66, nil
	}
	return 0, fmt.Errorf("unsupported curve %s", c.Params().Name)
}

// newHMACKey wraps a secret. With alg set the secret is bound to it and
// must be long enough for it; without, it must at least suit HS256.
func newHMACKey(kid string, secret []byte, alg *algorithm) (*key, error) {
	need := sha256.Size
	if alg != nil {
		need = alg.hash.Size()
	}
	if len(secret) < need {
		// The length is safe to report; the secret itself never is.
		return nil, fmt.Errorf("HMAC secret of %d bytes is too short, %s needs at least %d", len(secret), algName(alg, "HS256"), need)
	}
	return &key{kid: kid, kind: kindHMAC, alg: alg, secret: secret}, nil
}

// bind narrows k to alg, checking that alg suits the key.
func (k *key) bind(alg *algorithm) error {
	if alg.kind != k.kind {
		return fmt.Errorf("alg %s cannot be used with a %s key", alg.name, k.kind)
	}
	k.alg = alg
	if !k.fits(alg) {
		if k.kind == kindHMAC {
			return fmt.Errorf("HMAC secret of %d bytes is too short for %s", len(k.secret), alg.name)
		}
		return fmt.Errorf("alg %s does not match the key's curve", alg.name)
	}
	return nil
}

func algName(a *algorithm, def string) string {
	if a == nil {
		return def
	}
	return a.name
}
