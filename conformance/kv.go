package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/kvstore"
)

// Names of the stores the suite's host grants every filter (see
// docs/CONFORMANCE.md, "Against another host").
const (
	// StoreKV is a store that answers, empty at each Load and shared by
	// the filters of that Load.
	StoreKV = "kv"
	// StoreDown is a store that never answers, under fail_open: every
	// operation on it is ERR_UNAVAILABLE.
	StoreDown = "down"
)

// caseStores are the stores of one Load: a fresh memory store, so that
// cases running in parallel never see each other's keys, and a store
// that is down.
func caseStores() host.KVStores {
	mem, err := kvstore.NewMemory(kvstore.MemoryConfig{})
	if err != nil {
		panic(err) // the zero config is valid
	}
	return host.KVStores{
		StoreKV:   {Name: StoreKV, Store: mem, FailOpen: true},
		StoreDown: {Name: StoreDown, Store: downStore{}, FailOpen: true},
	}
}

// downStore is a store whose server never answers: each operation fails
// as a Redis store's does when the server is down.
type downStore struct{}

var errDown = fmt.Errorf("%w: the conformance suite's down store", kvstore.ErrUnavailable)

func (downStore) Get(_ context.Context, _, dst []byte) ([]byte, bool, error) {
	return dst, false, errDown
}
func (downStore) Set(context.Context, []byte, []byte, time.Duration) error { return errDown }
func (downStore) SetIfAbsent(context.Context, []byte, []byte, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) CompareAndSwap(context.Context, []byte, []byte, []byte, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) Incr(context.Context, []byte, int64, time.Duration) (int64, error) {
	return 0, errDown
}
func (downStore) Delete(context.Context, []byte) (bool, error) { return false, errDown }

var _ kvstore.Store = downStore{}
