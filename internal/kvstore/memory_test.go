package kvstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// fakeClock is a clock the test moves by hand, so that TTLs are tested
// without sleeping.
type fakeClock struct{ now int64 }

func (c *fakeClock) read() int64             { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now += int64(d) }

func newTestMemory(t testing.TB, cfg MemoryConfig) (*Memory, *fakeClock) {
	t.Helper()
	c := &fakeClock{now: 1}
	m, err := newMemory(cfg, c.read)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

var ctx = context.Background()

func get(t *testing.T, s Store, key string) (string, bool) {
	t.Helper()
	v, ok, err := s.Get(ctx, []byte(key), nil)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return string(v), ok
}

func TestMemoryOperations(t *testing.T) {
	testOperations(t, func(t *testing.T) Store {
		m, _ := newTestMemory(t, MemoryConfig{})
		return m
	})
}

// testOperations runs each operation's cases on a fresh store holding
// k=v: every Store must pass them.
func testOperations(t *testing.T, newStore func(*testing.T) Store) {
	type result struct {
		ok    bool // set, swapped, deleted, found
		n     int64
		err   error
		value string // k's value after, "" with absent
		there bool   // whether k has a value after
	}
	tests := []struct {
		name string
		op   func(s Store) (bool, int64, error)
		want result
	}{
		{"get", func(s Store) (bool, int64, error) {
			v, ok, err := s.Get(ctx, []byte("k"), []byte("prefix:"))
			if string(v) != "prefix:v" {
				return false, 0, fmt.Errorf("Get appended %q", v)
			}
			return ok, 0, err
		}, result{ok: true, value: "v", there: true}},
		{"get absent", func(s Store) (bool, int64, error) {
			_, ok, err := s.Get(ctx, []byte("nope"), nil)
			return ok, 0, err
		}, result{value: "v", there: true}},
		{"set replaces", func(s Store) (bool, int64, error) {
			return true, 0, s.Set(ctx, []byte("k"), []byte("w"), 0)
		}, result{ok: true, value: "w", there: true}},
		{"set empty value", func(s Store) (bool, int64, error) {
			return true, 0, s.Set(ctx, []byte("k"), nil, 0)
		}, result{ok: true, value: "", there: true}},
		{"set if absent, present", func(s Store) (bool, int64, error) {
			ok, err := s.SetIfAbsent(ctx, []byte("k"), []byte("w"), 0)
			return ok, 0, err
		}, result{value: "v", there: true}},
		{"set if absent, absent", func(s Store) (bool, int64, error) {
			if _, err := s.Delete(ctx, []byte("k")); err != nil {
				return false, 0, err
			}
			ok, err := s.SetIfAbsent(ctx, []byte("k"), []byte("w"), 0)
			return ok, 0, err
		}, result{ok: true, value: "w", there: true}},
		{"swap matching", func(s Store) (bool, int64, error) {
			ok, err := s.CompareAndSwap(ctx, []byte("k"), []byte("v"), []byte("w"), 0)
			return ok, 0, err
		}, result{ok: true, value: "w", there: true}},
		{"swap not matching", func(s Store) (bool, int64, error) {
			ok, err := s.CompareAndSwap(ctx, []byte("k"), []byte("x"), []byte("w"), 0)
			return ok, 0, err
		}, result{value: "v", there: true}},
		{"swap absent key", func(s Store) (bool, int64, error) {
			ok, err := s.CompareAndSwap(ctx, []byte("nope"), nil, []byte("w"), 0)
			return ok, 0, err
		}, result{value: "v", there: true}},
		{"delete", func(s Store) (bool, int64, error) {
			ok, err := s.Delete(ctx, []byte("k"))
			return ok, 0, err
		}, result{ok: true}},
		{"delete absent", func(s Store) (bool, int64, error) {
			ok, err := s.Delete(ctx, []byte("nope"))
			return ok, 0, err
		}, result{value: "v", there: true}},
		{"incr a new key", func(s Store) (bool, int64, error) {
			n, err := s.Incr(ctx, []byte("c"), 5, 0)
			return true, n, err
		}, result{ok: true, n: 5, value: "v", there: true}},
		{"incr a non-integer", func(s Store) (bool, int64, error) {
			n, err := s.Incr(ctx, []byte("k"), 1, 0)
			return false, n, err
		}, result{err: ErrNotInteger, value: "v", there: true}},
		{"incr past int64", func(s Store) (bool, int64, error) {
			if err := s.Set(ctx, []byte("k"), []byte(strconv.FormatInt(1<<63-1, 10)), 0); err != nil {
				return false, 0, err
			}
			n, err := s.Incr(ctx, []byte("k"), 1, 0)
			return false, n, err
		}, result{err: ErrNotInteger, value: "9223372036854775807", there: true}},
		{"incr an integer set", func(s Store) (bool, int64, error) {
			if err := s.Set(ctx, []byte("k"), []byte("-12"), 0); err != nil {
				return false, 0, err
			}
			n, err := s.Incr(ctx, []byte("k"), 2, 0)
			return true, n, err
		}, result{ok: true, n: -10, value: "-10", there: true}},
		{"key too large", func(s Store) (bool, int64, error) {
			return false, 0, s.Set(ctx, make([]byte, DefaultMaxKey+1), nil, 0)
		}, result{err: ErrTooLarge, value: "v", there: true}},
		{"value too large", func(s Store) (bool, int64, error) {
			return false, 0, s.Set(ctx, []byte("k"), make([]byte, DefaultMaxValue+1), 0)
		}, result{err: ErrTooLarge, value: "v", there: true}},
		{"largest value", func(s Store) (bool, int64, error) {
			return true, 0, s.Set(ctx, []byte("k"), make([]byte, DefaultMaxValue), 0)
		}, result{ok: true, value: string(make([]byte, DefaultMaxValue)), there: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newStore(t)
			if err := m.Set(ctx, []byte("k"), []byte("v"), 0); err != nil {
				t.Fatal(err)
			}
			ok, n, err := tt.op(m)
			if !errors.Is(err, tt.want.err) || (tt.want.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tt.want.err)
			}
			if err == nil && (ok != tt.want.ok || n != tt.want.n) {
				t.Fatalf("got (%v, %d), want (%v, %d)", ok, n, tt.want.ok, tt.want.n)
			}
			if v, there := get(t, m, "k"); there != tt.want.there || v != tt.want.value {
				t.Fatalf("k is (%.20q, %v) after, want (%.20q, %v)", v, there, tt.want.value, tt.want.there)
			}
		})
	}
}

