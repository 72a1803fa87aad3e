package proxywasm

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"

	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/kvstore"
)

// Shared data (proxy_get_shared_data, proxy_set_shared_data) lives on one
// of the filter's key-value stores (Binding.Shared), so that it is shared
// by every instance of every filter on that store, and, on a Redis store,
// by every process on it.
//
// The store holds each key under SharedDataPrefix, so that shared data and
// the Gojinn dialect's kv_* keys never meet, as an entry of 4 bytes of
// version (big-endian) followed by the value. The ABI's compare-and-swap
// is one on the whole entry: a set reads the entry, checks its version
// against cas, and swaps in the entry with the next version; every write
// bumps the version, so a swap that lost a race lost it to a write of
// another version.

// SharedDataPrefix is what the store's key of a shared-data key starts with.
const SharedDataPrefix = "proxywasm:"

// versionLen is the length of the version an entry starts with.
const versionLen = 4

// sharedDataTries bounds the read-then-swap rounds of one set: under
// contention a set that keeps losing gives up with StatusCASMismatch, the
// answer a guest retries on, rather than hold the host call.
const sharedDataTries = 8

// Failures of a store that fails open: a get finds nothing (the value a
// guest starts from when the key is new), a set does not land. Neither is
// CAS_MISMATCH, which guests retry at once, against a store that is down.
const (
	sharedGetUnavailable = StatusNotFound
	sharedSetUnavailable = StatusInternalFailure
)

// sharedStatus maps a store error to the status a shared-data call
// answers: a key or value over the store's limits is the guest's bad
// argument; a store that cannot answer (and fails open, since Do panics
// otherwise) answers unavailable.
func sharedStatus(err error, unavailable Status) Status {
	switch {
	case errors.Is(err, kvstore.ErrUnavailable):
		return unavailable
	case errors.Is(err, kvstore.ErrTooLarge):
		return StatusBadArgument
	}
	return StatusInternalFailure // an entry the store cannot hand back as bytes
}

// sharedKey appends the store's key of a shared-data key to dst.
func sharedKey(dst, key []byte) []byte {
	return append(append(dst, SharedDataPrefix...), key...)
}

// decodeEntry splits a stored entry into its version and value; ok is
// false for an entry too short to be one (not written by this dialect).
func decodeEntry(entry []byte) (version uint32, value []byte, ok bool) {
	if len(entry) < versionLen {
		return 0, nil, false
	}
	return binary.BigEndian.Uint32(entry), entry[versionLen:], true
}

// appendEntry appends the entry of value at version to dst.
func appendEntry(dst []byte, version uint32, value []byte) []byte {
	return append(binary.BigEndian.AppendUint32(dst, version), value...)
}

// firstVersion is a new key's version: random, so that a key deleted (or
// evicted, or expired) and made again does not hand out versions a guest
// may still hold from before; never 0, which means "no check".
func firstVersion() uint32 {
	return rand.Uint32N(1<<32-1) + 1
}

// nextVersion is the version after v, never 0.
func nextVersion(v uint32) uint32 {
	if v++; v == 0 {
		v = 1
	}
	return v
}

// sharedGet reads key's entry from s, appending it to dst.
func sharedGet(s *host.KVStore, dst, key []byte) (entry []byte, found bool, err error) {
	err = s.Do(host.KVGet, func(ctx context.Context) (err error) {
		entry, found, err = s.Store.Get(ctx, key, dst)
		return err
	})
	return entry, found, err
}

// getShared appends key's value to dst and returns it with its
// version, or the status to answer: StatusNotFound for a key that has no
// value (or, on a store that fails open, when the store cannot answer).
func getShared(s *host.KVStore, dst, key []byte) ([]byte, uint32, Status) {
	storeKey := sharedKey(make([]byte, 0, len(SharedDataPrefix)+len(key)), key)
	entry, found, err := sharedGet(s, dst[:0], storeKey)
	switch {
	case err != nil:
		return dst[:0], 0, sharedStatus(err, sharedGetUnavailable)
	case !found:
		return entry[:0], 0, StatusNotFound
	}
	version, _, ok := decodeEntry(entry)
	if !ok {
		return entry[:0], 0, StatusInternalFailure
	}
	// The value is the entry past its version: moved to the front, so
	// that dst's array keeps serving the next call.
	n := copy(entry, entry[versionLen:])
	return entry[:n], version, StatusOK
}

