package gojinn

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/functions"
)

var (
	functionRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gojinn",
		Name:      "function_requests_total",
		Help:      "Requests to functions (the gojinn directive) by function and outcome: ok when the function answered, else why Gojinn answered for it.",
	}, []string{"function", "outcome"})
	functionDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gojinn",
		Name:      "function_request_duration_seconds",
		Help:      "Time to serve one request with a function: the body read, the wait for an instance, the run and the response.",
		// From 10 microseconds (a reactor's call) to 40 seconds (the
		// default time limit is 60s).
		Buckets: prometheus.ExponentialBuckets(1e-5, 4, 12),
	}, []string{"function"})
	functionPools         = &functionCollector{handlers: make(map[*functionMetrics]struct{})}
	functionInstancesDesc = prometheus.NewDesc("gojinn_function_instances",
		"A function's live instances by state (a command's instance serves one request, then goes).",
		[]string{"function", "state"}, nil)
)

// functionMetrics feeds one loaded function's requests to the metrics,
// its counters looked up once, at provision.
type functionMetrics struct {
	handler  *functions.Handler
	requests [functions.NumOutcomes]prometheus.Counter
	duration prometheus.Observer
}

func newFunctionMetrics(reg *prometheus.Registry, h *functions.Handler) *functionMetrics {
	if reg != nil {
		for _, c := range []prometheus.Collector{functionRequests, functionDuration, functionPools} {
			register(reg, c)
		}
	}
	m := &functionMetrics{handler: h, duration: functionDuration.WithLabelValues(h.Name())}
	for o := range functions.Outcome(functions.NumOutcomes) {
		m.requests[o] = functionRequests.WithLabelValues(h.Name(), o.String())
	}
	functionPools.add(m)
	return m
}

// served counts a request that Handler.Serve answered with err: nil, or
// the *functions.Failure it returns as it is.
func (m *functionMetrics) served(err error, d time.Duration) {
	outcome := functions.OutcomeOK
	if fl, ok := err.(*functions.Failure); ok {
		outcome = fl.Outcome
	}
	m.requests[outcome].Inc()
	m.duration.Observe(d.Seconds())
}

func (m *functionMetrics) unregister() { functionPools.remove(m) }

// functionCollector reports the instances of the functions loaded now;
// those of one name (two sites, or the old and new config of a reload)
// report their sum.
type functionCollector struct {
	mu       sync.Mutex
	handlers map[*functionMetrics]struct{}
}

func (p *functionCollector) add(m *functionMetrics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handlers[m] = struct{}{}
}

func (p *functionCollector) remove(m *functionMetrics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.handlers, m)
}

// Describe implements prometheus.Collector.
func (p *functionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- functionInstancesDesc }

// Collect implements prometheus.Collector.
func (p *functionCollector) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := make(map[string]filters.Stats)
	for m := range p.handlers {
		s, hs := seen[m.handler.Name()], m.handler.Stats()
		s.Live += hs.Live
		s.Busy += hs.Busy
		seen[m.handler.Name()] = s
	}
	for name, s := range seen {
		ch <- prometheus.MustNewConstMetric(functionInstancesDesc, prometheus.GaugeValue, float64(s.Busy), name, "busy")
		ch <- prometheus.MustNewConstMetric(functionInstancesDesc, prometheus.GaugeValue, float64(s.Live-s.Busy), name, "idle")
	}
}
