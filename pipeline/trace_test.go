package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/hostabi"
)

// tracedServer serves chain behind otelhttp, as Caddy's tracing directive
// does, with a tracer provider of its own (never the global one) whose
// spans the recorder keeps.
type tracedServer struct {
	srv      *httptest.Server
	rec      *tracetest.SpanRecorder
	observed *spanLog
}

// spanLog is an Observer that keeps the span contexts it is given.
type spanLog struct {
	mu    sync.Mutex
	spans []trace.SpanContext
}

func (l *spanLog) FilterCall(_ int, _ Phase, _ Outcome, _ time.Duration, sc trace.SpanContext) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spans = append(l.spans, sc)
}

func (l *spanLog) list() []trace.SpanContext {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]trace.SpanContext(nil), l.spans...)
}

func newTracedServer(t *testing.T, stages []Stage) *tracedServer {
	t.Helper()
	ts := &tracedServer{rec: tracetest.NewSpanRecorder(), observed: &spanLog{}}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(ts.rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	chain := New(stages, Options{Name: "traced", Observer: ts.observed})
	ts.srv = httptest.NewServer(otelhttp.NewHandler(chain.Middleware(&upstream{}), "server",
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(op string, _ *http.Request) string { return op })))
	t.Cleanup(ts.srv.Close)
	return ts
}

// The client's trace: every span of the request must be in it.
const (
	clientTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientParent = "00f067aa0ba902b7"
	traceparent  = "00-" + clientTrace + "-" + clientParent + "-01"
)

func (ts *tracedServer) get(t *testing.T, header map[string]string) int {
	t.Helper()
	code, _ := ts.getBody(t, header)
	return code
}

func (ts *tracedServer) getBody(t *testing.T, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+"/", nil)
	req.Header.Set("Traceparent", traceparent)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// spans returns the ended spans by name, and fails unless every one is in
// the client's trace. The server's span ends after the handler returns,
// which may be after the client has the response: it waits for it, under
// a guard that only a hang meets.
func (ts *tracedServer) spans(t *testing.T) map[string][]sdktrace.ReadOnlySpan {
	t.Helper()
	var ended []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		ended = ts.rec.Ended()
		if len(ended) > 0 && ended[len(ended)-1].Name() == "server" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's span did not end; %d spans ended", len(ended))
		}
	}
	out := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		if got := s.SpanContext().TraceID().String(); got != clientTrace {
			t.Errorf("span %s is in trace %s, not the client's", s.Name(), got)
		}
		out[s.Name()] = append(out[s.Name()], s)
	}
	return out
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// TestTraceSpans: a traced request gets the chain's span under the
// server's, and under the chain's a span per filter call in both phases,
// with the call's attributes; the observer gets each call's span.
func TestTraceSpans(t *testing.T) {
	t.Parallel()
	stages := loadStages(t, nil, stageSpec{config: `{"response": true}`}, stageSpec{})
	ts := newTracedServer(t, stages)
	for i, cold := range []bool{true, false} {
		ts.rec.Reset()
		if code := ts.get(t, nil); code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, code)
		}
		spans := ts.spans(t)
		server, chain, calls := spans["server"], spans[ChainSpanName], spans[FilterSpanName]
		if len(server) != 1 || len(chain) != 1 || len(calls) != 3 {
			t.Fatalf("request %d: %d server, %d chain, %d filter spans; want 1, 1, 3", i, len(server), len(chain), len(calls))
		}
		if chain[0].Parent().SpanID() != server[0].SpanContext().SpanID() {
			t.Errorf("the chain's span is not a child of the server's")
		}
		if got := attrs(chain[0])[AttrChain].AsString(); got != "traced" {
			t.Errorf("chain span: chain %q", got)
		}
		var seen []string
		for _, s := range calls {
			if s.Parent().SpanID() != chain[0].SpanContext().SpanID() {
				t.Errorf("a filter span is not a child of the chain's")
			}
			a := attrs(s)
			name, phase := a[AttrFilter].AsString(), a[AttrPhase].AsString()
			seen = append(seen, name+":"+phase)
			f := stages[0].Filter
			if name == stages[1].Filter.Name() {
				f = stages[1].Filter
			}
			// The hook's instance is the request call's: only the
			// first request phase call of each filter made one.
			wantCold := cold && phase == "request"
			switch {
			case a[AttrChain].AsString() != "traced":
				t.Errorf("%s: chain %q", name, a[AttrChain].AsString())
			case a[AttrOutcome].AsString() != "continue":
				t.Errorf("%s: outcome %q", name, a[AttrOutcome].AsString())
			case a[AttrModule].AsString() != f.ModuleHash() || len(f.ModuleHash()) != 16:
				t.Errorf("%s: module %q, want %q", name, a[AttrModule].AsString(), f.ModuleHash())
			case a[AttrColdStart].AsBool() != wantCold:
				t.Errorf("request %d, %s %s: cold start %v, want %v", i, name, phase, a[AttrColdStart].AsBool(), wantCold)
			case s.Status().Code != codes.Unset:
				t.Errorf("%s: status %v", name, s.Status())
			}
			if _, ok := a[AttrStatus]; ok {
				t.Errorf("%s continued but has a status attribute", name)
			}
		}
		want := "probe0:request,probe1:request,probe0:response"
		if got := strings.Join(seen, ","); got != want {
			t.Errorf("filter spans in order of ending: %s, want %s", got, want)
		}
		observed := ts.observed.list()[3*i:]
		for j, sc := range observed {
			if sc.SpanID() != calls[j].SpanContext().SpanID() || !sc.IsSampled() {
				t.Errorf("observer's call %d: span %v, want the call's %v", j, sc.SpanID(), calls[j].SpanContext().SpanID())
			}
		}
	}
}

