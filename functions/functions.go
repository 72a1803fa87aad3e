// Package functions serves HTTP requests with WebAssembly functions
// written to the original Gojinn's contract: the function reads one JSON
// object on stdin,
//
//	{"method": "POST", "uri": "/api/contact?id=123", "headers": {"Content-Type": ["application/json"]}, "body": "<the body>"}
//
// (with "trace_id", the traceparent header, when the request has one),
// and writes one on stdout:
//
//	{"status": 200, "headers": {"Content-Type": ["application/json"]}, "body": "<the body>"}
//
// A function in any language is a WASI command (its _start runs once
// per request, on an instance of its own) or, built with the Go SDK
// (hostabi/function), a reactor (its handler is called once per request,
// on a pooled instance that started once): the fast path. Both get the
// same bytes, the same limits and the same errors. Package filters runs
// the modules; this package builds the request, checks the response and
// answers the client.
//
// A broken function fails its request and nothing else: output that
// breaks the contract, an exit with an error, a trap, a memory limit or
// output over its limit answer 502 Bad Gateway, a time-out 504, a body
// over the limit 413, no free instance 503. The reason goes to the log,
// never to the client.
package functions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// Defaults for the zero values of Config. Time and memory are the
// original Gojinn's (60 s; its memory was unlimited, and 128 MB what it
// recommended for Go functions): a function that ran there runs here.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultMemoryLimit  = 128 << 20
	DefaultMaxBodyBytes = hostabi.DefaultMaxBodyBytes
	DefaultMaxOutput    = filters.DefaultMaxOutput
)

// Config is one function's configuration.
type Config struct {
	// Name names the function in logs; default: its file's name.
	Name string
	// Path is the module file; Wasm, when set, is used instead.
	Path string
	Wasm []byte
	// Args are the function's os.Args, whole (no program name is put in
	// front, as in the original Gojinn).
	Args []string
	// Env is the function's environment, "KEY=value" entries. Values
	// are never logged.
	Env []string
	// Timeout bounds each request's run of the function.
	Timeout time.Duration
	// MemoryLimit bounds each instance's memory, in bytes.
	MemoryLimit uint64
	// PoolSize instances serve requests at once, at most; a request waits
	// up to PoolWait for one (then 503). A reactor's instance idle for
	// IdleTimeout is closed. Defaults as filters'.
	PoolSize    int
	PoolWait    time.Duration
	IdleTimeout time.Duration
	// MaxBodyBytes bounds the request body a function gets (413 past it).
	MaxBodyBytes int64
	// MaxOutputBytes bounds what a function may write on stdout (502
	// past it).
	MaxOutputBytes int
	// Logger receives the load, every failed request with its reason,
	// and the function's stderr, line by line.
	Logger *zap.Logger
	// Observer is told of every instance made; nil tells no one.
	Observer filters.Observer
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(c.Path), ".wasm")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = DefaultMaxOutput
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

func (c Config) engineConfig() filters.FunctionConfig {
	return filters.FunctionConfig{
		Name: c.Name, Path: c.Path, Wasm: c.Wasm, Args: c.Args, Env: c.Env,
		Timeout: c.Timeout, MemoryLimit: c.MemoryLimit,
		PoolMax: c.PoolSize, PoolWait: c.PoolWait, IdleTimeout: c.IdleTimeout,
		MaxOutput: c.MaxOutputBytes, Logger: c.Logger, Observer: c.Observer,
	}
}

// Validate reports what is wrong with c without reading or compiling
// anything, so that a host can refuse a bad config before it loads one.
// Load checks the same.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 0 {
		return errors.New("max body cannot be negative")
	}
	return c.withDefaults().engineConfig().Validate()
}

// Handler serves requests with one function. It is safe for concurrent
// use.
type Handler struct {
	fn      *filters.Function
	name    string
	maxBody int64
	timeout time.Duration
	memory  uint64
	maxOut  int
	logger  *zap.Logger
	bufs    sync.Pool // *buffers
}

// buffers are one request's: its body, the JSON the function reads and
// the output it writes. Pooled, so that a request allocates none of them
// once they have grown to the requests' size.
type buffers struct {
	body, in, out []byte
	names         []string
}