// TestMemoryTTL: an entry ends at its TTL, an increment's TTL starts with
// the window's first count and is not extended by the rest, and a Set
// without a TTL makes the entry last.
func TestMemoryTTL(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	if err := m.Set(ctx, []byte("k"), []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second - 1)
	if _, ok := get(t, m, "k"); !ok {
		t.Fatal("gone before its TTL")
	}
	clock.advance(1)
	if _, ok := get(t, m, "k"); ok {
		t.Fatal("still there at its TTL")
	}

	for i := int64(1); i <= 3; i++ {
		n, err := m.Incr(ctx, []byte("window"), 1, time.Minute)
		if err != nil || n != i {
			t.Fatalf("count %d: %d, %v", i, n, err)
		}
		clock.advance(20 * time.Second)
	}
	// 60 s after the first count: a new window.
	if n, err := m.Incr(ctx, []byte("window"), 1, time.Minute); err != nil || n != 1 {
		t.Fatalf("the window did not end at its TTL: %d, %v", n, err)
	}

	if ok, _ := m.SetIfAbsent(ctx, []byte("nonce"), []byte("1"), time.Second); !ok {
		t.Fatal("claim refused")
	}
	clock.advance(time.Second)
	if ok, _ := m.SetIfAbsent(ctx, []byte("nonce"), []byte("2"), 0); !ok {
		t.Fatal("an expired claim still held the key")
	}
	clock.advance(time.Hour)
	if v, ok := get(t, m, "nonce"); !ok || v != "2" {
		t.Fatalf("a write without a TTL ended: %q, %v", v, ok)
	}
	if st := m.Stats(); st.Expired != 3 {
		t.Fatalf("expired %d, want 3 (k, window, nonce)", st.Expired)
	}
}

// TestMemoryBound: writes far past the bound keep the store within it,
// evicting the least recently used of what they sample, never the entry
// being written; a key touched all along survives.
func TestMemoryBound(t *testing.T) {
	const maxBytes = 64 << 10
	m, clock := newTestMemory(t, MemoryConfig{MaxBytes: maxBytes, Limits: Limits{MaxKey: 64, MaxValue: 256}})
	value := make([]byte, 200)
	if err := m.Set(ctx, []byte("hot"), value, 0); err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		clock.advance(time.Millisecond)
		if err := m.Set(ctx, fmt.Appendf(nil, "key-%d", i), value, 0); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := m.Get(ctx, []byte("hot"), nil); !ok {
			t.Fatalf("the hot key was evicted after %d writes", i)
		}
		if st := m.Stats(); st.Bytes > maxBytes {
			t.Fatalf("%d bytes held after %d writes, bound %d", st.Bytes, i, maxBytes)
		}
	}
	st := m.Stats()
	if st.Evicted == 0 || st.Entries < 100 {
		t.Fatalf("stats %+v: want evictions and a store still mostly full", st)
	}
	if v, ok := get(t, m, "key-4999"); !ok || len(v) != len(value) {
		t.Fatal("the last write was evicted")
	}
}