// TestTraceFailure: a failed call's span has an error status that names
// the outcome and nothing the guest said; so has the chain's.
func TestTraceFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op, arg string
		status  int
		outcome string
		code    codes.Code
	}{
		{"panic", "", 500, "trap", codes.Error},
		{"bad-action", "", 500, "bad_action", codes.Error},
		{"respond", "418", 418, "respond", codes.Unset},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			ts := newTracedServer(t, loadStages(t, nil, stageSpec{}))
			if code := ts.get(t, op(tc.op, tc.arg)); code != tc.status {
				t.Fatalf("status %d, want %d", code, tc.status)
			}
			spans := ts.spans(t)
			calls, chain := spans[FilterSpanName], spans[ChainSpanName]
			if len(calls) != 1 || len(chain) != 1 {
				t.Fatalf("%d filter spans, %d chain spans", len(calls), len(chain))
			}
			s := calls[0]
			a := attrs(s)
			if a[AttrOutcome].AsString() != tc.outcome {
				t.Errorf("outcome %q, want %q", a[AttrOutcome].AsString(), tc.outcome)
			}
			if s.Status().Code != tc.code || chain[0].Status().Code != tc.code {
				t.Errorf("status: call %v, chain %v; want %v", s.Status(), chain[0].Status(), tc.code)
			}
			if tc.code == codes.Error && (s.Status().Description != tc.outcome || chain[0].Status().Description != tc.outcome) {
				t.Errorf("error descriptions %q and %q, want %q", s.Status().Description, chain[0].Status().Description, tc.outcome)
			}
			if got, ok := a[AttrStatus]; tc.outcome == "respond" && (!ok || got.AsInt64() != 418) {
				t.Errorf("answered call: status attribute %v", got)
			}
			if len(s.Events()) != 0 {
				t.Errorf("events %v: a span carries no guest data", s.Events())
			}
			for _, kv := range s.Attributes() {
				if strings.Contains(kv.Value.Emit(), "purpose") {
					t.Errorf("attribute %s = %q holds the guest's words", kv.Key, kv.Value.Emit())
				}
			}
		})
	}
}

