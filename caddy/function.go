package gojinn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/functions"
)

func init() {
	caddy.RegisterModule(Function{})
	httpcaddyfile.RegisterDirective("gojinn", parseFunctionDirective)
	// A terminal handler, as respond and reverse_proxy are: after respond
	// and metrics (which are usually matched), before reverse_proxy, so
	// that a site can serve some paths with functions and proxy the rest
	// to its legacy upstream without an order line. gojinn_chain comes
	// long before, so a WAF or JWT chain guards a function.
	httpcaddyfile.RegisterDirectiveOrder("gojinn", httpcaddyfile.Before, "reverse_proxy")
}

// Function is the gojinn handler: it answers each request with a
// WebAssembly function written to the original Gojinn's contract (the
// request as JSON on stdin, the response as JSON on stdout). It is
// terminal: it never calls the next handler.
type Function struct {
	// Path is the .wasm module: a WASI command, or a reactor built with
	// the Go SDK for functions.
	Path string `json:"path"`
	// Name names the function in logs. Default: the file's name.
	Name string `json:"name,omitempty"`
	// Timeout bounds each request's run. Default 60s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// MemoryLimit bounds each instance's memory, in bytes. Default 128 MiB.
	MemoryLimit uint64 `json:"memory_limit,omitempty"`
	// Env is the function's environment. Values may hold placeholders
	// resolved when the config loads, such as {env.SECRET}; they are
	// never logged.
	Env map[string]string `json:"env,omitempty"`
	// Args are the function's os.Args, whole.
	Args []string `json:"args,omitempty"`
	// PoolSize instances serve requests at once. Default 4 per CPU.
	PoolSize int `json:"pool_size,omitempty"`
	// PoolWait is how long a request waits for a free instance before a
	// 503. Default 1s.
	PoolWait caddy.Duration `json:"pool_wait,omitempty"`
	// IdleTimeout closes a reactor's instance idle this long. Default 2m.
	IdleTimeout caddy.Duration `json:"idle_timeout,omitempty"`
	// MaxBodyBytes bounds the request body (413 past it). Default 1 MiB.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// MaxOutputBytes bounds what the function writes on stdout (502 past
	// it). Default 4 MiB.
	MaxOutputBytes int64 `json:"max_output_bytes,omitempty"`

	handler *functions.Handler
	metrics *functionMetrics
	life    *lifecycle
}

// CaddyModule returns the Caddy module information.
func (Function) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn",
		New: func() caddy.Module { return new(Function) },
	}
}

// Provision resolves the environment's placeholders and loads the
// function: read, check, compile (or reuse the compiled module when the
// bytes did not change since the last config), and prepare its snapshot.
func (f *Function) Provision(ctx caddy.Context) error {
	f.life = new(lifecycle)
	if err := f.Validate(); err != nil {
		return err
	}
	logger := ctx.Logger()
	env, err := f.environment(logger)
	if err != nil {
		return err
	}
	eng, err := sharedEngine()
	if err != nil {
		return err
	}
	cfg := f.config()
	cfg.Env, cfg.Logger = env, logger
	if f.handler, err = functions.Load(ctx, eng, cfg); err != nil {
		return fmt.Errorf("gojinn: %w", err)
	}
	f.metrics = newFunctionMetrics(ctx.GetMetricsRegistry(), f.handler)
	return nil
}

// config is f as package functions takes it, without the environment
// and the logger, which only Provision has.
func (f *Function) config() functions.Config {
	return functions.Config{
		Name:           f.Name,
		Path:           f.Path,
		Args:           f.Args,
		Timeout:        time.Duration(f.Timeout),
		MemoryLimit:    f.MemoryLimit,
		PoolSize:       f.PoolSize,
		PoolWait:       time.Duration(f.PoolWait),
		IdleTimeout:    time.Duration(f.IdleTimeout),
		MaxBodyBytes:   f.MaxBodyBytes,
		MaxOutputBytes: int(f.MaxOutputBytes),
	}
}

// environment is Env as KEY=value entries, in name order, with its
// placeholders resolved. An unknown placeholder is an error (a typo
// should not become an empty secret in silence); one that resolves to
// nothing, an environment variable that is not set, is logged by name.
func (f *Function) environment(logger *zap.Logger) ([]string, error) {
	repl := caddy.NewReplacer()
	names := make([]string, 0, len(f.Env))
	for name := range f.Env {
		names = append(names, name)
	}
	slices.Sort(names)
	env := make([]string, 0, len(names))
	for _, name := range names {
		v, err := repl.ReplaceOrErr(f.Env[name], false, true)
		if err != nil {
			return nil, fmt.Errorf("gojinn %s: env %s: %w", f.Path, name, err)
		}
		if v == "" && f.Env[name] != "" {
			logger.Warn("a function's environment variable is empty once its placeholders are resolved",
				zap.String("path", f.Path), zap.String("env", name))
		}
		env = append(env, name+"="+v)
	}
	return env, nil
}

// Validate checks the config without loading anything; the rules are
// the functions package's.
func (f *Function) Validate() error {
	switch {
	case f.Path == "":
		return errors.New("gojinn: no module: gojinn <path/to/function.wasm>")
	case f.MaxOutputBytes < 0 || f.MaxOutputBytes > 1<<31-1:
		return fmt.Errorf("gojinn %s: max_output_bytes %d is out of range", f.Path, f.MaxOutputBytes)
	}
	for name := range f.Env {
		if name == "" || strings.ContainsAny(name, "=\x00") {
			return fmt.Errorf("gojinn %s: env name %q is not a variable name", f.Path, name)
		}
	}
	if err := f.config().Validate(); err != nil {
		return fmt.Errorf("gojinn %s: %w", f.Path, err)
	}
	return nil
}

