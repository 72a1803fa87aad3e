package proxywasm

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// SharedData is the Proxy-Wasm shared key-value store
// (proxy_get_shared_data, proxy_set_shared_data): in-process, shared by
// every instance of every filter that holds it, with the ABI's
// compare-and-swap: each key has a version, returned by Get, and a Set
// with a non-zero cas succeeds only when it is still the key's version.
// It is safe for concurrent use.
type SharedData struct {
	mu      sync.Mutex
	entries map[string]sharedEntry
	bytes   int
	limit   int
}

type sharedEntry struct {
	value []byte
	cas   uint32
}

// NewSharedData returns an empty store holding at most limit bytes of
// keys and values; a set past it answers StatusInternalFailure.
func NewSharedData(limit int) *SharedData {
	return &SharedData{entries: make(map[string]sharedEntry), limit: limit}
}

// Get returns a copy of key's value appended to dst and its version.
func (s *SharedData) Get(dst []byte, key []byte) ([]byte, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[string(key)]
	if !ok {
		return dst, 0, false
	}
	return append(dst, e.value...), e.cas, true
}

// Set stores value under key when cas is 0 or the key's version, and
// returns StatusOK, StatusCASMismatch or, past the store's limit,
// StatusInternalFailure. value is copied.
func (s *SharedData) Set(key, value []byte, cas uint32) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[string(key)]
	if cas != 0 && (!ok || e.cas != cas) {
		// A key not there has no version a guest could have read.
		return StatusCASMismatch
	}
	grow := len(value) - len(e.value)
	if !ok {
		grow += len(key)
	}
	if s.bytes+grow > s.limit {
		return StatusInternalFailure
	}
	s.bytes += grow
	next := e.cas + 1
	if next == 0 {
		next = 1 // 0 means "no check"
	}
	s.entries[string(key)] = sharedEntry{value: append([]byte(nil), value...), cas: next}
	return StatusOK
}

// Metrics are the metrics Proxy-Wasm guests define (proxy_define_metric
// and friends): in-process, shared by every instance of every filter that
// holds them, so that the same name from any instance (a restored one
// included) is the same metric with the same id. Caddy's Prometheus
// registry reads them through Each. It is safe for concurrent use.
type Metrics struct {
	mu    sync.RWMutex
	byID  []*Metric
	names map[string]uint32
	limit int
}

// Metric is one metric: a counter, a gauge, or a histogram (of which the
// host keeps the last value recorded and their count and sum).
type Metric struct {
	Name  string
	Type  MetricType
	value atomic.Int64
	count atomic.Uint64
	sum   atomic.Uint64
}

// Value is the metric's value: a counter's count, a gauge's level, a
// histogram's last value.
func (m *Metric) Value() int64 { return m.value.Load() }

// Observations are a histogram's count and sum of recorded values.
func (m *Metric) Observations() (count, sum uint64) { return m.count.Load(), m.sum.Load() }

// NewMetrics returns an empty set of at most limit metrics.
func NewMetrics(limit int) *Metrics { return &Metrics{names: make(map[string]uint32), limit: limit} }

// Define returns the id of the metric named name, defining it as kind
// when it is new. A name defined with another kind, an unknown kind, or a
// metric past the limit answers StatusBadArgument.
func (ms *Metrics) Define(kind MetricType, name []byte) (uint32, Status) {
	if kind > MetricHistogram {
		return 0, StatusBadArgument
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if id, ok := ms.names[string(name)]; ok {
		if ms.byID[id-1].Type != kind {
			return 0, StatusBadArgument
		}
		return id, StatusOK
	}
	if len(ms.byID) >= ms.limit {
		return 0, StatusBadArgument
	}
	m := &Metric{Name: string(name), Type: kind}
	ms.byID = append(ms.byID, m)
	id := uint32(len(ms.byID)) // ids start at 1: 0 is no metric
	ms.names[m.Name] = id
	return id, StatusOK
}

func (ms *Metrics) get(id uint32) *Metric {
	ms.mu.RLock()
	defer ms.mu.RUnlock()
	if id == 0 || int(id) > len(ms.byID) {
		return nil
	}
	return ms.byID[id-1]
}

// Increment adds delta to a counter or gauge; a counter cannot go down,
// and a histogram is recorded, not incremented.
func (ms *Metrics) Increment(id uint32, delta int64) Status {
	m := ms.get(id)
	switch {
	case m == nil:
		return StatusNotFound
	case m.Type == MetricHistogram, m.Type == MetricCounter && delta < 0:
		return StatusBadArgument
	}
	m.value.Add(delta)
	return StatusOK
}

// Record sets a gauge or counter to v, or records v in a histogram.
func (ms *Metrics) Record(id uint32, v uint64) Status {
	m := ms.get(id)
	if m == nil {
		return StatusNotFound
	}
	if v > math.MaxInt64 {
		return StatusBadArgument
	}
	m.value.Store(int64(v))
	if m.Type == MetricHistogram {
		m.count.Add(1)
		m.sum.Add(v)
	}
	return StatusOK
}

// Get returns the metric's value.
func (ms *Metrics) Get(id uint32) (uint64, Status) {
	m := ms.get(id)
	if m == nil {
		return 0, StatusNotFound
	}
	return uint64(m.value.Load()), StatusOK
}

// Each calls fn for every metric, in name order.
func (ms *Metrics) Each(fn func(*Metric)) {
	ms.mu.RLock()
	all := append([]*Metric(nil), ms.byID...)
	ms.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	for _, m := range all {
		fn(m)
	}
}