// setShared stores value under key on s when cas is 0 or key's
// version, with the next version, and returns StatusOK, StatusCASMismatch
// (a cas that is not the key's version, a key with no value and a cas,
// or a set that lost sharedDataTries races in a row), StatusBadArgument
// (a key or value over the store's limits) or, on a store that fails
// open and cannot answer, StatusInternalFailure.
func setShared(s *host.KVStore, key, value []byte, cas uint32) Status {
	storeKey := sharedKey(make([]byte, 0, len(SharedDataPrefix)+len(key)), key)
	var old []byte
	for range sharedDataTries {
		entry, found, err := sharedGet(s, old[:0], storeKey)
		if err != nil {
			return sharedStatus(err, sharedSetUnavailable)
		}
		old = entry
		var won bool
		if found {
			won, err = swapEntry(s, storeKey, entry, value, cas)
		} else {
			if cas != 0 {
				// A key with no value has no version a guest could hold.
				return StatusCASMismatch
			}
			won, err = createEntry(s, storeKey, value)
		}
		switch {
		case errors.Is(err, errVersionChanged):
			return StatusCASMismatch
		case err != nil:
			return sharedStatus(err, sharedSetUnavailable)
		case won:
			return StatusOK
		}
		// Another write landed between the read and the swap: read again.
	}
	return StatusCASMismatch
}

// errVersionChanged: the entry's version is not the cas the guest holds.
var errVersionChanged = errors.New("proxy-wasm: shared data version changed")

// swapEntry replaces entry, the key's stored one, with value at the next
// version, checking the version against cas first when it is not 0; won
// is false when another write replaced entry meanwhile.
func swapEntry(s *host.KVStore, storeKey, entry, value []byte, cas uint32) (won bool, err error) {
	version, _, ok := decodeEntry(entry)
	if cas != 0 && (!ok || version != cas) {
		return false, errVersionChanged
	}
	if !ok {
		version = firstVersion() - 1 // an entry not this dialect's: overwritten as new
	}
	next := appendEntry(make([]byte, 0, versionLen+len(value)), nextVersion(version), value)
	err = s.Do(host.KVCompareAndSwap, func(ctx context.Context) (err error) {
		won, err = s.Store.CompareAndSwap(ctx, storeKey, entry, next, 0)
		return err
	})
	return won, err
}

// createEntry stores value at a first version under a key that had no
// value; won is false when another write made it meanwhile.
func createEntry(s *host.KVStore, storeKey, value []byte) (won bool, err error) {
	entry := appendEntry(make([]byte, 0, versionLen+len(value)), firstVersion(), value)
	err = s.Do(host.KVSetIfAbsent, func(ctx context.Context) (err error) {
		won, err = s.Store.SetIfAbsent(ctx, storeKey, entry, 0)
		return err
	})
	return won, err
}

func getSharedData(ctx context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	key := host.Read(mem, stack[0], stack[1])
	host.Read(mem, stack[2], 4)
	host.Read(mem, stack[3], 4)
	host.Read(mem, stack[4], 4)
	if b.Shared == nil {
		result(stack, StatusUnimplemented)
		return
	}
	v, cas, s := getShared(b.Shared, b.scratch[:0], key)
	b.scratch = v
	if s != StatusOK {
		result(stack, s)
		return
	}
	returnBytes(ctx, b, m, stack[2], stack[3], v)
	putU32(mem, stack[4], cas)
	result(stack, StatusOK)
}

func setSharedData(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	key := host.Read(mem, stack[0], stack[1])
	value := host.Read(mem, stack[2], stack[3])
	if b.Shared == nil {
		result(stack, StatusUnimplemented)
		return
	}
	if len(key) == 0 {
		result(stack, StatusBadArgument)
		return
	}
	result(stack, setShared(b.Shared, key, value, uint32(stack[4])))
}
