package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
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

// Phase is the part of an exchange a filter call serves.
type Phase uint8

const (
	// PhaseRequest: the request on its way in (gojinn_on_request).
	PhaseRequest Phase = iota
	// PhaseResponse: the response on its way out (gojinn_on_response).
	PhaseResponse
	// NumPhases counts the phases, for hosts that keep a metric per phase.
	NumPhases = 2
)

// String is the phase's name as logs and metrics spell it.
func (p Phase) String() string { return p.abi().String() }

func (p Phase) abi() hostabi.Phase {
	if p == PhaseResponse {
		return hostabi.PhaseResponse
	}
	return hostabi.PhaseRequest
}

// Outcome is how a filter call ended, for metrics. Outcomes are small
// integers from 0 to NumOutcomes-1, so that a host can keep a counter per
// outcome in an array.
type Outcome uint8

const (
	OutcomeContinue Outcome = iota
	OutcomeRespond
	OutcomeTrap
	OutcomeTimeout
	OutcomeBusy
	OutcomeMemory
	OutcomeAction
	OutcomeClosed
	// OutcomeStore: a store the filter called failed closed.
	OutcomeStore
	// NumOutcomes counts the outcomes.
	NumOutcomes = 9
)

var outcomeNames = [NumOutcomes]string{
	OutcomeContinue: "continue",
	OutcomeRespond:  "respond",
	OutcomeTrap:     "trap",
	OutcomeTimeout:  "timeout",
	OutcomeBusy:     "busy",
	OutcomeMemory:   "memory_limit",
	OutcomeAction:   "bad_action",
	OutcomeClosed:   "closed",
	OutcomeStore:    "store_unavailable",
}

// String is the outcome's name as metrics spell it.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Observer is told of every filter call, by the stage's index in the
// chain; nil observes nothing. Caddy's module feeds its metrics from it.
// span is the call's span context when the chain traced the call (see
// trace.go), the zero SpanContext otherwise: a sampled one is what a
// metric's exemplar points to.
type Observer interface {
	FilterCall(stage int, phase Phase, outcome Outcome, d time.Duration, span trace.SpanContext)
}

// Chain runs an ordered list of filters over each request. Build it with
// New; it is safe for concurrent use and holds no per-request state.
type Chain struct {
	name        string
	stages      []Stage
	maxBody     int64
	bodyTimeout time.Duration
	// readBodyAt is the first stage whose filter declared it reads the
	// request body: the chain reads the body before calling it.
	// len(stages) when none did.
	readBodyAt int
	logger     *zap.Logger
	observer   Observer
	server     host.ServerValues
	// exchanges are this chain's own: an Exchange keeps the names of the
	// variables its chain sets (see Exchange.vars), which another chain
	// would not set.
	exchanges sync.Pool
}

// Options configures a Chain.
type Options struct {
	// MaxBodyBytes bounds a body a filter reads or writes; zero means
	// hostabi.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// BodyTimeout bounds the time the chain waits for a request body it
	// reads ahead for a filter that declared hostabi.FeatureRequestBody;
	// zero means DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Name names the chain in its spans.
	Name     string
	Logger   *zap.Logger
	Observer Observer
	// ServerValues answers the values of a request its server knows
	// beyond HTTP (host.Exchange's ServerValue); nil knows none.
	ServerValues host.ServerValues
}

// New returns a chain of stages, run in order.
func New(stages []Stage, opts Options) *Chain {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = hostabi.DefaultMaxBodyBytes
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	c := &Chain{name: opts.Name, stages: stages, maxBody: opts.MaxBodyBytes, bodyTimeout: opts.BodyTimeout,
		readBodyAt: len(stages), logger: opts.Logger, observer: opts.Observer, server: opts.ServerValues}
	for i, s := range stages {
		if s.Filter.Features()&hostabi.FeatureRequestBody != 0 {
			c.readBodyAt = i
			break
		}
	}
	c.exchanges.New = func() any { return new(Exchange) }
	return c
}

// Next is the rest of the route: the handler a chain passes a request on
// to. It has Caddy's shape so that the Caddy module adds nothing.
type Next func(http.ResponseWriter, *http.Request) error

