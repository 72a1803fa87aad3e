package keyset

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
)

// keyKind is the type of a key, and so the family of algorithms it may
// verify. Binding every key to one kind is what rules out algorithm
// confusion: an RSA public key is never an HMAC secret.
type keyKind uint8

const (
	kindHMAC keyKind = iota + 1
	kindRSA
	kindEC
	kindEd25519
)

func (k keyKind) String() string {
	switch k {
	case kindHMAC:
		return "oct"
	case kindRSA:
		return "RSA"
	case kindEC:
		return "EC"
	case kindEd25519:
		return "OKP"
	}
	return "unknown"
}

// algorithm is one JWS "alg" this package verifies.
type algorithm struct {
	name string
	kind keyKind
	hash crypto.Hash // zero for EdDSA, which hashes internally
	pss  bool        // RSASSA-PSS rather than PKCS #1 v1.5
	// ecSize is the byte length of one coordinate (and of r and of s)
	// for ES*, which also pins the curve.
	ecSize int
	// slot indexes per-algorithm state in a key (the HMAC hash pools).
	slot int
}

var (
	algHS256 = &algorithm{name: "HS256", kind: kindHMAC, hash: crypto.SHA256, slot: 0}
	algHS384 = &algorithm{name: "HS384", kind: kindHMAC, hash: crypto.SHA384, slot: 1}
	algHS512 = &algorithm{name: "HS512", kind: kindHMAC, hash: crypto.SHA512, slot: 2}
	algRS256 = &algorithm{name: "RS256", kind: kindRSA, hash: crypto.SHA256}
	algRS384 = &algorithm{name: "RS384", kind: kindRSA, hash: crypto.SHA384}
	algRS512 = &algorithm{name: "RS512", kind: kindRSA, hash: crypto.SHA512}
	algPS256 = &algorithm{name: "PS256", kind: kindRSA, hash: crypto.SHA256, pss: true}
	algPS384 = &algorithm{name: "PS384", kind: kindRSA, hash: crypto.SHA384, pss: true}
	algPS512 = &algorithm{name: "PS512", kind: kindRSA, hash: crypto.SHA512, pss: true}
	algES256 = &algorithm{name: "ES256", kind: kindEC, hash: crypto.SHA256, ecSize: 32}
	algES384 = &algorithm{name: "ES384", kind: kindEC, hash: crypto.SHA384, ecSize: 48}
	algES512 = &algorithm{name: "ES512", kind: kindEC, hash: crypto.SHA512, ecSize: 66}
	algEdDSA = &algorithm{name: "EdDSA", kind: kindEd25519}
)

// hmacSlots is how many HMAC algorithms exist (the size of key.macs).
const hmacSlots = 3

// lookupAlg returns the algorithm named name, or nil for "none" and every
// name not supported. A switch rather than a map keeps it allocation-free
// and lets the compiler build a jump on length.
func lookupAlg(name string) *algorithm {
	switch name {
	case "HS256":
		return algHS256
	case "HS384":
		return algHS384
	case "HS512":
		return algHS512
	case "RS256":
		return algRS256
	case "RS384":
		return algRS384
	case "RS512":
		return algRS512
	case "PS256":
		return algPS256
	case "PS384":
		return algPS384
	case "PS512":
		return algPS512
	case "ES256":
		return algES256
	case "ES384":
		return algES384
	case "ES512":
		return algES512
	case "EdDSA":
		return algEdDSA
	}
	return nil
}

// digest hashes msg with h into out, without allocating.
func digest(h crypto.Hash, msg []byte, out *[64]byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(msg)
		return out[:copy(out[:], s[:])]
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return out[:copy(out[:], s[:])]
	default:
		s := sha512.Sum512(msg)
		return out[:copy(out[:], s[:])]
	}
}

// rawToASN1 converts a JWS ECDSA signature (r||s, each size bytes, RFC
// 7518 section 3.4) into the DER SEQUENCE that crypto/ecdsa verifies,
// appending to dst. Going through DER is what ecdsa.Verify does
// internally too, so this avoids two big.Int conversions, not adds one.
func rawToASN1(dst, raw []byte, size int) []byte {
	r, s := minimalInt(raw[:size]), minimalInt(raw[size:])
	rLen, sLen := intLen(r), intLen(s)
	body := 2 + rLen + 2 + sLen // each INTEGER: tag, one length byte, content
	dst = append(dst, 0x30)     // SEQUENCE
	if body >= 0x80 {
		// Only P-521 gets here; its body stays below 256 bytes.
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(body))
	dst = appendInt(dst, r, rLen)
	return appendInt(dst, s, sLen)
}

// minimalInt strips leading zero bytes, keeping one byte for zero.
func minimalInt(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// intLen is the DER content length of the non-negative integer b: a zero
// byte goes in front when the top bit is set, or it would read negative.
func intLen(b []byte) int {
	if b[0]&0x80 != 0 {
		return len(b) + 1
	}
	return len(b)
}

func appendInt(dst, b []byte, n int) []byte {
	dst = append(dst, 0x02, byte(n))
	if n > len(b) {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
