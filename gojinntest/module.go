// Package gojinntest runs a Gojinn module (a filter or a function) on
// requests without Caddy, for a module's own tests: the same engine,
// loader, chain and function handler Caddy's module uses, so that a case
// that passes here passes behind Caddy.
//
// Cases are written once, as JSON (the file `gojinn test` reads, see
// docs/CLI.md) or as Go values, and run inside go test with Run or
// RunFile, which report each unmet expectation through testing.TB:
//
//	func TestFilter(t *testing.T) {
//		gojinntest.RunFile(t, "hello.wasm", "testdata/cases.json")
//	}
//
// Module and Outcome are the layer under the cases: one request through
// a loaded module, and everything it did.
package gojinntest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/functions"
	"github.com/gojinn/gojinn/pipeline"
)

// Options configures Load.
type Options struct {
	// Config is a filter's config, the bytes its configure reads (the
	// Caddyfile's config or config_file). A function takes none.
	Config []byte
	// Args and Env are a function's arguments (its os.Args, whole) and
	// environment ("KEY=value"), as Caddy's gojinn directive sets them.
	// A filter takes neither.
	Args, Env []string
	// CacheDir, when set, keeps compiled machine code between runs, as
	// Caddy's cache_dir does: a module is compiled once, not per test.
	CacheDir string
}

// Module is a loaded filter or function. It serves one request at a time
// on one instance, as a Caddy with a pool of one would.
type Module struct {
	engine   *filters.Engine
	filter   *filters.Filter
	function *functions.Handler
	logger   *zap.Logger
	logs     *bytes.Buffer
}

// Load loads the module at path as Caddy would: a filter with Load's
// checks and its configure (opts.Config), or a function (a WASI command,
// or a reactor of the Go SDK hostabi/function). The error is the
// loader's, which names the file and the reason.
func Load(ctx context.Context, path string, opts Options) (*Module, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	function, err := isFunction(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case function && len(opts.Config) > 0:
		return nil, fmt.Errorf("%s: is a function: a function reads no config (its settings are its args and env)", path)
	case !function && (len(opts.Args) > 0 || len(opts.Env) > 0):
		return nil, fmt.Errorf("%s: is a filter: a filter takes no args or env (its settings are its config)", path)
	}
	engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: opts.CacheDir})
	if err != nil {
		return nil, err
	}
	// The logger keeps every line, the guest's debug lines too, for the
	// report of the request that wrote them.
	logs := &bytes.Buffer{}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = "" // the same report on every run
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(logs), zap.DebugLevel))
	m := &Module{engine: engine, logger: logger, logs: logs}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if function {
		m.function, err = functions.Load(ctx, engine, functions.Config{
			Name: name, Path: path, Wasm: wasm, Args: opts.Args, Env: opts.Env, PoolSize: 1, Logger: logger,
		})
	} else {
		m.filter, err = engine.Load(ctx, filters.Config{Name: name, Path: path, Wasm: wasm, GuestConfig: opts.Config, PoolMax: 1, Logger: logger})
	}
	if err != nil {
		_ = engine.Close(ctx)
		return nil, err
	}
	return m, nil
}

// isFunction tells a function's module from a filter's as the loader
// does (filters.IsFunction), with wazero's interpreter, which validates
// a module without compiling it.
func isFunction(ctx context.Context, wasm []byte) (bool, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return false, fmt.Errorf("not a valid wasm module: %w", err)
	}
	return filters.IsFunction(mod), nil
}

// Close releases the module and its engine.
func (m *Module) Close(ctx context.Context) {
	if m.filter != nil {
		m.filter.Close(ctx)
	}
	if m.function != nil {
		m.function.Close(ctx)
	}
	_ = m.engine.Close(ctx)
}

// Filter is the loaded filter, nil for a function.
func (m *Module) Filter() *filters.Filter { return m.filter }

// Function is the loaded function, nil for a filter.
func (m *Module) Function() *functions.Handler { return m.function }

// Stats reports the module's instances so far.
func (m *Module) Stats() filters.Stats {
	if m.function != nil {
		return m.function.Stats()
	}
	return m.filter.Stats()
}

