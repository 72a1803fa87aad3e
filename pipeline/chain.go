package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Policy is what a chain does when a filter fails.
type Policy uint8

const (
	// Block answers the request with an error status: 500 for a trap or
	// a bad action, 503 when the filter is busy, 504 when it timed out.
	// It is the default, because a security filter that fails open is a
	// hole.
	Block Policy = iota
	// Allow skips the failed filter and goes on, logging the failure.
	Allow
)

// Stage is one filter in a chain with its error policy.
type Stage struct {
	Filter  *filters.Filter
	OnError Policy
}

// Outcome is how a filter call ended, for metrics.
type Outcome string

const (
	OutcomeContinue Outcome = "continue"
	OutcomeRespond  Outcome = "respond"
	OutcomeTrap     Outcome = "trap"
	OutcomeTimeout  Outcome = "timeout"
	OutcomeBusy     Outcome = "busy"
	OutcomeMemory   Outcome = "memory_limit"
	OutcomeAction   Outcome = "bad_action"
	OutcomeClosed   Outcome = "closed"
)

// Observer is told of every filter call, by the stage's index in the
// chain; nil observes nothing. Caddy's module feeds its metrics from it.
type Observer interface {
	FilterCall(stage int, phase host.Phase, outcome Outcome, d time.Duration)
}

// Outcomes lists every Outcome, for hosts that prepare a metric for each.
var Outcomes = []Outcome{OutcomeContinue, OutcomeRespond, OutcomeTrap, OutcomeTimeout,
	OutcomeBusy, OutcomeMemory, OutcomeAction, OutcomeClosed}

// Chain runs an ordered list of filters over each request. Build it with
// New; it is safe for concurrent use and holds no per-request state.
type Chain struct {
	stages   []Stage
	maxBody  int64
	logger   *zap.Logger
	observer Observer
}

// Options configures a Chain.
type Options struct {
	// MaxBodyBytes bounds a body a filter reads or writes; zero means
	// hostabi.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	Logger       *zap.Logger
	Observer     Observer
}

// New returns a chain of stages, run in order.
func New(stages []Stage, opts Options) *Chain {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = hostabi.DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Chain{stages: stages, maxBody: opts.MaxBodyBytes, logger: opts.Logger, observer: opts.Observer}
}

// Next is the rest of the route: the handler a chain passes a request on
// to. It has Caddy's shape so that the Caddy module adds nothing.
type Next func(http.ResponseWriter, *http.Request) error

// Serve runs the chain on r. A filter that answers writes its response
// and Serve returns nil without calling next. A failure under the Block
// policy writes nothing and returns a *Failure, so that the host decides
// how errors look (Caddy's handle_errors, or writeFailure in Middleware).
// Otherwise Serve returns what next returns. visit, when not nil, sees the
// Exchange when the request phase ends (before next, or before a filter's
// answer or failure goes out), so a host can expose the chain's variables.
func (c *Chain) Serve(w http.ResponseWriter, r *http.Request, next Next, visit func(*Exchange)) error {
	ex := newExchange(r, c.maxBody)
	defer ex.release()
	ctx := r.Context()
	hooks, bodyHooks := false, false
	for i := range c.stages {
		s := &c.stages[i]
		action, err := c.call(ctx, i, host.PhaseRequest, ex)
		if err != nil {
			if s.OnError == Allow {
				continue
			}
			if visit != nil {
				visit(ex)
			}
			return &Failure{Status: StatusFor(err), Err: err}
		}
		if action == hostabi.ActionRespond {
			// The host sees the variables of an answered request too:
			// a WAF's request id belongs in the access log of the 403.
			if visit != nil {
				visit(ex)
			}
			ex.writeResponse(w, r)
			return nil
		}
		// Only a filter whose request phase continued sees the response.
		if s.Filter.HasResponse() {
			ex.hooked = append(ex.hooked, i)
			hooks = true
			bodyHooks = bodyHooks || s.Filter.Features()&hostabi.FeatureResponseBody != 0
		}
	}
	if visit != nil {
		visit(ex)
	}
	if !hooks || isUpgrade(r) {
		return next(w, ex.req)
	}
	return c.serveWithHooks(w, ex, next, bodyHooks)
}

// Middleware returns the chain as net/http middleware around next. An
// error from next cannot be returned in net/http; there is none to return.
func (c *Chain) Middleware(next http.Handler) http.Handler {
	n := func(w http.ResponseWriter, r *http.Request) error {
		next.ServeHTTP(w, r)
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := c.Serve(w, r, n, nil).(*Failure); ok {
			writeFailure(w, r, f.Status)
		}
	})
}

func (c *Chain) call(ctx context.Context, i int, phase host.Phase, ex *Exchange) (hostabi.Action, error) {
	s := &c.stages[i]
	var start time.Time
	if c.observer != nil {
		start = time.Now()
	}
	action, err := s.Filter.Call(ctx, phase, ex)
	if c.observer != nil {
		c.observer.FilterCall(i, phase, outcomeOf(action, err), time.Since(start))
	}
	if err != nil && s.OnError == Allow {
		c.logger.Warn("filter failed; skipped by its on_error allow policy",
			zap.String("filter", s.Filter.Name()), zap.Error(err))
	}
	return action, err
}

func outcomeOf(a hostabi.Action, err error) Outcome {
	switch {
	case err == nil && a == hostabi.ActionRespond:
		return OutcomeRespond
	case err == nil:
		return OutcomeContinue
	case errors.Is(err, filters.ErrTimeout):
		return OutcomeTimeout
	case errors.Is(err, filters.ErrBusy):
		return OutcomeBusy
	case errors.Is(err, filters.ErrMemoryLimit):
		return OutcomeMemory
	case errors.Is(err, filters.ErrBadAction):
		return OutcomeAction
	case errors.Is(err, filters.ErrClosed):
		return OutcomeClosed
	}
	return OutcomeTrap
}

// StatusFor is the status a Block policy answers a failure with.
func StatusFor(err error) int {
	switch {
	case errors.Is(err, filters.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, filters.ErrBusy), errors.Is(err, filters.ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Failure is a filter failure under the Block policy: the status to answer
// with and the filter's error (a *filters.CallError), which is for logs,
// not for the client.
type Failure struct {
	Status int
	Err    error
}

func (f *Failure) Error() string { return f.Err.Error() }

func (f *Failure) Unwrap() error { return f.Err }

// writeFailure answers a failed filter. The body says what class of
// failure it was and nothing more: traps and stacks go to the log.
func writeFailure(w http.ResponseWriter, r *http.Request, code int) {
	body := failureBodies[code]
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

var failureBodies = map[int][]byte{
	http.StatusInternalServerError: []byte("filter error\n"),
	http.StatusServiceUnavailable:  []byte("filter busy, try again\n"),
	http.StatusGatewayTimeout:      []byte("filter timed out\n"),
}

// writeResponse sends the response a filter built.
func (e *Exchange) writeResponse(w http.ResponseWriter, r *http.Request) {
	code := e.status
	if code == 0 {
		code = http.StatusOK
	}
	h := w.Header()
	for k, vs := range e.respHeader {
		h[k] = vs
	}
	// The host owns framing: the length is the body's, whatever a guest set.
	h.Del("Transfer-Encoding")
	withBody := bodyAllowed(code)
	if withBody {
		h.Set("Content-Length", strconv.Itoa(len(e.respBody)))
	} else {
		h.Del("Content-Length")
	}
	w.WriteHeader(code)
	if withBody && r.Method != http.MethodHead && len(e.respBody) > 0 {
		_, _ = w.Write(e.respBody)
	}
}
