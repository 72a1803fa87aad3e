// Package kvstore holds the key-value state that filters share across
// requests and instances: rate-limit counters, nonces seen, sessions,
// flags. A Store is one named store; Memory is the in-process one.
//
// Every operation is one atomic step on one key, because that is what a
// distributed store (Redis) offers in one round trip, and what a filter
// can rely on whichever store a Caddyfile names: an increment with a
// time to live is a fixed-window counter, a set-if-absent claims a nonce,
// a compare-and-swap updates a record nobody else changed meanwhile.
package kvstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is a key-value store shared by the filters that name it. Keys
// and values are bytes. A ttl of zero keeps an entry until it is deleted
// or evicted; a positive one ends it that long after the write.
//
// A value returned by Get is appended to dst, so that a caller with a
// buffer reads without allocating. Operations fail with ErrTooLarge for
// a key or value over the store's Limits, with ErrNotInteger when Incr
// meets a value that is not a decimal integer, and with the store's own
// error (wrapping ErrUnavailable) when it cannot answer.
type Store interface {
	// Get appends the key's value to dst; ok is false when there is none.
	Get(ctx context.Context, key, dst []byte) (value []byte, ok bool, err error)
	// Set stores value under key.
	Set(ctx context.Context, key, value []byte, ttl time.Duration) error
	// SetIfAbsent stores value under key unless the key has one; set
	// reports whether it did.
	SetIfAbsent(ctx context.Context, key, value []byte, ttl time.Duration) (set bool, err error)
	// CompareAndSwap stores value under key if the key's value is old;
	// swapped reports whether it did. A key without a value matches no
	// old: SetIfAbsent is the swap from nothing.
	CompareAndSwap(ctx context.Context, key, old, value []byte, ttl time.Duration) (swapped bool, err error)
	// Incr adds delta to the decimal integer stored under key (none
	// counts as 0) and returns the sum. The ttl applies when the call
	// creates the entry, and only then: counting into a window does not
	// extend it, so n calls within ttl of the first see 1..n and the
	// count starts again after it.
	Incr(ctx context.Context, key []byte, delta int64, ttl time.Duration) (int64, error)
	// Delete removes the key; deleted reports whether it had a value.
	Delete(ctx context.Context, key []byte) (deleted bool, err error)
}

// Limits bound what one entry may hold.
type Limits struct {
	// MaxKey and MaxValue are the largest key and value in bytes.
	MaxKey, MaxValue int
}

// Default limits: a key names a client or a window, and a value is a
// counter, a token or a small record.
const (
	DefaultMaxKey   = 1 << 10
	DefaultMaxValue = 64 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxKey == 0 {
		l.MaxKey = DefaultMaxKey
	}
	if l.MaxValue == 0 {
		l.MaxValue = DefaultMaxValue
	}
	return l
}

// check refuses a key or value over the limits.
func (l Limits) check(key, value []byte) error {
	switch {
	case len(key) > l.MaxKey:
		return fmt.Errorf("%w: key of %d bytes is over %d", ErrTooLarge, len(key), l.MaxKey)
	case len(value) > l.MaxValue:
		return fmt.Errorf("%w: value of %d bytes is over %d", ErrTooLarge, len(value), l.MaxValue)
	}
	return nil
}

var (
	// ErrTooLarge is a key or value over the store's limits.
	ErrTooLarge = errors.New("kvstore: too large")
	// ErrNotInteger is Incr on a value that is not a decimal integer, or
	// a sum past int64.
	ErrNotInteger = errors.New("kvstore: value is not an integer")
	// ErrUnavailable is a store that cannot answer (a remote one down or
	// slow past its timeout).
	ErrUnavailable = errors.New("kvstore: store unavailable")
)

// parseInt reads a decimal int64 as Redis writes one: an optional minus
// sign and digits, no spaces, no plus sign, no leading zeros but "0".
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) || (neg && digits[0] == '0') {
		return 0, false
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	switch {
	case neg && n <= 1<<63:
		return -int64(n-1) - 1, true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

// addInt is a + b, refused when it overflows.
func addInt(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}
