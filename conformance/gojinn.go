package conformance

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/pipeline"
)

// Gojinn is Host for this repository's own runtime: filters.Engine and
// pipeline.Chain, as net/http middleware.
type Gojinn struct {
	Engine *filters.Engine
	// Logger receives the filters' logs; nil logs at info and above to
	// nowhere, which is what the log_enabled cases expect.
	Logger *zap.Logger
	// Observer, when set, is told of every filter call, so that fault
	// tests can check the kind of each failure.
	Observer pipeline.Observer
}

// Load implements Host.
func (g *Gojinn) Load(fs []Filter, next http.Handler) (http.Handler, func(), error) {
	ctx := context.Background()
	logger := g.Logger
	if logger == nil {
		logger = infoLogger()
	}
	var stages []pipeline.Stage
	release := func() {
		for _, s := range stages {
			s.Filter.Close(ctx)
		}
	}
	stores := caseStores()
	for _, f := range fs {
		lf, err := g.Engine.Load(ctx, filters.Config{
			Name:        f.Name,
			Wasm:        f.Wasm,
			GuestConfig: f.Config,
			Timeout:     f.Timeout,
			MemoryLimit: f.MemoryLimit,
			PoolMax:     f.PoolMax,
			PoolWait:    f.PoolWait,
			Logger:      logger,
			KVStores:    stores,
		})
		if err != nil {
			release()
			return nil, nil, err
		}
		stages = append(stages, pipeline.Stage{Filter: lf})
	}
	chain := pipeline.New(stages, pipeline.Options{Logger: logger, Observer: g.Observer})
	return withTraceContext(chain.Middleware(next)), release, nil
}

// withTraceContext gives a request that carries a W3C traceparent its
// trace, as a tracing server in front of the chain would. The context is
// remote: nothing here records spans, so the chain records none either
// and its guests see the client's traceparent as sent.
func withTraceContext(h http.Handler) http.Handler {
	var tc propagation.TraceContext
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ctx := tc.Extract(r.Context(), propagation.HeaderCarrier(r.Header)); trace.SpanContextFromContext(ctx).IsValid() {
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	})
}

// Outcomes is a pipeline.Observer that counts the outcome of every call.
type Outcomes struct {
	mu    sync.Mutex
	count map[pipeline.Outcome]int
	last  pipeline.Outcome
}

// FilterCall implements pipeline.Observer.
func (o *Outcomes) FilterCall(_ int, _ pipeline.Phase, out pipeline.Outcome, _ time.Duration, _ trace.SpanContext) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.count == nil {
		o.count = make(map[pipeline.Outcome]int)
	}
	o.count[out]++
	o.last = out
}

// Last is the outcome of the latest call.
func (o *Outcomes) Last() pipeline.Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Counts returns a copy of the counts so far.
func (o *Outcomes) Counts() map[pipeline.Outcome]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := make(map[pipeline.Outcome]int, len(o.count))
	for k, v := range o.count {
		c[k] = v
	}
	return c
}
