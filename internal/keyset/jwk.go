package keyset

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// jwk holds the JWK members this package reads (RFC 7517 section 4, RFC
// 7518 section 6, RFC 8037 section 2). Other members are ignored.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	K      string   `json:"k"`
	// D is read only to refuse keys that carry it.
	D string `json:"d"`
}

// errSkip marks a JWK that is well formed but not for us (use=enc, an
// unknown kty or alg): RFC 7517 section 5 says to ignore those.
var errSkip = errors.New("not a signature verification key")

// jwkSource says where a JWK Set came from, which decides what it may hold.
type jwkSource struct {
	name     string // for errors: "jwks", "jwks_file x", "jwks_url"
	allowOct bool   // secrets only from the operator's own config
}

// parseJWKSet parses a JWK Set ({"keys": [...]}) or a single JWK. It
// returns the usable keys and one error per malformed key; err is set
// only when the document as a whole is unusable.
func parseJWKSet(data []byte, src jwkSource) (keys []*key, problems []error, err error) {
	data = bytes.TrimSpace(data)
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
		Kty  *string           `json:"kty"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: not a JWK Set: %w", src.name, err)
	}
	raws := doc.Keys
	switch {
	case doc.Kty != nil && doc.Keys == nil:
		raws = []json.RawMessage{data}
	case doc.Keys == nil:
		return nil, nil, fmt.Errorf(`%s: not a JWK Set: no "keys" array`, src.name)
	}
	for i, raw := range raws {
		k, err := parseJWK(raw, src)
		switch {
		case errors.Is(err, errSkip):
		case err != nil:
			problems = append(problems, fmt.Errorf("%s: key %d: %w", src.name, i, err))
		default:
			keys = append(keys, k)
		}
	}
	return keys, problems, nil
}

// parseJWK imports one JWK, bound to its algorithm family and, when it
// names one, to its "alg".
func parseJWK(raw []byte, src jwkSource) (*key, error) {
	var j jwk
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("not a JWK: %w", err)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, errSkip
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return nil, errSkip
	}
	var alg *algorithm
	if j.Alg != "" {
		if alg = lookupAlg(j.Alg); alg == nil {
			return nil, errSkip // an encryption alg, or one we do not do
		}
	}
	k, err := importJWK(&j, src)
	if err != nil {
		if errors.Is(err, errSkip) {
			return nil, err
		}
		return nil, fmt.Errorf("kid %q: %w", j.Kid, err)
	}
	if alg != nil {
		if err := k.bind(alg); err != nil {
			return nil, fmt.Errorf("kid %q: %w", j.Kid, err)
		}
	}
	return k, nil
}

func importJWK(j *jwk, src jwkSource) (*key, error) {
	if j.D != "" {
		return nil, errors.New(`holds private key material ("d"): publish only the public key`)
	}
	switch j.Kty {
	case "RSA":
		n, err := decodeBig("n", j.N)
		if err != nil {
			return nil, err
		}
		e, err := decodeBig("e", j.E)
		if err != nil {
			return nil, err
		}
		// crypto/rsa wants an int exponent; real ones are 65537.
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return nil, errors.New("RSA exponent out of range")
		}
		return newPublicKey(j.Kid, &rsa.PublicKey{N: n, E: int(e.Int64())})
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported EC curve %q", j.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := decodeFixed("x", j.X, size)
		if err != nil {
			return nil, err
		}
		y, err := decodeFixed("y", j.Y, size)
		if err != nil {
			return nil, err
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, fmt.Errorf("EC point: %w", err)
		}
		return newPublicKey(j.Kid, pub)
	case "OKP":
		if j.Crv != "Ed25519" {
			// X25519 and Ed448 are not signature keys we verify.
			return nil, errSkip
		}
		x, err := decodeFixed("x", j.X, ed25519.PublicKeySize)
		if err != nil {
			return nil, err
		}
		return newPublicKey(j.Kid, ed25519.PublicKey(x))
	case "oct":
		if !src.allowOct {
			return nil, errors.New("symmetric (oct) keys are refused from a URL: a published secret is no secret")
		}
		secret, err := decodeB64("k", j.K)
		if err != nil {
			return nil, err
		}
		return newHMACKey(j.Kid, secret, nil)
	case "":
		return nil, errors.New(`missing "kty"`)
	}
	return nil, errSkip
}

func decodeB64(member, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("missing %q", member)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not base64url: %w", member, err)
	}
	return b, nil
}

func decodeBig(member, s string) (*big.Int, error) {
	b, err := decodeB64(member, s)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// decodeFixed decodes a member that RFC 7518 section 6.2.1 and RFC 8037
// require to be exactly size bytes long.
func decodeFixed(member, s string, size int) ([]byte, error) {
	b, err := decodeB64(member, s)
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, fmt.Errorf("%q is %d bytes, want %d", member, len(b), size)
	}
	return b, nil
}