// Serve runs the chain on r, a server's request (net/http's meaning of
// its fields: a ContentLength of 0 is no body). A filter that answers
// writes its response and Serve returns nil without calling next. A
// failure under the Block policy, or a request body the chain refused
// (see readBodyAhead), writes nothing and returns a *Failure, so that the
// host decides how errors look (Caddy's handle_errors, or writeFailure in
// Middleware). Otherwise Serve returns what next returns. visit, when not
// nil, sees the Exchange when the request phase ends (before next, or
// before a filter's answer or failure goes out), so a host can expose the
// chain's variables. When r's span records, the chain traces the request
// under it (see trace.go).
func (c *Chain) Serve(w http.ResponseWriter, r *http.Request, next Next, visit func(*Exchange)) error {
	ex := c.exchanges.Get().(*Exchange)
	ex.req, ex.maxBody, ex.server = r, c.maxBody, c.server
	defer func() {
		ex.reset()
		c.exchanges.Put(ex)
	}()
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return c.serve(w, ex, next, visit)
	}
	c.startTrace(ex, span)
	err := c.serve(w, ex, next, visit)
	ex.trace.end(err)
	return err
}

func (c *Chain) serve(w http.ResponseWriter, ex *Exchange, next Next, visit func(*Exchange)) error {
	r := ex.req
	ctx := r.Context()
	hooks, bodyHooks := false, false
	// One clock read per call: each call's end is the next one's start.
	now := filters.Now()
	ex.started = now
	for i := range c.stages {
		s := &c.stages[i]
		if i == c.readBodyAt {
			// Before the call takes an instance of the filter.
			if err := c.readBodyAhead(w, ex); err != nil {
				if visit != nil {
					visit(ex)
				}
				return err
			}
			now = filters.Now() // the read may have waited on the client
		}
		var action hostabi.Action
		var err error
		action, now, err = c.call(ctx, i, PhaseRequest, ex, now)
		if err != nil {
			if s.OnError == Allow {
				continue
			}
			if visit != nil {
				visit(ex)
			}
			return &Failure{Status: statusFor(err), Err: err}
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
	ex.carryResponseHeader(w)
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

// call runs stage i, started at start (a clock reading with nothing that
// blocks since), and returns when it ended. The observer's duration is
// the difference: timing costs no clock read of its own.
func (c *Chain) call(ctx context.Context, i int, phase Phase, ex *Exchange, start filters.Instant) (hostabi.Action, filters.Instant, error) {
	s := &c.stages[i]
	span := c.startCall(ex, i, phase)
	var info filters.CallInfo
	action, end, err := s.Filter.CallAt(ctx, phase.abi(), ex, start, &info)
	if span != nil {
		ex.endCall(span, outcomeOf(action, err), info)
	}
	if c.observer != nil {
		c.observer.FilterCall(i, phase, outcomeOf(action, err), end.Sub(start), spanContextOf(span))
	}
	if err != nil && s.OnError == Allow {
		c.logger.Warn("filter failed; skipped by its on_error allow policy",
			zap.String("filter", s.Filter.Name()), zap.Error(err))
		end = filters.Now() // the next call's start: logging may have blocked
	}
	return action, end, err
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
	case errors.Is(err, filters.ErrStoreUnavailable):
		return OutcomeStore
	}
	return OutcomeTrap
}

// statusFor is the status a Block policy answers a failure with.
func statusFor(err error) int {
	switch {
	case errors.Is(err, filters.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, filters.ErrBusy), errors.Is(err, filters.ErrClosed), errors.Is(err, filters.ErrStoreUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Failure is a filter failure under the Block policy, or a request body
// the chain refused: the status to answer with and the error (a
// *filters.CallError, or one wrapping ErrBodyTooLarge, ErrBodyTimeout or
// ErrBodyRead), which is for logs, not for the client.
type Failure struct {
	Status int
	Err    error
}

func (f *Failure) Error() string { return f.Err.Error() }

func (f *Failure) Unwrap() error { return f.Err }

// writeFailure answers a failed filter or a refused body. The body says
// what class of failure it was and nothing more: traps and stacks go to
// the log.
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
	http.StatusInternalServerError:   []byte("filter error\n"),
	http.StatusServiceUnavailable:    []byte("filter busy, try again\n"),
	http.StatusGatewayTimeout:        []byte("filter timed out\n"),
	http.StatusBadRequest:            []byte("request body could not be read\n"),
	http.StatusRequestTimeout:        []byte("request body too slow\n"),
	http.StatusRequestEntityTooLarge: []byte("request body too large\n"),
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
