package conformance

import (
	"net/http"

	"github.com/gojinn/gojinn/hostabi"
)

// The trace context. A case's request is traced when it carries a W3C
// traceparent header: the host takes the request's trace from it, as a
// tracing server in front of the chain would. The suite's hosts record no
// span of their own, so the guest gets the client's traceparent as it
// was sent (see Host).
func traceCases() []Case {
	const (
		sampled   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
	)
	traced := func(tp string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Traceparent", tp) }
	}
	return []Case{
		{Func: hostabi.FuncTraceContextGet, Name: "untraced", Script: "trace_context_get 64", Want: "-1"},
		{Func: hostabi.FuncTraceContextGet, Name: "traced", Script: "trace_context_get 55",
			Request: traced(sampled), Want: Data(sampled)},
		{Func: hostabi.FuncTraceContextGet, Name: "not sampled", Script: "trace_context_get 55",
			Request: traced(unsampled), Want: Data(unsampled)},
		{Func: hostabi.FuncTraceContextGet, Name: "too small, then retried", Script: Script("trace_context_get 8", "trace_context_get 55"),
			Request: traced(sampled), Want: Report("55", Data(sampled))},
		{Func: hostabi.FuncTraceContextGet, Name: "zero limit", Script: "trace_context_get 0",
			Request: traced(sampled), Want: "55"},
		{Func: hostabi.FuncTraceContextGet, Name: "malformed traceparent is no trace", Script: "trace_context_get 64",
			Request: traced("00-xyz-00f067aa0ba902b7-01"), Want: "-1"},
		{Func: hostabi.FuncTraceContextGet, Name: "zero trace id is no trace", Script: "trace_context_get 64",
			Request: traced("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), Want: "-1"},
		{Func: hostabi.FuncTraceContextGet, Name: "response phase", Script: Script("continue", "response trace_context_get 55"),
			Request: traced(sampled), Continues: true, ResponseWant: Data(sampled)},
		{Func: hostabi.FuncTraceContextGet, Name: "configure phase", Script: "configure trace_context_get 64", Want: "-4"},
	}
}
