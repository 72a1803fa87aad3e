package gojinn

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// proxyWasmCollector reports the metrics Proxy-Wasm filters define
// (proxy_define_metric), one family per kind, the guest's name as a
// label: a guest's names need not be valid Prometheus names, and two
// guests cannot collide with Gojinn's own metrics.
type proxyWasmCollector struct{ metrics *proxywasm.Metrics }

var (
	pwCounterDesc = prometheus.NewDesc("gojinn_proxywasm_counter_total",
		"Proxy-Wasm filters' counters (proxy_define_metric COUNTER), by the filter's name for it.", []string{"metric"}, nil)
	pwGaugeDesc = prometheus.NewDesc("gojinn_proxywasm_gauge",
		"Proxy-Wasm filters' gauges (proxy_define_metric GAUGE).", []string{"metric"}, nil)
	pwHistogramDesc = prometheus.NewDesc("gojinn_proxywasm_histogram",
		"Proxy-Wasm filters' histograms (proxy_define_metric HISTOGRAM): the count and sum of the values recorded.",
		[]string{"metric"}, nil)
)

// Describe implements prometheus.Collector.
func (c proxyWasmCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pwCounterDesc
	ch <- pwGaugeDesc
	ch <- pwHistogramDesc
}

// Collect implements prometheus.Collector.
func (c proxyWasmCollector) Collect(ch chan<- prometheus.Metric) {
	c.metrics.Each(func(m *proxywasm.Metric) {
		switch m.Type {
		case proxywasm.MetricCounter:
			ch <- prometheus.MustNewConstMetric(pwCounterDesc, prometheus.CounterValue, float64(m.Value()), m.Name)
		case proxywasm.MetricGauge:
			ch <- prometheus.MustNewConstMetric(pwGaugeDesc, prometheus.GaugeValue, float64(m.Value()), m.Name)
		case proxywasm.MetricHistogram:
			// The host keeps no buckets (the ABI gives it none): a
			// summary's count and sum, without quantiles.
			count, sum := m.Observations()
			ch <- prometheus.MustNewConstSummary(pwHistogramDesc, count, float64(sum), nil, m.Name)
		}
	})
}

// registerProxyWasmMetrics puts the engine's Proxy-Wasm metrics in reg
// (Caddy's registry), once: they are the engine's, which outlives
// configs.
func registerProxyWasmMetrics(reg *prometheus.Registry, m *proxywasm.Metrics) {
	if reg != nil {
		register(reg, proxyWasmCollector{metrics: m})
	}
}