// maxPooled bounds the buffers kept for the next request: a rare large
// request should not pin its memory.
const maxPooled = 1 << 20

// Load loads the function in eng: read, check, compile (or find it
// compiled), and prepare its snapshot. Every error names the function
// and its file.
func Load(ctx context.Context, eng *filters.Engine, cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("function %s: %w", cfg.withDefaults().Name, err)
	}
	cfg = cfg.withDefaults()
	fn, err := eng.LoadFunction(ctx, cfg.engineConfig())
	if err != nil {
		return nil, err
	}
	h := &Handler{
		fn: fn, name: cfg.Name, maxBody: cfg.MaxBodyBytes, timeout: cfg.Timeout,
		memory: cfg.MemoryLimit, maxOut: cfg.MaxOutputBytes, logger: cfg.Logger,
	}
	h.bufs.New = func() any { return new(buffers) }
	return h, nil
}

// Name is the function's name.
func (h *Handler) Name() string { return h.name }

// Kind is the form of the function's module.
func (h *Handler) Kind() filters.FunctionKind { return h.fn.Kind() }

// Stats reports the function's instances so far.
func (h *Handler) Stats() filters.Stats { return h.fn.Stats() }

// Close closes the function's instances (busy ones when their request
// ends) and releases its module.
func (h *Handler) Close(ctx context.Context) { h.fn.Close(ctx) }

// Failure is a request the function could not answer: the status to
// answer with and the reason, which is for the log, not for the client.
// Serve writes nothing when it returns one.
type Failure struct {
	Status  int
	Outcome Outcome
	Err     error
}

// Outcome is how a request ended, as the metrics count it: the function
// answered (OutcomeOK, never in a Failure), or why the host answered for
// it.
type Outcome int

const (
	OutcomeOK             Outcome = iota // the function's own response
	OutcomeContract                      // output that breaks the contract (502)
	OutcomeExit                          // an exit with a non-zero code (502)
	OutcomeTrap                          // a trap (502)
	OutcomeMemoryLimit                   // the memory limit (502)
	OutcomeOutputTooLarge                // stdout over the output limit (502)
	OutcomeTimeout                       // the time limit (504)
	OutcomeBusy                          // no instance in time, or unloaded (503)
	OutcomeBodyTooLarge                  // the request body over its limit (413)
	OutcomeBodyRead                      // the request body could not be read (400)
	NumOutcomes                          // the number of outcomes
)

var outcomeNames = [NumOutcomes]string{
	"ok", "contract", "exit", "trap", "memory_limit", "output_too_large", "timeout", "busy", "body_too_large", "body_read",
}

func (o Outcome) String() string { return outcomeNames[o] }

func (f *Failure) Error() string { return f.Err.Error() }

func (f *Failure) Unwrap() error { return f.Err }

// Serve answers r with the function. When the function cannot answer,
// Serve writes nothing, logs the reason and returns a *Failure, so that
// the host decides what the error looks like (Caddy's handle_errors);
// ServeHTTP writes a short plain-text one.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request) error {
	b := h.bufs.Get().(*buffers)
	defer h.recycle(b)
	var fail *Failure
	if b.body, fail = readBody(r, h.maxBody, b.body[:0]); fail != nil {
		return h.fail(fail)
	}
	var err error
	b.in, b.names = appendRequest(b.in[:0], b.names, r, b.body)
	b.out, err = h.fn.Call(r.Context(), b.in, b.out[:0])
	if err != nil {
		return h.fail(h.describe(err))
	}
	resp, err := parseResponse(b.out)
	if err != nil {
		return h.fail(&Failure{Status: http.StatusBadGateway, Outcome: OutcomeContract, Err: err})
	}
	resp.write(w, r)
	return nil
}

// ServeHTTP implements http.Handler, answering a failure with its status
// and a line of text.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f, ok := h.Serve(w, r).(*Failure); ok {
		body := http.StatusText(f.Status) + "\n"
		hd := w.Header()
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(f.Status)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, body)
		}
	}
}

func (h *Handler) recycle(b *buffers) {
	if cap(b.body) > maxPooled || cap(b.in) > maxPooled || cap(b.out) > maxPooled {
		return
	}
	h.bufs.Put(b)
}

