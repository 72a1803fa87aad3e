package host

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/kvstore"
)

// The key-value functions: a guest opens, during configure, a store its
// host granted it by name, and then makes one atomic operation on one key
// per call (internal/kvstore). A store call is a host call: the guest's
// time limit cannot stop it, so the store's own timeout (a Redis store's
// per-operation bound) is what bounds it.

// ErrStoreUnavailable is the trap a key-value call raises when its store
// cannot answer and the store's policy is to fail closed: the call fails,
// and the host answers the request as it answers a busy filter (503).
var ErrStoreUnavailable = errors.New("gojinn: store unavailable")

// KVStore is a store as the key-value functions see it.
type KVStore struct {
	// Name is what kv_open asks for, and what logs and metrics say.
	Name  string
	Store kvstore.Store
	// FailOpen hands the guest hostabi.ErrUnavailable when the store
	// cannot answer; otherwise the call fails with ErrStoreUnavailable.
	FailOpen bool
	// Observer is told of every operation; nil tells no one.
	Observer KVObserver
}

// KVObserver is told of each operation on a store: which, how it ended,
// and how long the store took (the host-side time the call spent).
type KVObserver interface {
	KVCall(op KVOp, outcome KVOutcome, d time.Duration)
}

// KVStores are the stores a filter is granted, by name.
type KVStores map[string]*KVStore

// KVOp is an operation of the key-value functions.
type KVOp uint8

const (
	KVGet KVOp = iota
	KVSet
	KVSetIfAbsent
	KVCompareAndSwap
	KVIncr
	KVDelete
	// NumKVOps counts the operations.
	NumKVOps
)

var kvOpNames = [NumKVOps]string{"get", "set", "set_if_absent", "cas", "incr", "delete"}

// String is the operation's name as metrics spell it.
func (o KVOp) String() string {
	if o < NumKVOps {
		return kvOpNames[o]
	}
	return "unknown"
}

// KVOutcome is how a store operation ended.
type KVOutcome uint8

const (
	// KVOK: the store answered (a get that found nothing included).
	KVOK KVOutcome = iota
	// KVRefused: the store refused the operation (a key or value over
	// its limits, an increment of a value that is not an integer).
	KVRefused
	// KVUnavailable: the store could not answer (down, slow past its
	// timeout, its breaker open).
	KVUnavailable
	// NumKVOutcomes counts the outcomes.
	NumKVOutcomes
)

var kvOutcomeNames = [NumKVOutcomes]string{"ok", "refused", "unavailable"}

// String is the outcome's name as metrics spell it.
func (o KVOutcome) String() string {
	if o < NumKVOutcomes {
		return kvOutcomeNames[o]
	}
	return "unknown"
}

