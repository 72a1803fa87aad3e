package proxywasm

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

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
