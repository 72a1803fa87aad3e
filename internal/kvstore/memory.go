package kvstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryConfig configures a Memory store.
type MemoryConfig struct {
	Limits
	// MaxBytes bounds what the store holds, keys and values and a fixed
	// overhead per entry counted; past it, writes evict (see Memory).
	// Zero means DefaultMaxBytes.
	MaxBytes int64
}

// DefaultMaxBytes is a memory store's bound when none is set.
const DefaultMaxBytes = 64 << 20

// entryOverhead is what an entry costs beyond its key and value: the map
// slot, the entry and the value's slice header, rounded up.
const entryOverhead = 96

// maxShards is how many locks a store spreads its keys over: enough that
// the cores of one machine seldom meet on one.
const maxShards = 64

// evictSample is how many entries an eviction looks at to choose one.
const evictSample = 8

// sweepEvery is how many writes to a shard pass between two looks for
// expired entries, so that a store nobody reads again still lets go of
// them without a goroutine of its own.
const sweepEvery = 16

// Memory is the in-process store: keys spread over shards, each a map
// under its own mutex, so that one operation is one short critical
// section and no goroutine runs between them (an idle store costs
// nothing). An expired entry is dropped when it is met, or by the sweep
// that every sixteenth write to a shard makes over a few entries.
//
// The bound is kept per shard (MaxBytes over the shard count): a write
// that takes a shard past it evicts first expired entries and then, of a
// sample of eight, the one used least recently, until the shard fits;
// the entry being written is never its own victim. Eviction is
// approximate LRU, as Redis's: a hot key survives, a cold one goes.
//
// A Memory store lives as long as its owner keeps it: the Caddy module
// keeps one per name across config reloads.
type Memory struct {
	limits Limits
	shards []shard
	mask   uint64
	seed   maphash.Seed
	clock  func() int64 // monotonic nanoseconds; never 0

	evicted atomic.Int64
	expired atomic.Int64
}

type shard struct {
	mu      sync.Mutex
	entries map[string]*entry
	bytes   int64
	max     int64
	writes  uint32
	// Pads a shard to 64 bytes, a cache line: shards lie side by side
	// and are locked by different cores.
	_ [24]byte
}

type entry struct {
	value   []byte
	expires int64 // clock time it ends, 0 never
	used    int64 // clock time of the last operation on it
}

var epoch = time.Now()

func monotonic() int64 { return int64(time.Since(epoch)) + 1 }

// NewMemory returns an empty store. It refuses a bound that could not
// hold one entry of the largest size in a shard.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	return newMemory(cfg, monotonic)
}

func newMemory(cfg MemoryConfig, clock func() int64) (*Memory, error) {
	lim := cfg.Limits.withDefaults()
	if lim.MaxKey < 0 || lim.MaxValue < 0 || cfg.MaxBytes < 0 {
		return nil, fmt.Errorf("memory store: limits cannot be negative")
	}
	maxBytes := cfg.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	largest := int64(lim.MaxKey + lim.MaxValue + entryOverhead)
	if maxBytes < largest {
		return nil, fmt.Errorf("memory store: max bytes %d cannot hold one entry of the largest size (%d bytes)", maxBytes, largest)
	}
	// As many shards as keep room for 16 of the largest entries each (at
	// least one), a power of two for the mask.
	n := min(maxShards, max(1, int(maxBytes/(16*largest))))
	n = 1 << (bits.Len(uint(n)) - 1)
	m := &Memory{
		limits: lim,
		shards: make([]shard, n),
		mask:   uint64(n - 1),
		seed:   maphash.MakeSeed(),
		clock:  clock,
	}
	for i := range m.shards {
		m.shards[i].entries = map[string]*entry{}
		m.shards[i].max = maxBytes / int64(n)
	}
	return m, nil
}

func (m *Memory) shard(key []byte) *shard {
	return &m.shards[maphash.Bytes(m.seed, key)&m.mask]
}

// live returns the key's entry unless it has expired, which it drops.
func (m *Memory) live(s *shard, key []byte, now int64) *entry {
	e := s.entries[string(key)]
	if e != nil && e.expires != 0 && e.expires <= now {
		m.remove(s, string(key), e)
		m.expired.Add(1)
		return nil
	}
	return e
}

func (m *Memory) remove(s *shard, key string, e *entry) {
	delete(s.entries, key)
	s.bytes -= size(key, e)
}

func size(key string, e *entry) int64 { return int64(len(key) + cap(e.value) + entryOverhead) }

func deadline(now int64, ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return now + int64(ttl)
}

// put writes value into e (a new entry when e is nil) under key, then
// keeps the shard within its bound.
func (m *Memory) put(s *shard, key []byte, e *entry, value []byte, expires, now int64) {
	if e == nil {
		k := string(key) // the map keeps it: the one copy of the key
		e = &entry{value: append(make([]byte, 0, len(value)), value...)}
		s.entries[k] = e
		s.bytes += size(k, e)
	} else {
		before := cap(e.value)
		e.value = append(e.value[:0], value...)
		s.bytes += int64(cap(e.value) - before)
	}
	e.expires, e.used = expires, now
	m.afterWrite(s, e, now)
}

