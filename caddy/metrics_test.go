package gojinn

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// TestDurationExemplars: a call in a sampled trace leaves its trace and
// span ids on the duration histogram; an untraced or unsampled one
// leaves none.
func TestDurationExemplars(t *testing.T) {
	f := filtertest.Load(t, filters.Config{Name: "hello", Path: helloWasm(t), Timeout: filtertest.PatientTimeout})
	reg := prometheus.NewRegistry()
	m := newChainMetrics(reg, "exemplars-test", []*filters.Filter{f})
	t.Cleanup(m.unregister)
	sampled := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0xab, 1}, SpanID: trace.SpanID{0xcd, 2}, TraceFlags: trace.FlagsSampled,
	})
	unsampled := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{3}, SpanID: trace.SpanID{4}})
	for _, tc := range []struct {
		name  string
		phase pipeline.Phase
		span  trace.SpanContext
		want  map[string]string // the exemplar's labels; nil for none
	}{
		{"untraced", pipeline.PhaseRequest, trace.SpanContext{}, nil},
		{"unsampled", pipeline.PhaseRequest, unsampled, nil},
		{"sampled", pipeline.PhaseResponse, sampled, map[string]string{
			"trace_id": sampled.TraceID().String(), "span_id": sampled.SpanID().String(),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.FilterCall(0, tc.phase, pipeline.OutcomeContinue, 3*time.Microsecond, tc.span)
			got := exemplars(t, reg, tc.phase.String())
			switch {
			case tc.want == nil && len(got) != 0:
				t.Fatalf("exemplars %v, want none", got)
			case tc.want != nil && len(got) != 1:
				t.Fatalf("exemplars %v, want one", got)
			case tc.want != nil:
				for k, v := range tc.want {
					if got[0][k] != v {
						t.Errorf("exemplar label %s = %q, want %q", k, got[0][k], v)
					}
				}
			}
		})
	}
}

// exemplars gathers the labels of the exemplars in the chain's duration
// buckets for one phase.
func exemplars(t *testing.T, reg *prometheus.Registry, phase string) []map[string]string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, mf := range mfs {
		if mf.GetName() != "gojinn_filter_call_duration_seconds" {
			continue
		}
		for _, metric := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["chain"] != "exemplars-test" || labels["phase"] != phase {
				continue
			}
			for _, b := range metric.GetHistogram().GetBucket() {
				if e := b.GetExemplar(); e != nil {
					el := map[string]string{}
					for _, l := range e.GetLabel() {
						el[l.GetName()] = l.GetValue()
					}
					out = append(out, el)
				}
			}
		}
	}
	return out
}
