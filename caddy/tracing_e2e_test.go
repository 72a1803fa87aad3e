package gojinn

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/gojinn/gojinn/pipeline"
)

// otlpReceiver is an OTLP/HTTP trace receiver on loopback: it decodes
// what Caddy's exporter sends and keeps the spans.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	err   error // the first request it could not decode
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rcv := &otlpReceiver{}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(b, &req)
		}
		if err == nil && r.URL.Path != "/v1/traces" {
			err = fmt.Errorf("export to %s, want /v1/traces", r.URL.Path)
		}
		rcv.mu.Lock()
		if err != nil {
			if rcv.err == nil {
				rcv.err = err
			}
			rcv.mu.Unlock()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				rcv.spans = append(rcv.spans, ss.GetSpans()...)
			}
		}
		rcv.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rcv.Close)
	return rcv
}

// trace waits until the receiver holds want spans of the trace, under a
// guard that only a hang meets (the exporter sends a batch every 50 ms),
// and returns them.
func (rcv *otlpReceiver) trace(t *testing.T, traceID string, want int) []*tracepb.Span {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rcv.mu.Lock()
		var got []*tracepb.Span
		for _, s := range rcv.spans {
			if hex.EncodeToString(s.GetTraceId()) == traceID {
				got = append(got, s)
			}
		}
		err := rcv.err
		rcv.mu.Unlock()
		if err != nil {
			t.Fatalf("the receiver could not decode an export: %v", err)
		}
		if len(got) >= want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s: %d spans arrived, want %d", traceID, len(got), want)
		}
	}
}

func spanAttrs(s *tracepb.Span) map[string]string {
	m := map[string]string{}
	for _, kv := range s.GetAttributes() {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			m[kv.GetKey()] = v.GetStringValue()
		case v.GetIntValue() != 0:
			m[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		default:
			m[kv.GetKey()] = fmt.Sprint(v.GetBoolValue())
		}
	}
	return m
}

