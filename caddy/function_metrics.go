package gojinn

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/functions"
)

// A function request's outcome, as the metrics label it: the function
// answered (ok), or why Gojinn answered for it.
type functionOutcome int

const (
	fnOK             functionOutcome = iota // the function's own response
	fnContract                              // output that breaks the contract (502)
	fnExit                                  // an exit with a non-zero code (502)
	fnTrap                                  // a trap (502)
	fnMemoryLimit                           // the memory limit (502)
	fnOutputTooLarge                        // stdout over max_output (502)
	fnTimeout                               // the time limit (504)
	fnBusy                                  // no instance in time, or unloaded (503)
	fnBodyTooLarge                          // the request body over max_body (413)
	fnBodyRead                              // the request body could not be read (400)
	numFunctionOutcomes
)

var functionOutcomeNames = [numFunctionOutcomes]string{
	"ok", "contract", "exit", "trap", "memory_limit", "output_too_large", "timeout", "busy", "body_too_large", "body_read",
}

func (o functionOutcome) String() string { return functionOutcomeNames[o] }

// functionOutcomeOf classifies what Handler.Serve returned.
func functionOutcomeOf(err error) functionOutcome {
	var ce *filters.CallError
	switch {
	case err == nil:
		return fnOK
	case errors.Is(err, functions.ErrContract):
		return fnContract
	case errors.Is(err, functions.ErrBodyTooLarge):
		return fnBodyTooLarge
	case errors.Is(err, functions.ErrBodyRead):
		return fnBodyRead
	case errors.Is(err, filters.ErrTimeout):
		return fnTimeout
	case errors.Is(err, filters.ErrBusy), errors.Is(err, filters.ErrClosed):
		return fnBusy
	case errors.Is(err, filters.ErrMemoryLimit):
		return fnMemoryLimit
	case errors.Is(err, filters.ErrOutputTooLarge):
		return fnOutputTooLarge
	case errors.As(err, &ce):
		if _, exited := ce.ExitCode(); exited {
			return fnExit
		}
	}
	return fnTrap
}

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
	requests [numFunctionOutcomes]prometheus.Counter
	duration prometheus.Observer
}

func newFunctionMetrics(reg *prometheus.Registry, h *functions.Handler) *functionMetrics {
	if reg != nil {
		for _, c := range []prometheus.Collector{functionRequests, functionDuration, functionPools} {
			register(reg, c)
		}
	}
	m := &functionMetrics{handler: h, duration: functionDuration.WithLabelValues(h.Name())}
	for o := range functionOutcome(numFunctionOutcomes) {
		m.requests[o] = functionRequests.WithLabelValues(h.Name(), o.String())
	}
	functionPools.add(m)
	return m
}

func (m *functionMetrics) served(err error, d time.Duration) {
	m.requests[functionOutcomeOf(err)].Inc()
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