// TestMemorySweep: expired entries nobody reads again are let go by
// later writes to their shard (one shard here: a bound of 7,000 bytes
// makes one). A sweep samples, so whether one entry goes is chance; that
// 40 are all still there after 600 sweeps of 8 of 60 is not (p < 1e-30).
func TestMemorySweep(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{MaxBytes: 7000, Limits: Limits{MaxKey: 64, MaxValue: 64}})
	if len(m.shards) != 1 {
		t.Fatalf("%d shards, want 1", len(m.shards))
	}
	for i := range 40 {
		if err := m.Set(ctx, fmt.Appendf(nil, "old-%d", i), []byte("x"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	clock.advance(time.Second)
	for i := range 10000 {
		if err := m.Set(ctx, fmt.Appendf(nil, "new-%d", i%20), []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if st := m.Stats(); st.Entries != 20 || st.Expired != 40 || st.Evicted != 0 {
		t.Fatalf("stats %+v: want the 40 expired entries swept, 20 left, none evicted", st)
	}
}

func TestMemoryConfigErrors(t *testing.T) {
	for _, cfg := range []MemoryConfig{
		{MaxBytes: 1000},
		{MaxBytes: -1},
		{Limits: Limits{MaxKey: -1}},
	} {
		if _, err := NewMemory(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestMemoryConcurrentIncr: increments from many goroutines on a few keys
// lose none and count none twice.
func TestMemoryConcurrentIncr(t *testing.T) {
	m, err := NewMemory(MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, each, keys = 8, 2000, 4
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if _, err := m.Incr(ctx, fmt.Appendf(nil, "c%d", (g+i)%keys), 1, time.Hour); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var sum int64
	for k := range keys {
		v, _ := get(t, m, fmt.Sprintf("c%d", k))
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	if sum != goroutines*each {
		t.Fatalf("sum %d, want %d", sum, goroutines*each)
	}
}

func TestShardIsOneCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(shard{}); n != 64 {
		t.Fatalf("a shard is %d bytes, want 64", n)
	}
}

func TestParseInt(t *testing.T) {
	for _, s := range []string{"0", "7", "-7", "9223372036854775807", "-9223372036854775808"} {
		n, ok := parseInt([]byte(s))
		if want, _ := strconv.ParseInt(s, 10, 64); !ok || n != want {
			t.Errorf("parseInt(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1e3", "0x10"} {
		if n, ok := parseInt([]byte(s)); ok {
			t.Errorf("parseInt(%q) = %d, want refused", s, n)
		}
	}
}

// FuzzParseInt: parseInt accepts exactly the canonical decimal int64s,
// those that strconv.FormatInt writes.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "12", "01", "9223372036854775808", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseInt([]byte(s))
		want, err := strconv.ParseInt(s, 10, 64)
		canonical := err == nil && strconv.FormatInt(want, 10) == s
		if ok != canonical || (ok && n != want) {
			t.Fatalf("parseInt(%q) = %d, %v; strconv: %d, %v, canonical %v", s, n, ok, want, err, canonical)
		}
	})
}

// BenchmarkMemoryIncr is the rate-limit primitive on a key that exists:
// the host side of one counted request.
func BenchmarkMemoryIncr(b *testing.B) {
	m, err := NewMemory(MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("ratelimit:203.0.113.7:window")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Incr(ctx, key, 1, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryIncrParallel is the same from every core, each on its
// own key, as clients of different addresses.
func BenchmarkMemoryIncrParallel(b *testing.B) {
	m, err := NewMemory(MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var next sync.Mutex
	id := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		key := fmt.Appendf(nil, "ratelimit:client-%d", id)
		id++
		next.Unlock()
		for pb.Next() {
			if _, err := m.Incr(ctx, key, 1, time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkMemoryGet(b *testing.B) {
	m, err := NewMemory(MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("session:0123456789abcdef")
	if err := m.Set(ctx, key, make([]byte, 128), time.Hour); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := m.Get(ctx, key, buf[:0]); !ok {
			b.Fatal("missing")
		}
	}
}
