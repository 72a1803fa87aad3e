package pipeline

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojinn/gojinn/filters"
)

// Tracing. A chain makes spans only when the request arrives with a span
// that records (Caddy's tracing directive, or any otelhttp handler in
// front): a span for the chain, a child of the request's, and under it a
// span per filter call, in both phases. The spans come from the request
// span's own TracerProvider, so they go wherever the server's go, and the
// chain has no provider, exporter or configuration of its own; the
// process's global provider is never used (Caddy does not register one).
// When the request's span does not record, the chain does nothing of
// this: no tracer, no span, no context, no allocation.

// TracerName is the instrumentation scope of the chain's spans.
const TracerName = "github.com/gojinn/gojinn/pipeline"

// The spans' names.
const (
	ChainSpanName  = "gojinn_chain"
	FilterSpanName = "gojinn.filter"
)

// The spans' attributes. A filter call's span never carries guest data:
// its outcome says how it ended, the guest's messages go to the log (or,
// with the filter's TraceLogs, become events of the span).
const (
	AttrChain     = attribute.Key("gojinn.chain")
	AttrFilter    = attribute.Key("gojinn.filter")
	AttrPhase     = attribute.Key("gojinn.phase")
	AttrOutcome   = attribute.Key("gojinn.outcome")
	AttrModule    = attribute.Key("gojinn.module.sha256")
	AttrColdStart = attribute.Key("gojinn.cold_start")
	// AttrStatus is the status a filter answered with (OpenTelemetry's
	// name for a response status), only on calls that answered.
	AttrStatus = attribute.Key("http.response.status_code")
	// AttrLogLevel and AttrLogMessage are the attributes of a guest log
	// call's span event (see TraceLog).
	AttrLogLevel   = attribute.Key("log.level")
	AttrLogMessage = attribute.Key("log.message")
)

// LogEventName is the name of the span event a guest log call becomes.
const LogEventName = "gojinn.log"

// exchangeTrace is an Exchange's tracing state; its zero value is an
// untraced request.
type exchangeTrace struct {
	tracer trace.Tracer // nil: the request is not traced
	// ctx carries the chain's span: the parent of the filter calls'.
	ctx   context.Context
	chain trace.Span
	// call is the span of the filter call in progress, for the guest's
	// trace_context_get and log events.
	call trace.Span
}

// startTrace opens the chain's span under the request's span, which
// records.
func (c *Chain) startTrace(ex *Exchange, parent trace.Span) {
	t := &ex.trace
	t.tracer = parent.TracerProvider().Tracer(TracerName)
	t.ctx, t.chain = t.tracer.Start(ex.req.Context(), ChainSpanName,
		trace.WithAttributes(AttrChain.String(c.name)))
}

// endTrace closes the chain's span; a failure the chain answered with is
// its error status.
func (t *exchangeTrace) end(err error) {
	// Serve returns a *Failure as it is: a type assertion finds it
	// without errors.As's allocation on every traced request.
	if f, ok := err.(*Failure); ok {
		var ce *filters.CallError
		if errors.As(f.Err, &ce) {
			t.chain.SetStatus(codes.Error, outcomeOf(0, ce).String())
		} else {
			t.chain.SetStatus(codes.Error, http.StatusText(f.Status))
		}
	}
	t.chain.End()
}

// startCall opens the span of stage i's call; it returns nil, and does
// nothing, when the request is not traced.
func (c *Chain) startCall(ex *Exchange, i int, phase Phase) trace.Span {
	t := &ex.trace
	if t.tracer == nil {
		return nil
	}
	f := c.stages[i].Filter
	_, t.call = t.tracer.Start(t.ctx, FilterSpanName, trace.WithAttributes(
		AttrChain.String(c.name),
		AttrFilter.String(f.Name()),
		AttrPhase.String(phase.String()),
		AttrModule.String(f.ModuleHash()),
	))
	return t.call
}

// endCall closes a call's span with how the call ended. A failure is the
// span's error status, described by its outcome only: the error's text
// may hold the guest's own words (a panic's message).
func (ex *Exchange) endCall(span trace.Span, outcome Outcome, info filters.CallInfo) {
	attrs := [3]attribute.KeyValue{
		AttrOutcome.String(outcome.String()),
		AttrColdStart.Bool(info.ColdStart),
	}
	n := 2
	if outcome == OutcomeRespond {
		status := ex.status
		if status == 0 {
			status = http.StatusOK
		}
		attrs[n] = AttrStatus.Int(status)
		n++
	}
	span.SetAttributes(attrs[:n]...)
	if outcome != OutcomeContinue && outcome != OutcomeRespond {
		span.SetStatus(codes.Error, outcome.String())
	}
	span.End()
	ex.trace.call = nil
}

// spanContextOf is span's context, the zero one for no span.
func spanContextOf(span trace.Span) trace.SpanContext {
	if span == nil {
		return trace.SpanContext{}
	}
	return span.SpanContext()
}

// spanContext is the span context the current trace gives a filter call:
// its own span's when the chain records one, else the request's (valid
// but not sampled, say), else none.
func (ex *Exchange) spanContext() trace.SpanContext {
	if ex.trace.call != nil {
		return ex.trace.call.SpanContext()
	}
	return trace.SpanContextFromContext(ex.req.Context())
}

// AppendTraceParent implements host.Exchange: the traceparent of the
// filter call's span when the chain traces the request, else of the
// request's span context (valid but not recorded here, say), else none.
func (ex *Exchange) AppendTraceParent(dst []byte) ([]byte, bool) {
	sc := ex.spanContext()
	if !sc.IsValid() {
		return dst, false
	}
	return appendTraceParent(dst, sc), true
}

// TraceLog implements host.Exchange: a guest's log line becomes an event
// of the filter call's span, when there is one.
func (ex *Exchange) TraceLog(level string, msg []byte) {
	if ex.trace.call == nil {
		return
	}
	ex.trace.call.AddEvent(LogEventName, trace.WithAttributes(
		AttrLogLevel.String(level), AttrLogMessage.String(string(msg))))
}

// appendTraceParent appends sc as a W3C traceparent header value:
// version 00, trace id, parent (span) id, flags.
func appendTraceParent(dst []byte, sc trace.SpanContext) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	dst = append(dst, "00-"...)
	dst = hex.AppendEncode(dst, tid[:])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, sid[:])
	dst = append(dst, '-')
	return hex.AppendEncode(dst, []byte{byte(sc.TraceFlags())})
}
