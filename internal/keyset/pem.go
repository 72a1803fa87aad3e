package keyset

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// parsePEM imports every public key or certificate in data. Keys from PEM
// have no kid; they are bound to their type's algorithms only.
func parsePEM(data []byte, name string) ([]*key, error) {
	var keys []*key
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		block, next := pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%s: no PEM block where one was expected", name)
		}
		rest = bytes.TrimSpace(next)
		pub, err := pemPublicKey(block)
		if err != nil {
			return nil, fmt.Errorf("%s: block %d (%s): %w", name, len(keys), block.Type, err)
		}
		k, err := newPublicKey("", pub)
		if err != nil {
			return nil, fmt.Errorf("%s: block %d (%s): %w", name, len(keys), block.Type, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no PEM block", name)
	}
	return keys, nil
}

func pemPublicKey(b *pem.Block) (any, error) {
	switch b.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(b.Bytes)
	case "CERTIFICATE":
		// The certificate only carries the key; its validity is the
		// operator's business, as it is with a bare key.
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	}
	if strings.Contains(b.Type, "PRIVATE KEY") {
		return nil, errors.New("a private key: give the public key only")
	}
	return nil, errors.New("unsupported PEM block type")
}
