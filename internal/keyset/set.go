package keyset

import (
	"sync/atomic"
)

// Set is an opened key set. Verify is safe for concurrent use; the keys
// it sees are swapped atomically when a jwks_url refresh lands.
type Set struct {
	table  atomic.Pointer[table]
	static []*key  // from jwks, jwks_file, pem, pem_files, hmac_env
	remote *remote // nil without jwks_url
}

// table is an immutable snapshot of the keys, indexed for Verify.
type table struct {
	byKid map[string][]*key
	// anon are the keys without a kid; they stand in for any kid the
	// set does not know, since the operator configured them by hand.
	anon []*key
	all  []*key
	// ready is false while a jwks_url has never been fetched.
	ready bool
}

func newTable(static, fetched []*key, ready bool) *table {
	t := &table{byKid: make(map[string][]*key), ready: ready}
	t.all = make([]*key, 0, len(static)+len(fetched))
	t.all = append(append(t.all, static...), fetched...)
	for _, k := range t.all {
		if k.kid == "" {
			t.anon = append(t.anon, k)
		} else {
			t.byKid[k.kid] = append(t.byKid[k.kid], k)
		}
	}
	return t
}

// publish installs the keys fetched from the set's URL.
func (s *Set) publish(fetched []*key) {
	s.table.Store(newTable(s.static, fetched, true))
}

// Verify checks sig, a raw JWS signature (base64url-decoded), over msg,
// the JWS signing input (protected header "." payload, as sent), with the
// key named kid, or with any key fitting alg when kid is empty.
//
// It returns nil when the signature holds, and otherwise exactly one of
// ErrSignature, ErrUnknownKey, ErrAlgorithm, ErrUnavailable or
// ErrMalformed, unwrapped. When kid is unknown it may wait for a
// jwks_url refetch (at most one per min_refetch_interval per set), for
// at most Options.MaxVerifyWait.
func (s *Set) Verify(alg, kid string, msg, sig []byte) error {
	a := lookupAlg(alg) // nil for "none" and anything unsupported
	if a == nil {
		return ErrAlgorithm
	}
	t := s.table.Load()
	if kid == "" {
		err := verifyWith(t.all, a, msg, sig)
		if err == ErrAlgorithm && !t.ready {
			// A key that fits may be in the set the URL will serve.
			return ErrUnavailable
		}
		return err
	}
	if ks, ok := t.byKid[kid]; ok {
		return verifyWith(ks, a, msg, sig)
	}
	// A set that has never loaded does not wait on its provider: the
	// background fetch is already trying, and a request held here would
	// hold a wasm instance with it.
	if s.remote != nil && t.ready && s.remote.refetch() {
		t = s.table.Load()
		if ks, ok := t.byKid[kid]; ok {
			return verifyWith(ks, a, msg, sig)
		}
	}
	if len(t.anon) > 0 {
		if err := verifyWith(t.anon, a, msg, sig); err != ErrAlgorithm {
			return err
		}
	}
	if !t.ready {
		return ErrUnavailable
	}
	return ErrUnknownKey
}

// verifyWith tries each key of ks that fits a. It reports ErrAlgorithm
// when none fits, ErrMalformed when the signature had the wrong length
// for every key that does, and ErrSignature otherwise.
func verifyWith(ks []*key, a *algorithm, msg, sig []byte) error {
	fit, malformed := false, true
	for _, k := range ks {
		if !k.fits(a) {
			continue
		}
		fit = true
		err := k.verify(a, msg, sig)
		if err == nil {
			return nil
		}
		if err != ErrMalformed {
			malformed = false
		}
	}
	switch {
	case !fit:
		return ErrAlgorithm
	case malformed:
		return ErrMalformed
	}
	return ErrSignature
}

// Len reports how many keys the set holds now, for logs and tests.
func (s *Set) Len() int { return len(s.table.Load().all) }

// Ready reports whether every source has loaded: false while a jwks_url
// has not been fetched successfully yet.
func (s *Set) Ready() bool { return s.table.Load().ready }