// Decision is how a request through a module ended.
type Decision string

const (
	// Continue: the filter let the request go on to the next handler.
	Continue Decision = "continue"
	// Answer: the filter answered the request itself, or the function
	// answered it.
	Answer Decision = "answer"
	// Fail: the call failed (a trap, a time-out, a function's broken
	// output, ...) and the host answered with the failure's status.
	Fail Decision = "fail"
)

// Variable is a chain variable a filter set.
type Variable struct{ Name, Value string }

// Outcome is everything one request through a module did.
type Outcome struct {
	Decision Decision
	// Err is the failure's reason when Decision is Fail: a
	// *pipeline.Failure for a filter, a *functions.Failure for a
	// function.
	Err error
	// Status, Header and Body are the response that went out: the next
	// handler's as the response hooks left it, the filter's or the
	// function's answer, or for a failure its status alone.
	Status int
	Header http.Header
	Body   []byte
	// For a filter: the request line ("GET /path?q") and headers before
	// the filter and after its request phase, and the body the next
	// handler got when the request continued.
	BeforeLine, AfterLine string
	Before, After         http.Header
	NextBody              []byte
	// Variables are the chain variables the filter set, in order.
	Variables []Variable
	// Logs are the log lines written during the request: the guest's and
	// the engine's.
	Logs string
	// Elapsed is how long serving took, the next handler included.
	Elapsed time.Duration
}

// Response is what the handler behind a filter answers with.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Serve passes req through the module: a filter in a chain of its own in
// front of a next handler that answers with next (a nil next is 200 with
// no header and no body), or a function. An error is one of serving
// itself, not the module's: a module's failure is an Outcome whose
// Decision is Fail.
func (m *Module) Serve(req *http.Request, next *Response) (*Outcome, error) {
	m.logs.Reset() // the load's lines and an earlier request's are not this one's
	if next == nil {
		next = &Response{Status: http.StatusOK}
	}
	o := &Outcome{Before: req.Header.Clone(), BeforeLine: req.Method + " " + req.RequestURI}
	rec := httptest.NewRecorder()
	start := time.Now()
	var err error
	if m.function != nil {
		err = m.function.Serve(rec, req)
		o.Elapsed = time.Since(start)
		var f *functions.Failure
		switch {
		case errors.As(err, &f):
			o.Decision, o.Err, o.Status = Fail, f, f.Status
		case err != nil:
			return nil, err
		default:
			o.Decision = Answer
		}
	} else {
		err = m.serveFilter(rec, req, next, o)
		o.Elapsed = time.Since(start)
		var f *pipeline.Failure
		switch {
		case errors.As(err, &f):
			o.Decision, o.Err, o.Status = Fail, f, f.Status
		case err != nil:
			return nil, err
		case o.Decision == "":
			o.Decision = Answer
		}
	}
	o.Header, o.Body = rec.Header(), rec.Body.Bytes()
	if o.Decision != Fail {
		o.Status = rec.Code
	}
	o.Logs = m.logs.String()
	return o, nil
}

func (m *Module) serveFilter(rec *httptest.ResponseRecorder, req *http.Request, resp *Response, o *Outcome) error {
	visit := func(ex *pipeline.Exchange) {
		r := ex.Request()
		o.AfterLine, o.After = r.Method+" "+ex.URI(), r.Header.Clone()
		ex.Vars(func(name, value string) { o.Variables = append(o.Variables, Variable{name, value}) })
	}
	next := func(rw http.ResponseWriter, r *http.Request) error {
		o.Decision = Continue
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("next handler reading the request body: %w", err)
		}
		o.NextBody = b
		for k, vs := range resp.Header {
			rw.Header()[k] = slices.Clone(vs)
		}
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		rw.WriteHeader(status)
		_, err = rw.Write(resp.Body)
		return err
	}
	chain := pipeline.New([]pipeline.Stage{{Filter: m.filter}}, pipeline.Options{Logger: m.logger})
	return chain.Serve(rec, req, next, visit)
}