// fail logs a failed request and returns it.
func (h *Handler) fail(f *Failure) *Failure {
	fields := []zap.Field{zap.String("function", h.name), zap.Int("status", f.Status), zap.Error(f.Err)}
	var ce *filters.CallError
	if errors.As(f.Err, &ce) && errors.Is(ce, filters.ErrTimeout) && ce.Cause != nil {
		fields = append(fields, zap.String("stopped_at", ce.Cause.Error()))
	}
	h.logger.Error("function failed", fields...)
	return f
}

// Errors of a request the function did not get to answer.
var (
	// ErrBodyTooLarge: the request body is over the function's limit.
	ErrBodyTooLarge = errors.New("request body over the function's limit")
	// ErrBodyRead: the request body could not be read.
	ErrBodyRead = errors.New("reading the request body")
)

// readBody reads r's body into buf, up to limit bytes.
func readBody(r *http.Request, limit int64, buf []byte) ([]byte, *Failure) {
	if r.Body == nil || r.Body == http.NoBody {
		return buf, nil
	}
	if r.ContentLength > limit {
		return buf, &Failure{Status: http.StatusRequestEntityTooLarge, Outcome: OutcomeBodyTooLarge,
			Err: fmt.Errorf("%w: Content-Length %d is over %d bytes", ErrBodyTooLarge, r.ContentLength, limit)}
	}
	if r.ContentLength > 0 && int64(cap(buf)) <= r.ContentLength {
		// One byte more, for the read that finds the end.
		buf = make([]byte, 0, r.ContentLength+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, &Failure{Status: http.StatusRequestEntityTooLarge, Outcome: OutcomeBodyTooLarge,
				Err: fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)}
		}
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			var tooLarge *http.MaxBytesError // a limit of Caddy's request_body
			if errors.As(err, &tooLarge) {
				return buf, &Failure{Status: http.StatusRequestEntityTooLarge, Outcome: OutcomeBodyTooLarge, Err: fmt.Errorf("%w: %w", ErrBodyTooLarge, err)}
			}
			return buf, &Failure{Status: http.StatusBadRequest, Outcome: OutcomeBodyRead, Err: fmt.Errorf("%w: %w", ErrBodyRead, err)}
		}
	}
}

// describe turns a failed call into the failure the client gets and the
// reason the log gets, in the function's terms. The reason wraps the
// engine's error, for errors.Is.
func (h *Handler) describe(err error) *Failure {
	var ce *filters.CallError
	if !errors.As(err, &ce) {
		return &Failure{Status: http.StatusBadGateway, Outcome: OutcomeTrap, Err: err}
	}
	status, outcome, msg := http.StatusBadGateway, OutcomeTrap, ""
	switch {
	case errors.Is(ce, filters.ErrTimeout):
		status, outcome = http.StatusGatewayTimeout, OutcomeTimeout
		msg = fmt.Sprintf("the function ran past its timeout of %v", h.timeout)
	case errors.Is(ce, filters.ErrBusy), errors.Is(ce, filters.ErrClosed):
		status, outcome, msg = http.StatusServiceUnavailable, OutcomeBusy, "no instance of the function was free in time"
		if errors.Is(ce, filters.ErrClosed) {
			msg = "the function was unloaded"
		}
	case errors.Is(ce, filters.ErrMemoryLimit):
		outcome, msg = OutcomeMemoryLimit, fmt.Sprintf("the function hit its memory limit of %d bytes", h.memory)
	case errors.Is(ce, filters.ErrOutputTooLarge):
		outcome, msg = OutcomeOutputTooLarge, fmt.Sprintf("the function wrote more than its limit of %d bytes on stdout", h.maxOut)
	default:
		if code, exited := ce.ExitCode(); exited {
			outcome, msg = OutcomeExit, fmt.Sprintf("the function exited with code %d", code)
		} else {
			msg = "the function trapped"
			if ce.Cause != nil {
				msg += ": " + ce.Cause.Error()
			}
		}
	}
	return &Failure{Status: status, Outcome: outcome, Err: &reason{msg: msg, err: ce}}
}

// reason is a failure's message in the function's terms over the
// engine's error.
type reason struct {
	msg string
	err error
}

func (r *reason) Error() string { return r.msg }

func (r *reason) Unwrap() error { return r.err }
