package host

import (
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/keyset"
)

// RegistryKeys serves keyset_open from a keyset.Registry: key sets are
// parsed (and fetched) by the host once per distinct spec, and instances
// that open the same spec share one set.
func RegistryKeys(r *keyset.Registry) Keys { return registryKeys{r} }

type registryKeys struct{ r *keyset.Registry }

func (k registryKeys) Open(spec []byte) (Verifier, error) {
	s, err := k.r.Open(spec)
	if err != nil {
		return nil, err
	}
	return setVerifier{s}, nil
}

type setVerifier struct{ s *keyset.Set }

// Verify maps keyset's errors to ABI results.
func (v setVerifier) Verify(alg, kid string, msg, sig []byte) int32 {
	switch v.s.Verify(alg, kid, msg, sig) {
	case nil:
		return hostabi.ResultOK
	case keyset.ErrSignature:
		return hostabi.ErrSignature
	case keyset.ErrUnknownKey:
		return hostabi.ErrNotFound
	case keyset.ErrUnavailable:
		return hostabi.ErrUnavailable
	default: // ErrAlgorithm, ErrMalformed
		return hostabi.ErrInvalid
	}
}