// TestUntracedAddsNothing: without a recording span in the request's
// context (none at all, or a remote one that is not recorded here), the
// chain makes no span, hands the observer no span context, and its
// Serve allocates what the filter call alone does.
func TestUntracedAddsNothing(t *testing.T) {
	f := loadGuest(t, "readset", guest(t, readsetGuest), "", 1, 0)
	c := New([]Stage{{Filter: f}}, Options{Observer: &spanLog{}})
	w := &discardWriter{h: http.Header{}}
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{
		{"no span", context.Background()},
		{"remote span", trace.ContextWithRemoteSpanContext(context.Background(), remote)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := benchRequest().WithContext(tc.ctx)
			ex := &Exchange{req: r, maxBody: hostabi.DefaultMaxBodyBytes}
			call := testing.AllocsPerRun(100, func() {
				delete(r.Header, "X-Out")
				if _, err := f.Call(tc.ctx, hostabi.PhaseRequest, ex); err != nil {
					t.Fatal(err)
				}
			})
			serve := testing.AllocsPerRun(100, func() {
				delete(r.Header, "X-Out")
				if err := c.Serve(w, r, next, nil); err != nil {
					t.Fatal(err)
				}
			})
			if serve != call {
				t.Errorf("Serve allocates %v times, the call alone %v", serve, call)
			}
			for _, sc := range c.observer.(*spanLog).list() {
				if sc.IsValid() {
					t.Fatalf("the observer got span %v for an untraced call", sc)
				}
			}
		})
	}
}

// TestTraceContextForGuests: trace_context_get gives a traced call its
// own span as the parent, in the client's trace; an untraced request
// has none.
func TestTraceContextForGuests(t *testing.T) {
	t.Parallel()
	stages := loadStages(t, nil, stageSpec{})
	ts := newTracedServer(t, stages)
	code, body := ts.getBody(t, op("traceparent", ""))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	calls := ts.spans(t)[FilterSpanName]
	if len(calls) != 1 {
		t.Fatalf("%d filter spans", len(calls))
	}
	want := "00-" + clientTrace + "-" + calls[0].SpanContext().SpanID().String() + "-01"
	if body != want {
		t.Errorf("traced: the guest got %q, want %q", body, want)
	}

	untraced := httptest.NewServer(New(stages, Options{}).Middleware(&upstream{}))
	t.Cleanup(untraced.Close)
	req, _ := http.NewRequest(http.MethodGet, untraced.URL+"/", nil)
	for k, v := range op("traceparent", "") {
		req.Header.Set(k, v)
	}
	req.Header.Set("Traceparent", traceparent) // no tracing server takes it
	resp, err := untraced.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "none" {
		t.Errorf("untraced: the guest got %q, want none", b)
	}
}

// TestTraceLogs: with TraceLogs, a guest's log line is also an event of
// its call's span; without, the span has none. The line is logged either
// way.
func TestTraceLogs(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("trace_logs %v", on), func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zap.InfoLevel)
			ts := newTracedServer(t, loadStages(t, zap.New(core), stageSpec{traceLogs: on}))
			if code := ts.get(t, op("log", "hi")); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if n := logs.FilterMessage("probe says hi").Len(); n != 1 {
				t.Errorf("%d log lines, want 1", n)
			}
			calls := ts.spans(t)[FilterSpanName]
			if len(calls) != 1 {
				t.Fatalf("%d filter spans", len(calls))
			}
			events := calls[0].Events()
			if !on {
				if len(events) != 0 {
					t.Fatalf("events %v with trace_logs off", events)
				}
				return
			}
			if len(events) != 1 || events[0].Name != LogEventName {
				t.Fatalf("events %v, want one %s", events, LogEventName)
			}
			got := map[attribute.Key]string{}
			for _, kv := range events[0].Attributes {
				got[kv.Key] = kv.Value.AsString()
			}
			if got[AttrLogLevel] != "warn" || got[AttrLogMessage] != "probe says hi" {
				t.Errorf("event attributes %v", got)
			}
		})
	}
}

// BenchmarkChain1Traced is BenchmarkChain1 under a recording span: the
// chain's span and the call's, made by the SDK with no exporter, so the
// difference is what tracing costs the chain.
func BenchmarkChain1Traced(b *testing.B) {
	c := New([]Stage{{Filter: loadReadset(b, "readset")}}, Options{Name: "bench"})
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("bench").Start(context.Background(), "server")
	defer span.End()
	r := benchRequest().WithContext(ctx)
	w := &discardWriter{h: http.Header{}}
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		delete(r.Header, "X-Out")
		if err := c.Serve(w, r, next, nil); err != nil {
			b.Fatal(err)
		}
	}
	if r.Header.Get("X-Out") != "some-value-1234" {
		b.Fatal("the chain did not set X-Out")
	}
}
