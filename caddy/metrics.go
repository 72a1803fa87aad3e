package gojinn

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/pipeline"
)

// Metrics are package-level, registered in Caddy's registry on every
// provision: their values survive config reloads, as a counter must.
var (
	filterCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gojinn",
		Name:      "filter_calls_total",
		Help:      "Filter calls by chain, filter, phase and outcome.",
	}, []string{"chain", "filter", "phase", "outcome"})
	filterDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gojinn",
		Name:      "filter_call_duration_seconds",
		Help:      "Time spent in one filter call, waiting for an instance included.",
		// From a microsecond, where a filter call is, to the one-second
		// default time limit.
		Buckets: prometheus.ExponentialBuckets(1e-6, 4, 11),
	}, []string{"chain", "filter", "phase"})
	instancesStarted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gojinn",
		Name:      "filter_instances_started_total",
		Help:      "Filter instances made, from scratch (the guest's runtime started and its configure ran) or restored from a snapshot.",
	}, []string{"chain", "filter", "from"})
	instanceStart = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gojinn",
		Name:      "filter_instance_start_seconds",
		Help:      "Time to make one filter instance: a cold start, when a request waits for it.",
		// From 10 microseconds (a small guest restored) to 10 seconds
		// (a large Go guest started from scratch under its 10x limit).
		Buckets: prometheus.ExponentialBuckets(1e-5, 4, 11),
	}, []string{"chain", "filter", "from"})
	pools = &poolCollector{chains: make(map[*chainMetrics]struct{})}
)

// instanceMetrics counts one filter's instances as they start
// (filters.Observer).
type instanceMetrics struct {
	started [2]prometheus.Counter // by restored: fresh, snapshot
	seconds [2]prometheus.Observer
}

func newInstanceMetrics(chain, filter string) *instanceMetrics {
	m := &instanceMetrics{}
	for i, from := range []string{"fresh", "snapshot"} {
		m.started[i] = instancesStarted.WithLabelValues(chain, filter, from)
		m.seconds[i] = instanceStart.WithLabelValues(chain, filter, from)
	}
	return m
}

// InstanceStarted implements filters.Observer.
func (m *instanceMetrics) InstanceStarted(restored bool, d time.Duration) {
	i := 0
	if restored {
		i = 1
	}
	m.started[i].Inc()
	m.seconds[i].Observe(d.Seconds())
}

// chainMetrics feeds one chain's calls to the metrics. The counters and
// histograms of every stage, phase and outcome are looked up once, at
// provision, so that a call costs array indexes and an atomic add.
type chainMetrics struct {
	name     string
	filters  []*filters.Filter
	calls    [][pipeline.NumPhases][pipeline.NumOutcomes]prometheus.Counter
	duration [][pipeline.NumPhases]durationObserver
}

// durationObserver is a call-duration histogram, which takes exemplars.
type durationObserver interface {
	prometheus.Observer
	prometheus.ExemplarObserver
}

func newChainMetrics(reg *prometheus.Registry, chain string, fs []*filters.Filter) *chainMetrics {
	if reg != nil {
		for _, c := range []prometheus.Collector{filterCalls, filterDuration, instancesStarted, instanceStart, pools} {
			register(reg, c)
		}
	}
	m := &chainMetrics{
		name:     chain,
		filters:  fs,
		calls:    make([][pipeline.NumPhases][pipeline.NumOutcomes]prometheus.Counter, len(fs)),
		duration: make([][pipeline.NumPhases]durationObserver, len(fs)),
	}
	for i, f := range fs {
		for p := range pipeline.Phase(pipeline.NumPhases) {
			for o := range pipeline.Outcome(pipeline.NumOutcomes) {
				m.calls[i][p][o] = filterCalls.WithLabelValues(chain, f.Name(), p.String(), o.String())
			}
			// A histogram observes exemplars too.
			m.duration[i][p] = filterDuration.WithLabelValues(chain, f.Name(), p.String()).(durationObserver)
		}
	}
	pools.add(m)
	return m
}

// register adds c to reg unless an earlier config did.
func register(reg *prometheus.Registry, c prometheus.Collector) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if err != nil && !errors.As(err, &already) {
		// The collectors are fixed and valid: a failure here is a bug.
		panic(err)
	}
}