func kvOpen(b *Binding, mem api.Memory, stack []uint64) {
	name := read(mem, stack[0], stack[1])
	switch {
	case b.Phase != hostabi.PhaseConfigure:
		setResult(stack, hostabi.ErrPhase)
		return
	case len(name) == 0 || len(name) > hostabi.MaxKVNameLen:
		setResult(stack, hostabi.ErrInvalid)
		return
	case len(b.kvStores) >= hostabi.MaxKVStores:
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	s := b.KVStores[string(name)]
	if s == nil {
		// The guest will most likely refuse its configuration for this:
		// the reason to report is the host's.
		b.kvRefusal = fmt.Sprintf("kv_open: store %q is not granted to this filter (its block's stores)", name)
		if b.Logger != nil {
			b.Logger.Error(b.kvRefusal, zap.String("filter", b.Filter))
		}
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	b.kvStores = append(b.kvStores, s)
	setResult(stack, int32(len(b.kvStores)-1))
}

// kvArgs reads what every operation starts with, the store's handle and
// the key, after the caller has bounds-checked its other pointers. It
// sets the result and returns nil when the call cannot go on.
func kvArgs(b *Binding, mem api.Memory, stack []uint64) (*KVStore, []byte) {
	key := read(mem, stack[1], stack[2])
	h := int32(uint32(stack[0]))
	switch {
	case b.Phase == hostabi.PhaseConfigure:
		// Configure runs once for every instance restored from its
		// snapshot: what it wrote or read would not be what they see.
		setResult(stack, hostabi.ErrPhase)
	case h < 0 || int(h) >= len(b.kvStores):
		setResult(stack, hostabi.ErrNotFound)
	case len(key) == 0:
		setResult(stack, hostabi.ErrInvalid)
	case len(key) > hostabi.MaxKVKeyLen:
		setResult(stack, hostabi.ErrTooLarge)
	default:
		return b.kvStores[h], key
	}
	return nil, nil
}

// kvTTL reads a ttl_ms parameter: milliseconds, 0 for none, negative
// refused.
func kvTTL(v uint64) (time.Duration, bool) {
	ms := int32(uint32(v))
	return time.Duration(ms) * time.Millisecond, ms >= 0
}

// Do runs op on s, tells s's observer how it ended and how long it took,
// and returns op's error. When the store could not answer and s fails
// closed, Do panics with ErrStoreUnavailable instead: inside a host
// function that fails the call, and the host answers the request 503.
// Every dialect's store calls go through Do, so that the policy and the
// metrics are the same whichever ABI a filter speaks.
func (s *KVStore) Do(which KVOp, op func(context.Context) error) error {
	var start time.Time
	if s.Observer != nil {
		start = time.Now()
	}
	// The store bounds its own operations (a Redis store's timeout):
	// nothing here can make a call wait longer, or cut one shorter.
	err := op(context.Background())
	outcome := KVOK
	switch {
	case err == nil:
	case errors.Is(err, kvstore.ErrUnavailable):
		outcome = KVUnavailable
	default: // too large, not an integer, a value of the wrong type on the server
		outcome = KVRefused
	}
	if s.Observer != nil {
		s.Observer.KVCall(which, outcome, time.Since(start))
	}
	if outcome == KVUnavailable && !s.FailOpen {
		panic(fmt.Errorf("%w: %s: %s: %v", ErrStoreUnavailable, s.Name, which, err))
	}
	return err
}

// kvDo is Do with its error mapped to a result (0 when there is none).
func kvDo(s *KVStore, which KVOp, op func(context.Context) error) int32 {
	err := s.Do(which, op)
	switch {
	case err == nil:
		return hostabi.ResultOK
	case errors.Is(err, kvstore.ErrUnavailable):
		return hostabi.ErrUnavailable
	case errors.Is(err, kvstore.ErrTooLarge):
		return hostabi.ErrTooLarge
	}
	return hostabi.ErrInvalid // ErrNotInteger, a value of the wrong type on the server
}

func kvGet(b *Binding, mem api.Memory, stack []uint64) {
	out := read(mem, stack[3], stack[4])
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	var v []byte
	var found bool
	// The value is appended to the guest's buffer, in place when it fits
	// (its capacity is its length): no copy, no allocation. When it does
	// not, append copies to a new array and the buffer is untouched.
	r := kvDo(s, KVGet, func(ctx context.Context) (err error) {
		v, found, err = s.Store.Get(ctx, key, out[:0:len(out)])
		return err
	})
	switch {
	case r != hostabi.ResultOK:
		setResult(stack, r)
	case !found:
		setResult(stack, hostabi.ErrNotFound)
	case len(v) > hostabi.MaxKVValueLen:
		// Written by another client with larger limits.
		setResult(stack, hostabi.ErrTooLarge)
	default:
		setResult(stack, int32(len(v)))
	}
}

// kvWrite reads and checks a write's value and ttl (at stack[i], i+1 and
// i+2); false when the result is set.
func kvWrite(stack []uint64, value []byte, i int) (time.Duration, bool) {
	ttl, ok := kvTTL(stack[i+2])
	switch {
	case !ok:
		setResult(stack, hostabi.ErrInvalid)
	case len(value) > hostabi.MaxKVValueLen:
		setResult(stack, hostabi.ErrTooLarge)
	default:
		return ttl, true
	}
	return 0, false
}

func kvSet(b *Binding, mem api.Memory, stack []uint64) {
	value := read(mem, stack[3], stack[4])
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	ttl, ok := kvWrite(stack, value, 3)
	if !ok {
		return
	}
	setResult(stack, kvDo(s, KVSet, func(ctx context.Context) error {
		return s.Store.Set(ctx, key, value, ttl)
	}))
}

// boolResult is 1 for true, 0 for false, or r when that is an error.
func boolResult(r int32, v bool) int32 {
	switch {
	case r != hostabi.ResultOK:
		return r
	case v:
		return 1
	}
	return 0
}

func kvSetIfAbsent(b *Binding, mem api.Memory, stack []uint64) {
	value := read(mem, stack[3], stack[4])
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	ttl, ok := kvWrite(stack, value, 3)
	if !ok {
		return
	}
	var set bool
	r := kvDo(s, KVSetIfAbsent, func(ctx context.Context) (err error) {
		set, err = s.Store.SetIfAbsent(ctx, key, value, ttl)
		return err
	})
	setResult(stack, boolResult(r, set))
}

func kvCAS(b *Binding, mem api.Memory, stack []uint64) {
	old := read(mem, stack[3], stack[4])
	value := read(mem, stack[5], stack[6])
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	ttl, ok := kvWrite(stack, value, 5)
	if !ok {
		return
	}
	if len(old) > hostabi.MaxKVValueLen {
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	var swapped bool
	r := kvDo(s, KVCompareAndSwap, func(ctx context.Context) (err error) {
		swapped, err = s.Store.CompareAndSwap(ctx, key, old, value, ttl)
		return err
	})
	setResult(stack, boolResult(r, swapped))
}

func kvIncr(b *Binding, mem api.Memory, stack []uint64) {
	out := read(mem, stack[5], stack[6])
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	delta := int64(int32(uint32(stack[3])))
	ttl, ok := kvTTL(stack[4])
	if !ok || len(out) != hostabi.KVCountLen {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	var n int64
	r := kvDo(s, KVIncr, func(ctx context.Context) (err error) {
		n, err = s.Store.Incr(ctx, key, delta, ttl)
		return err
	})
	if r == hostabi.ResultOK {
		binary.LittleEndian.PutUint64(out, uint64(n))
	}
	setResult(stack, r)
}

func kvDelete(b *Binding, mem api.Memory, stack []uint64) {
	s, key := kvArgs(b, mem, stack)
	if s == nil {
		return
	}
	var deleted bool
	r := kvDo(s, KVDelete, func(ctx context.Context) (err error) {
		deleted, err = s.Store.Delete(ctx, key)
		return err
	})
	setResult(stack, boolResult(r, deleted))
}