// Cleanup closes the function of a config being unloaded, or has the
// last request still running on it close it: requests in flight finish
// on the old config's instances.
func (f *Function) Cleanup() error {
	if f.life == nil {
		return nil // never provisioned
	}
	if f.life.state.Or(closingBit) == 0 {
		f.release()
	}
	return nil
}

func (f *Function) release() {
	f.life.closeOnce.Do(func() {
		if f.metrics != nil {
			f.metrics.unregister()
		}
		if f.handler != nil {
			f.handler.Close(context.Background())
		}
	})
}

// ServeHTTP implements caddyhttp.MiddlewareHandler. The function answers
// every request it gets; next is never called.
func (f *Function) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	f.life.state.Add(1)
	defer func() {
		if f.life.state.Add(-1) == closingBit {
			f.release()
		}
	}()
	start := time.Now()
	err := f.handler.Serve(w, r)
	f.metrics.served(err, time.Since(start))
	// Serve returns a *Failure as it is, never wrapped.
	if fl, ok := err.(*functions.Failure); ok {
		// Through Caddy's error handling, so that handle_errors can
		// shape the answer; the reason is for the log.
		return caddyhttp.Error(fl.Status, fl.Err)
	}
	return err
}

// parseFunctionDirective sets up the gojinn directive:
//
//	gojinn [<matcher>] <path/to/function.wasm> {
//	    name         <name>           # in logs; default: the file's name
//	    timeout      <duration>       # default 60s
//	    memory_limit <size>           # default 128MiB
//	    env          <KEY> <VALUE>    # placeholders allowed: {env.SECRET}
//	    args         <arg1> <arg2>... # the function's os.Args
//	    pool_size    <n>              # default 4 per CPU
//	    pool_wait    <duration>       # default 1s, then 503
//	    idle_timeout <duration>       # default 2m
//	    max_body     <size>           # default 1MiB, then 413
//	    max_output   <size>           # default 4MiB of stdout, then 502
//	}
//
// With one argument, it is the module's path, even one that starts with
// "/" (which a handler directive would take for a path matcher): the
// original Gojinn's Caddyfiles have no matcher on this line. With two,
// the first is a matcher.
func parseFunctionDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	h.Next() // the directive's name
	args := h.RemainingArgs()
	h.Reset()
	var matcherSet caddy.ModuleMap
	if len(args) == 2 {
		h.Next()
		set, ok, err := h.MatcherToken()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, h.Errf("gojinn: %q is not a matcher: gojinn [<matcher>] <path/to/function.wasm>", args[0])
		}
		matcherSet = set
		h.Dispenser.Delete()
		h.Dispenser.Reset()
	}
	f := new(Function)
	if err := f.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return h.NewRoute(matcherSet, f), nil
}

// UnmarshalCaddyfile sets up the handler from the gojinn directive's
// tokens, its matcher taken out (see parseFunctionDirective).
func (f *Function) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if !d.NextArg() {
		return d.Err("gojinn wants the function's module: gojinn [<matcher>] <path/to/function.wasm>")
	}
	f.Path = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		opt := d.Val()
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("%s wants one value", opt)
			}
			return args[0], nil
		}
		switch opt {
		case "name":
			v, err := one()
			if err != nil {
				return err
			}
			f.Name = v
		case "env":
			if len(args) != 2 {
				return d.Err("env wants a name and a value: env <KEY> <VALUE>")
			}
			if f.Env == nil {
				f.Env = make(map[string]string)
			}
			if _, ok := f.Env[args[0]]; ok {
				return d.Errf("env %s is set twice", args[0])
			}
			f.Env[args[0]] = args[1]
		case "args":
			if len(args) == 0 {
				return d.Err("args wants at least one argument")
			}
			f.Args = append(f.Args, args...)
		case "timeout", "pool_wait", "idle_timeout":
			v, err := one()
			if err != nil {
				return err
			}
			dur, err := caddy.ParseDuration(v)
			if err != nil {
				return d.Errf("%s: %v", opt, err)
			}
			switch opt {
			case "timeout":
				f.Timeout = caddy.Duration(dur)
			case "pool_wait":
				f.PoolWait = caddy.Duration(dur)
			default:
				f.IdleTimeout = caddy.Duration(dur)
			}
		case "memory_limit", "max_body", "max_output":
			v, err := one()
			if err != nil {
				return err
			}
			n, err := humanize.ParseBytes(v)
			if err != nil {
				return d.Errf("%s: %v", opt, err)
			}
			if n > 1<<32 {
				return d.Errf("%s: %s is over 4 GiB", opt, v)
			}
			switch opt {
			case "memory_limit":
				f.MemoryLimit = n
			case "max_body":
				f.MaxBodyBytes = int64(n)
			default:
				f.MaxOutputBytes = int64(n)
			}
		case "pool_size":
			v, err := one()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return d.Errf("pool_size wants a number of instances, at least 1: %q", v)
			}
			f.PoolSize = n
		default:
			return d.Errf("unknown gojinn option %q", opt)
		}
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Function)(nil)
	_ caddy.Validator             = (*Function)(nil)
	_ caddy.CleanerUpper          = (*Function)(nil)
	_ caddyhttp.MiddlewareHandler = (*Function)(nil)
	_ caddyfile.Unmarshaler       = (*Function)(nil)
)