// FilterCall implements pipeline.Observer. A call the chain traced in a
// sampled trace leaves its trace and span ids as the duration's exemplar,
// so that a slow bucket leads to a trace that shows why.
func (m *chainMetrics) FilterCall(stage int, phase pipeline.Phase, outcome pipeline.Outcome, d time.Duration, span trace.SpanContext) {
	m.calls[stage][phase][outcome].Inc()
	if span.IsSampled() {
		m.duration[stage][phase].ObserveWithExemplar(d.Seconds(), prometheus.Labels{
			"trace_id": span.TraceID().String(),
			"span_id":  span.SpanID().String(),
		})
		return
	}
	m.duration[stage][phase].Observe(d.Seconds())
}

func (m *chainMetrics) unregister() { pools.remove(m) }

// poolCollector reports the instance pools of the chains loaded now.
// Pools belong to a config and go with it; their gauges go too.
type poolCollector struct {
	mu     sync.Mutex
	chains map[*chainMetrics]struct{}
}

var (
	instancesDesc = prometheus.NewDesc("gojinn_filter_instances",
		"Filter instances by state: busy serving a call, or idle in the pool.",
		[]string{"chain", "filter", "state"}, nil)
	poolWaitsDesc = prometheus.NewDesc("gojinn_filter_pool_waits_total",
		"Calls that found no free instance and had to wait, since the filter was loaded.",
		[]string{"chain", "filter"}, nil)
	reapedDesc = prometheus.NewDesc("gojinn_filter_instances_reaped_total",
		"Idle instances closed by the idle timeout, since the filter was loaded.",
		[]string{"chain", "filter"}, nil)
	snapshotDesc = prometheus.NewDesc("gojinn_filter_snapshot_bytes",
		"The snapshot instances are restored from: its memory's size (mapped), and what of it the host holds (resident, shared by every instance and every filter restored from it).",
		[]string{"chain", "filter", "memory"}, nil)
)

func (p *poolCollector) add(m *chainMetrics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.chains[m] = struct{}{}
}

func (p *poolCollector) remove(m *chainMetrics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.chains, m)
}

// Describe implements prometheus.Collector.
func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- instancesDesc
	ch <- poolWaitsDesc
	ch <- reapedDesc
	ch <- snapshotDesc
}

// Collect implements prometheus.Collector. Chains that share a name (the
// default name is their filters' names, so two sites with the same chain
// do) and the old and new chains of a reload report their sum: a gauge
// per label set must count every instance under it.
func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	defer p.mu.Unlock()
	type key struct{ chain, filter string }
	seen := make(map[key]filters.Stats)
	for m := range p.chains {
		for _, f := range m.filters {
			k := key{m.name, f.Name()}
			s, fs := seen[k], f.Stats()
			s.Live += fs.Live
			s.Busy += fs.Busy
			s.Waits += fs.Waits
			s.Reaped += fs.Reaped
			// Filters of one name in chains of one name share their
			// snapshot (same module and config) or each hold one.
			s.SnapshotBytes = max(s.SnapshotBytes, fs.SnapshotBytes)
			s.SnapshotResident = max(s.SnapshotResident, fs.SnapshotResident)
			seen[k] = s
		}
	}
	for k, s := range seen {
		ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(s.Busy), k.chain, k.filter, "busy")
		ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(s.Live-s.Busy), k.chain, k.filter, "idle")
		ch <- prometheus.MustNewConstMetric(poolWaitsDesc, prometheus.CounterValue, float64(s.Waits), k.chain, k.filter)
		ch <- prometheus.MustNewConstMetric(reapedDesc, prometheus.CounterValue, float64(s.Reaped), k.chain, k.filter)
		if s.SnapshotBytes > 0 {
			ch <- prometheus.MustNewConstMetric(snapshotDesc, prometheus.GaugeValue, float64(s.SnapshotBytes), k.chain, k.filter, "mapped")
			ch <- prometheus.MustNewConstMetric(snapshotDesc, prometheus.GaugeValue, float64(s.SnapshotResident), k.chain, k.filter, "resident")
		}
	}
}
