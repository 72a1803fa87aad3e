package filters

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/keyset"
)

// KeySets serves the key sets that filters open with keyset_open. Each
// distinct spec is parsed (and, from a URL, fetched and refreshed) by the
// host once, and shared by every filter and instance that opens it. A
// host makes one per unit of configuration (Caddy: one per chain) and
// closes it when that goes, which stops the refreshes.
type KeySets struct {
	reg *keyset.Registry
}

// KeySetOptions configures KeySets. Every field is optional.
type KeySetOptions struct {
	// Logger receives fetch failures and refused specs.
	Logger *zap.Logger
	// HTTPClient fetches jwks_url; the default follows a redirect only to
	// a URL that jwks_url itself could name.
	HTTPClient *http.Client
}

// NewKeySets returns an empty KeySets.
func NewKeySets(opts KeySetOptions) *KeySets {
	return &KeySets{reg: keyset.NewRegistry(keyset.Options{Logger: opts.Logger, HTTPClient: opts.HTTPClient})}
}

// Close stops refreshing remote key sets. Filters that opened them keep
// the keys they have.
func (k *KeySets) Close() { k.reg.Close() }

// host is k as the host functions see it; nil when k is.
func (k *KeySets) host() host.KeySets {
	if k == nil {
		return nil
	}
	return hostKeySets{k.reg}
}

// hostKeySets adapts KeySets to the host functions' interface.
type hostKeySets struct{ reg *keyset.Registry }

func (k hostKeySets) Open(spec []byte) (host.Verifier, error) {
	s, err := k.reg.Open(spec)
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