// TestCaddyTracing: with Caddy's tracing directive, a client's request
// carrying a traceparent yields, in the client's trace, Caddy's server
// span, the chain's span under it and a span per filter call in both
// phases under that; the upstream behind reverse_proxy gets the same
// trace; a trapping call's span has an error status and no guest data;
// trace_logs turns a filter's log line into an event; the call-duration
// histogram's exemplars carry the trace id.
func TestCaddyTracing(t *testing.T) {
	rcv := newOTLPReceiver(t)
	// Caddy's tracing module makes its exporter from the environment
	// (autoexport) when the first config with tracing is provisioned.
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rcv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")

	up := newUpstream(t)
	tc := newTester(t)
	tc.InitServer(fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	metrics
}
http://localhost:%d {
	tracing {
		span caddy_server
	}
	# Caddy's metrics handler, unlike the admin endpoint, speaks
	# OpenMetrics, the format that carries exemplars.
	handle /metrics {
		metrics
	}
	handle {
		gojinn_chain {
			name traced
			filter hello %s {
				%s
			}
			filter probe %s {
				config `+"`"+`{"response": true}`+"`"+`
				trace_logs
				%s
			}
		}
		reverse_proxy %s
	}
}
`, adminPort, caddyPort, caddyPort, helloWasm(t), patient, probeWasm(t), patient, strings.TrimPrefix(up.URL, "http://")), "caddyfile")

	const parent = "00f067aa0ba902b7"
	send := func(traceID string, header map[string]string) (int, string) {
		t.Helper()
		h := map[string]string{"Traceparent": "00-" + traceID + "-" + parent + "-01"}
		for k, v := range header {
			h[k] = v
		}
		code, body, _ := get(t, tc, "/items", h)
		return code, body
	}

	t.Run("spans", func(t *testing.T) {
		const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		code, body := send(traceID, nil)
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		var s seen
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("upstream answer %q: %v", body, err)
		}
		if tp := strings.Join(s.Header["Traceparent"], ","); !strings.HasPrefix(tp, "00-"+traceID+"-") {
			t.Errorf("the upstream got traceparent %q, not in the client's trace", tp)
		}
		// Caddy's, the chain's, hello's and probe's request calls,
		// probe's response call.
		spans := rcv.trace(t, traceID, 5)
		byName := map[string][]*tracepb.Span{}
		for _, sp := range spans {
			byName[sp.GetName()] = append(byName[sp.GetName()], sp)
		}
		server, chain, calls := byName["caddy_server"], byName[pipeline.ChainSpanName], byName[pipeline.FilterSpanName]
		if len(server) != 1 || len(chain) != 1 || len(calls) != 3 {
			t.Fatalf("%d server, %d chain, %d filter spans; want 1, 1, 3", len(server), len(chain), len(calls))
		}
		if got := hex.EncodeToString(server[0].GetParentSpanId()); got != parent {
			t.Errorf("Caddy's span has parent %s, want the client's %s", got, parent)
		}
		if !bytes.Equal(chain[0].GetParentSpanId(), server[0].GetSpanId()) {
			t.Error("the chain's span is not a child of Caddy's")
		}
		if spanAttrs(chain[0])["gojinn.chain"] != "traced" {
			t.Errorf("chain span attributes %v", spanAttrs(chain[0]))
		}
		var phases []string
		for _, c := range calls {
			if !bytes.Equal(c.GetParentSpanId(), chain[0].GetSpanId()) {
				t.Errorf("a filter span is not a child of the chain's")
			}
			a := spanAttrs(c)
			phases = append(phases, a["gojinn.filter"]+":"+a["gojinn.phase"])
			if a["gojinn.outcome"] != "continue" || len(a["gojinn.module.sha256"]) != 16 || a["gojinn.chain"] != "traced" {
				t.Errorf("filter span attributes %v", a)
			}
			if c.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
				t.Errorf("%s: error status on a call that continued", a["gojinn.filter"])
			}
		}
		if got, want := strings.Join(phases, ","), "hello:request,probe:request,probe:response"; got != want {
			t.Errorf("filter spans %s, want %s", got, want)
		}
	})

	t.Run("trap", func(t *testing.T) {
		const traceID = "0af7651916cd43dd8448eb211c80319c"
		if code, body := send(traceID, map[string]string{"X-Op": "panic"}); code != http.StatusInternalServerError {
			t.Fatalf("status %d: %s", code, body)
		}
		spans := rcv.trace(t, traceID, 4) // server, chain, hello, probe
		var probe *tracepb.Span
		for _, sp := range spans {
			if sp.GetName() == pipeline.FilterSpanName && spanAttrs(sp)["gojinn.filter"] == "probe" {
				probe = sp
			}
		}
		if probe == nil {
			t.Fatal("no span for the probe's call")
		}
		st := probe.GetStatus()
		if st.GetCode() != tracepb.Status_STATUS_CODE_ERROR || st.GetMessage() != "trap" {
			t.Errorf("trapped call's status %v, want an error named trap", st)
		}
		if a := spanAttrs(probe); a["gojinn.outcome"] != "trap" {
			t.Errorf("outcome %q", a["gojinn.outcome"])
		}
		if len(probe.GetEvents()) != 0 {
			t.Errorf("events %v on a trapped call", probe.GetEvents())
		}
		for _, kv := range probe.GetAttributes() {
			if strings.Contains(kv.GetValue().GetStringValue(), "purpose") {
				t.Errorf("attribute %s holds the guest's panic message", kv.GetKey())
			}
		}
	})

	t.Run("trace_logs", func(t *testing.T) {
		const traceID = "5b8efff798038103d269b633813fc60c"
		if code, body := send(traceID, map[string]string{"X-Op": "log", "X-Arg": "traced"}); code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		var events []*tracepb.Span_Event
		for _, sp := range rcv.trace(t, traceID, 4) {
			if spanAttrs(sp)["gojinn.filter"] == "probe" {
				events = sp.GetEvents()
			}
		}
		if len(events) != 1 || events[0].GetName() != pipeline.LogEventName {
			t.Fatalf("probe's events %v, want its log line", events)
		}
		got := map[string]string{}
		for _, kv := range events[0].GetAttributes() {
			got[kv.GetKey()] = kv.GetValue().GetStringValue()
		}
		if got["log.message"] != "probe says traced" || got["log.level"] != "warn" {
			t.Errorf("log event attributes %v", got)
		}
	})

	t.Run("exemplars", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://localhost:%d/metrics", caddyPort), nil)
		req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
		resp, err := tc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// A bucket keeps its latest exemplar: any of the traces sent.
		ours := []string{"4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c", "5b8efff798038103d269b633813fc60c"}
		found := 0
		for line := range strings.Lines(string(b)) {
			if !strings.HasPrefix(line, "gojinn_filter_call_duration_seconds_bucket{") || !strings.Contains(line, `chain="traced"`) {
				continue
			}
			_, exemplar, ok := strings.Cut(line, " # ")
			if !ok {
				continue
			}
			for _, id := range ours {
				if strings.Contains(exemplar, `trace_id="`+id+`"`) && strings.Contains(exemplar, `span_id="`) {
					found++
				}
			}
			if !strings.Contains(exemplar, `trace_id="`) {
				t.Errorf("exemplar without a trace id: %s", line)
			}
		}
		if found == 0 {
			t.Errorf("no duration bucket of the chain has an exemplar in the requests' traces (status %d, %s):\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	})
}
