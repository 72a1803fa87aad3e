package proxywasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/kvstore"
	"github.com/gojinn/gojinn/internal/loopback"
)

func memoryStore(t *testing.T) *host.KVStore {
	t.Helper()
	m, err := kvstore.NewMemory(kvstore.MemoryConfig{Limits: kvstore.Limits{MaxKey: 64, MaxValue: 64}})
	if err != nil {
		t.Fatal(err)
	}
	return &host.KVStore{Name: "mem", Store: m}
}

// deadStore is a Redis store on a loopback port nothing listens on: every
// operation fails with kvstore.ErrUnavailable.
func deadStore(t *testing.T, failOpen bool) *host.KVStore {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r, err := kvstore.NewRedis(kvstore.RedisConfig{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &host.KVStore{Name: "dead", Store: r, FailOpen: failOpen}
}

// observed counts a store's operations by outcome.
type observed struct {
	mu    sync.Mutex
	calls map[string]int
}

func (o *observed) KVCall(op host.KVOp, outcome host.KVOutcome, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[op.String()+":"+outcome.String()]++
}

// sharedStep is one call of a shared-data script: a get (set false) or a
// set, with cas either given or, with casOf, the version the script's
// last get returned plus casOf-1 (1: that version, 2: the one after).
type sharedStep struct {
	set        bool
	key, value string
	cas        uint32
	casOf      uint32
	want       Status
	wantValue  string
}

func TestSharedData(t *testing.T) {
	big := string(make([]byte, 61)) // 4 bytes of version make it 65: over 64
	for _, c := range []struct {
		name  string
		steps []sharedStep
	}{
		{"missing key", []sharedStep{{key: "k", want: StatusNotFound}}},
		{"set then get", []sharedStep{
			{set: true, key: "k", value: "v1", want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v1"},
		}},
		{"empty value", []sharedStep{
			{set: true, key: "k", value: "", want: StatusOK},
			{key: "k", want: StatusOK, wantValue: ""},
		}},
		{"cas on a missing key", []sharedStep{
			{set: true, key: "k", value: "v1", cas: 7, want: StatusCASMismatch},
			{key: "k", want: StatusNotFound},
		}},
		{"cas with the current version", []sharedStep{
			{set: true, key: "k", value: "v1", want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v1"},
			{set: true, key: "k", value: "v2", casOf: 1, want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v2"},
		}},
		{"cas with a stale version", []sharedStep{
			{set: true, key: "k", value: "v1", want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v1"},
			{set: true, key: "k", value: "v2", want: StatusOK}, // bumps the version
			{set: true, key: "k", value: "v3", casOf: 1, want: StatusCASMismatch},
			{key: "k", want: StatusOK, wantValue: "v2"},
		}},
		{"an unconditional set bumps the version", []sharedStep{
			{set: true, key: "k", value: "v1", want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v1"},
			{set: true, key: "k", value: "v1", want: StatusOK},
			{set: true, key: "k", value: "v2", casOf: 2, want: StatusOK},
			{key: "k", want: StatusOK, wantValue: "v2"},
		}},
		{"value too large", []sharedStep{
			{set: true, key: "k", value: big, want: StatusBadArgument},
			{key: "k", want: StatusNotFound},
		}},
		{"key too large", []sharedStep{
			{set: true, key: string(make([]byte, 60)), value: "v", want: StatusBadArgument},
			{key: string(make([]byte, 60)), want: StatusBadArgument},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := memoryStore(t)
			var version uint32
			for i, st := range c.steps {
				if !st.set {
					v, cas, got := getShared(s, nil, []byte(st.key))
					if got != st.want || (got == StatusOK && (string(v) != st.wantValue || cas == 0)) {
						t.Fatalf("step %d: get %q: %d %q (version %d), want %d %q", i, st.key, got, v, cas, st.want, st.wantValue)
					}
					version = cas
					continue
				}
				cas := st.cas
				if st.casOf != 0 {
					cas = version + st.casOf - 1
				}
				if got := setShared(s, []byte(st.key), []byte(st.value), cas); got != st.want {
					t.Fatalf("step %d: set %q with cas %d: %d, want %d", i, st.key, cas, got, st.want)
				}
			}
		})
	}
}

// TestSharedDataNamespace: shared data is under its prefix, as a version
// and the value, and a key the kv_* functions use is not shared data.
func TestSharedDataNamespace(t *testing.T) {
	s := memoryStore(t)
	ctx := context.Background()
	if err := s.Store.Set(ctx, []byte("k"), []byte("a kv_set value"), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, st := getShared(s, nil, []byte("k")); st != StatusNotFound {
		t.Fatalf("a kv_* key read as shared data: %d", st)
	}
	if st := setShared(s, []byte("k"), []byte("v"), 0); st != StatusOK {
		t.Fatal(st)
	}
	_, version, _ := getShared(s, nil, []byte("k"))
	entry, ok, err := s.Store.Get(ctx, []byte(SharedDataPrefix+"k"), nil)
	if err != nil || !ok || len(entry) != 5 || binary.BigEndian.Uint32(entry) != version || string(entry[4:]) != "v" {
		t.Fatalf("stored entry %q (%v, %v), want version %d then the value", entry, ok, err, version)
	}
	if v, _, _ := s.Store.Get(ctx, []byte("k"), nil); string(v) != "a kv_set value" {
		t.Fatalf("the kv_* key holds %q", v)
	}
}

// TestSharedDataRecreatedVersion: a key deleted and made again starts
// from another version than the one a guest may still hold.
func TestSharedDataRecreatedVersion(t *testing.T) {
	s := memoryStore(t)
	seen := map[uint32]bool{}
	for i := range 16 {
		if st := setShared(s, []byte("k"), []byte("v"), 0); st != StatusOK {
			t.Fatal(st)
		}
		_, version, _ := getShared(s, nil, []byte("k"))
		seen[version] = true
		if _, err := s.Store.Delete(context.Background(), []byte(SharedDataPrefix+"k")); err != nil {
			t.Fatal(err)
		}
		if st := setShared(s, []byte("k"), []byte("v"), version); st != StatusCASMismatch {
			t.Fatalf("round %d: a cas from before the delete: %d", i, st)
		}
	}
	if len(seen) < 2 {
		t.Fatalf("16 creations of a key all started at version %v", seen)
	}
}

// TestSharedDataConcurrentCAS: increments from several goroutines, each a
// get and a set with its version, retried on CAS_MISMATCH, lose none.
func TestSharedDataConcurrentCAS(t *testing.T) {
	s := memoryStore(t)
	const workers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := incrementShared(s, []byte("n")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, _, st := getShared(s, nil, []byte("n"))
	if st != StatusOK || binary.LittleEndian.Uint32(v) != workers*each {
		t.Fatalf("count %v (%d), want %d", v, st, workers*each)
	}
}

// incrementShared adds one to a 4-byte count as a guest does, trying at
// most 1000 times.
func incrementShared(s *host.KVStore, key []byte) error {
	for range 1000 {
		v, cas, st := getShared(s, nil, key)
		n := uint32(0)
		switch st {
		case StatusOK:
			n = binary.LittleEndian.Uint32(v)
		case StatusNotFound:
		default:
			return fmt.Errorf("get: %d", st)
		}
		switch st := setShared(s, key, binary.LittleEndian.AppendUint32(nil, n+1), cas); st {
		case StatusOK:
			return nil
		case StatusCASMismatch:
		default:
			return fmt.Errorf("set: %d", st)
		}
	}
	return errors.New("1000 lost races in a row")
}

// TestSharedDataUnavailable: a store that cannot answer fails the call
// (the host's 503 trap) when it fails closed, and answers NOT_FOUND to a
// get and INTERNAL_FAILURE to a set when it fails open; either way the
// observer is told.
func TestSharedDataUnavailable(t *testing.T) {
	for _, c := range []struct {
		name     string
		failOpen bool
		set      bool
		want     Status
	}{
		{"get, fail open", true, false, StatusNotFound},
		{"set, fail open", true, true, StatusInternalFailure},
		{"get, fail closed", false, false, 0},
		{"set, fail closed", false, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := deadStore(t, c.failOpen)
			obs := &observed{calls: map[string]int{}}
			s.Observer = obs
			var got Status
			trap := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err, _ = r.(error)
						if err == nil {
							err = fmt.Errorf("%v", r)
						}
					}
				}()
				if c.set {
					got = setShared(s, []byte("k"), []byte("v"), 0)
				} else {
					_, _, got = getShared(s, nil, []byte("k"))
				}
				return nil
			}()
			switch {
			case !c.failOpen && !errors.Is(trap, host.ErrStoreUnavailable):
				t.Fatalf("fail closed: status %d, trap %v, want %v", got, trap, host.ErrStoreUnavailable)
			case c.failOpen && (trap != nil || got != c.want):
				t.Fatalf("fail open: status %d, trap %v, want %d", got, trap, c.want)
			}
			if obs.calls["get:unavailable"] != 1 {
				t.Fatalf("observed %v, want one unavailable get", obs.calls)
			}
		})
	}
}
