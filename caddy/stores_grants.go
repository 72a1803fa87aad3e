package gojinn

import (
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/hostabi/host"
)

// Store metrics, at the host functions' call sites: by store, operation
// and outcome, and the time the store took. Package-level like the
// filters' (metrics.go), so that counts survive reloads.
var (
	storeCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gojinn",
		Name:      "store_calls_total",
		Help:      "Key-value store operations filters made, by store, operation and outcome (ok, refused, unavailable).",
	}, []string{"store", "op", "outcome"})
	storeDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gojinn",
		Name:      "store_call_duration_seconds",
		Help:      "Time one key-value store operation took, host-side: a memory store's lock, a Redis round trip.",
		// From 100 ns (a memory increment) to about 6.5 s, past any
		// sensible Redis timeout.
		Buckets: prometheus.ExponentialBuckets(1e-7, 4, 12),
	}, []string{"store", "op"})
)

// storeMetrics feeds one store's operations to the metrics
// (host.KVObserver), every series looked up once.
type storeMetrics struct {
	calls    [host.NumKVOps][host.NumKVOutcomes]prometheus.Counter
	duration [host.NumKVOps]prometheus.Observer
}

func newStoreMetrics(store string) *storeMetrics {
	m := &storeMetrics{}
	for op := range host.NumKVOps {
		for o := range host.NumKVOutcomes {
			m.calls[op][o] = storeCalls.WithLabelValues(store, op.String(), o.String())
		}
		m.duration[op] = storeDuration.WithLabelValues(store, op.String())
	}
	return m
}

// KVCall implements host.KVObserver.
func (m *storeMetrics) KVCall(op host.KVOp, outcome host.KVOutcome, d time.Duration) {
	if op < host.NumKVOps && outcome < host.NumKVOutcomes {
		m.calls[op][outcome].Inc()
		m.duration[op].Observe(d.Seconds())
	}
}

// grantedStores is what a filter's `stores` grants it, from the gojinn
// app of ctx's config: each name must be a store the app has.
func grantedStores(ctx caddy.Context, filter string, names []string) (host.KVStores, error) {
	if len(names) == 0 {
		return nil, nil
	}
	v, err := ctx.App("gojinn")
	if err != nil {
		return nil, fmt.Errorf("filter %s: stores: %w", filter, err)
	}
	app := v.(*App)
	register(ctx.GetMetricsRegistry(), storeCalls)
	register(ctx.GetMetricsRegistry(), storeDuration)
	out := make(host.KVStores, len(names))
	for _, name := range names {
		s := app.stores[name]
		if s == nil {
			return nil, fmt.Errorf("filter %s: store %q is not configured (the gojinn global option's stores: %s)",
				filter, name, app.storeNames())
		}
		out[name] = &host.KVStore{Name: name, Store: s.store, FailOpen: s.failOpen, Observer: s.metrics}
	}
	return out, nil
}
