package keyset

import (
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// derToRaw turns an ASN.1 ECDSA signature back into JWS r||s.
func derToRaw(t testing.TB, der []byte, size int) []byte {
	t.Helper()
	var seq cryptobyte.String
	in := cryptobyte.String(der)
	var r, s []byte
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) {
		t.Fatalf("bad DER %x", der)
	}
	out := make([]byte, 2*size)
	copy(out[size-len(r):size], r)
	copy(out[2*size-len(s):], s)
	return out
}
