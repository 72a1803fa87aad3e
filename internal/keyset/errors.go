package keyset

import "errors"

// Errors returned by Set.Verify. They are plain sentinels, never wrapped,
// so Verify stays allocation-free and callers compare with ==.
var (
	// ErrSignature: a key fits but the signature does not verify with it.
	ErrSignature = errors.New("keyset: signature does not verify")
	// ErrUnknownKey: no key has the token's kid.
	ErrUnknownKey = errors.New("keyset: unknown key id")
	// ErrAlgorithm: the algorithm is unknown, "none", or not one the
	// selected keys are bound to.
	ErrAlgorithm = errors.New("keyset: algorithm not allowed for this key")
	// ErrUnavailable: the key set's URL has not loaded yet.
	ErrUnavailable = errors.New("keyset: keys not available yet")
	// ErrMalformed: the signature has the wrong length for the key.
	ErrMalformed = errors.New("keyset: malformed signature")
)
