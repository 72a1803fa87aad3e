//go:build wasip1

package guest

import (
	"encoding/binary"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/gojinn/gojinn/hostabi"
)

// Store is a key-value store held by the host (docs/ABI.md, "Key-value
// stores"), shared by every instance of every filter it is granted to,
// and with a Redis store by every Caddy that names the server. Each
// method is one atomic operation on one key.
//
// A store that cannot answer (Redis down or slow past its timeout) is
// ErrUnavailable when its policy is fail_open, and the filter decides;
// under fail_closed the host fails the request itself, and the method
// does not return.
type Store int32

// OpenStore opens the store the filter's host configuration grants under
// name. Call it from Configure: a name that is not granted is
// ErrNotFound, and a configure that refuses for it fails the load with
// the host's reason.
func OpenStore(name string) (Store, error) {
	r := kvOpen(strPtr(name), uint32(len(name)))
	if r < 0 {
		return -1, resultError(r)
	}
	return Store(r), nil
}

// ttlMillis is ttl as kv_ functions take it: whole milliseconds, a
// positive ttl under one rounded up to one; negative or past the i32
// range is -1, which the host refuses.
func ttlMillis(ttl time.Duration) int32 {
	switch {
	case ttl < 0 || ttl/time.Millisecond > math.MaxInt32:
		return -1
	case ttl > 0 && ttl < time.Millisecond:
		return 1
	}
	return int32(ttl / time.Millisecond)
}

// Get returns a copy of the key's value; ok is false when there is none.
func (s Store) Get(key string) (value []byte, ok bool, err error) {
	v, ok, err := s.AppendGet(nil, key)
	return v, ok, err
}

// AppendGet appends the key's value to dst. A value that does not fit in
// dst's spare capacity costs a second operation, which may see a newer
// value: a filter that reads the same values often keeps dst between
// requests, with room for them.
func (s Store) AppendGet(dst []byte, key string) (_ []byte, ok bool, err error) {
	for {
		spare := dst[len(dst):cap(dst)]
		n := kvGet(int32(s), strPtr(key), uint32(len(key)), bufPtr(spare), uint32(len(spare)))
		switch {
		case n == hostabi.ErrNotFound:
			return dst, false, nil
		case n < 0:
			return dst, false, resultError(n)
		case int(n) <= len(spare):
			return dst[:len(dst)+int(n)], true, nil
		}
		dst = slices.Grow(dst, int(n))
	}
}

// Set stores value under key; a ttl of zero keeps it until it is deleted
// or evicted.
func (s Store) Set(key string, value []byte, ttl time.Duration) error {
	return resultError(kvSet(int32(s), strPtr(key), uint32(len(key)), bufPtr(value), uint32(len(value)), ttlMillis(ttl)))
}

// SetIfAbsent stores value under key unless the key has one, and reports
// whether it did: a nonce claim, a lock.
func (s Store) SetIfAbsent(key string, value []byte, ttl time.Duration) (bool, error) {
	r := kvSetIfAbsent(int32(s), strPtr(key), uint32(len(key)), bufPtr(value), uint32(len(value)), ttlMillis(ttl))
	return r == 1, resultError(r)
}

// CompareAndSwap stores value under key if the key's value is old, and
// reports whether it did. A key without a value matches no old.
func (s Store) CompareAndSwap(key string, old, value []byte, ttl time.Duration) (bool, error) {
	r := kvCAS(int32(s), strPtr(key), uint32(len(key)), bufPtr(old), uint32(len(old)),
		bufPtr(value), uint32(len(value)), ttlMillis(ttl))
	return r == 1, resultError(r)
}

// count is where kv_incr writes its 64-bit result; one instance runs one
// call at a time.
var count [hostabi.KVCountLen]byte

// Incr adds delta to the decimal integer under key (none counts as 0) and
// returns the sum. ttl applies when the call creates the key, and only
// then: n calls within ttl of the first see 1..n (a fixed window), and the
// count starts again after it.
func (s Store) Incr(key string, delta int32, ttl time.Duration) (int64, error) {
	r := kvIncr(int32(s), strPtr(key), uint32(len(key)), delta, ttlMillis(ttl),
		unsafe.Pointer(&count[0]), uint32(len(count)))
	if r < 0 {
		return 0, resultError(r)
	}
	return int64(binary.LittleEndian.Uint64(count[:])), nil
}

// Delete removes the key and reports whether it had a value.
func (s Store) Delete(key string) (bool, error) {
	r := kvDelete(int32(s), strPtr(key), uint32(len(key)))
	return r == 1, resultError(r)
}