// afterWrite sweeps now and then, and evicts while the shard is over its
// bound.
func (m *Memory) afterWrite(s *shard, keep *entry, now int64) {
	s.writes++
	if s.writes%sweepEvery == 0 {
		m.sweep(s, now)
	}
	for s.bytes > s.max {
		if !m.evictOne(s, keep, now) {
			return
		}
	}
}

// sweep drops the expired entries among a few (the map's iteration order
// is random, so each sweep looks somewhere else).
func (m *Memory) sweep(s *shard, now int64) {
	seen := 0
	for k, e := range s.entries {
		if e.expires != 0 && e.expires <= now {
			m.remove(s, k, e)
			m.expired.Add(1)
		}
		if seen++; seen == evictSample {
			return
		}
	}
}

// evictOne removes one entry other than keep: an expired one if the
// sample holds one, else the sample's least recently used. It reports
// false when keep is all the shard has.
func (m *Memory) evictOne(s *shard, keep *entry, now int64) bool {
	var victim *entry
	var victimKey string
	seen := 0
	for k, e := range s.entries {
		if e == keep {
			continue
		}
		if e.expires != 0 && e.expires <= now {
			m.remove(s, k, e)
			m.expired.Add(1)
			return true
		}
		if victim == nil || e.used < victim.used {
			victim, victimKey = e, k
		}
		if seen++; seen == evictSample {
			break
		}
	}
	if victim == nil {
		return false
	}
	m.remove(s, victimKey, victim)
	m.evicted.Add(1)
	return true
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, key, dst []byte) ([]byte, bool, error) {
	if err := m.limits.check(key, nil); err != nil {
		return dst, false, err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := m.live(s, key, now)
	if e == nil {
		return dst, false, nil
	}
	e.used = now
	return append(dst, e.value...), true, nil
}

// Set implements Store.
func (m *Memory) Set(_ context.Context, key, value []byte, ttl time.Duration) error {
	if err := m.limits.check(key, value); err != nil {
		return err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	m.put(s, key, m.live(s, key, now), value, deadline(now, ttl), now)
	return nil
}

// SetIfAbsent implements Store.
func (m *Memory) SetIfAbsent(_ context.Context, key, value []byte, ttl time.Duration) (bool, error) {
	if err := m.limits.check(key, value); err != nil {
		return false, err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := m.live(s, key, now); e != nil {
		e.used = now
		return false, nil
	}
	m.put(s, key, nil, value, deadline(now, ttl), now)
	return true, nil
}

// CompareAndSwap implements Store.
func (m *Memory) CompareAndSwap(_ context.Context, key, old, value []byte, ttl time.Duration) (bool, error) {
	if err := m.limits.check(key, value); err != nil {
		return false, err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := m.live(s, key, now)
	if e == nil || string(e.value) != string(old) {
		if e != nil {
			e.used = now
		}
		return false, nil
	}
	m.put(s, key, e, value, deadline(now, ttl), now)
	return true, nil
}

// Incr implements Store.
func (m *Memory) Incr(_ context.Context, key []byte, delta int64, ttl time.Duration) (int64, error) {
	if err := m.limits.check(key, nil); err != nil {
		return 0, err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := m.live(s, key, now)
	if e == nil {
		var buf [20]byte
		m.put(s, key, nil, strconv.AppendInt(buf[:0], delta, 10), deadline(now, ttl), now)
		return delta, nil
	}
	n, ok := parseInt(e.value)
	if !ok {
		return 0, fmt.Errorf("%w: the value under the key does not parse", ErrNotInteger)
	}
	if n, ok = addInt(n, delta); !ok {
		return 0, fmt.Errorf("%w: the sum overflows int64", ErrNotInteger)
	}
	before := cap(e.value)
	e.value = strconv.AppendInt(e.value[:0], n, 10)
	s.bytes += int64(cap(e.value) - before)
	e.used = now
	m.afterWrite(s, e, now)
	return n, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, key []byte) (bool, error) {
	if err := m.limits.check(key, nil); err != nil {
		return false, err
	}
	s := m.shard(key)
	now := m.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := m.live(s, key, now)
	if e == nil {
		return false, nil
	}
	delete(s.entries, string(key))
	s.bytes -= int64(len(key)) + int64(cap(e.value)) + entryOverhead
	return true, nil
}

// MemoryStats is a moment's count of a Memory store.
type MemoryStats struct {
	// Entries and Bytes are what the store holds (expired entries not
	// yet dropped included); Evicted and Expired count entries dropped
	// for room and for age since the store was made.
	Entries, Bytes   int64
	Evicted, Expired int64
}

// Stats counts the store. It locks each shard in turn.
func (m *Memory) Stats() MemoryStats {
	var st MemoryStats
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		st.Entries += int64(len(s.entries))
		st.Bytes += s.bytes
		s.mu.Unlock()
	}
	st.Evicted, st.Expired = m.evicted.Load(), m.expired.Load()
	return st
}

var _ Store = (*Memory)(nil)
