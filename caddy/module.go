// Package gojinn is the Caddy module of Gojinn: the HTTP handlers
// http.handlers.gojinn_chain, which runs an ordered chain of WebAssembly
// filters on each request, and http.handlers.gojinn, which answers
// requests with a WebAssembly function (the original Gojinn's stdin and
// stdout JSON contract). It translates Caddy's config and request
// plumbing for packages pipeline and functions and holds no filter or
// function logic of its own.
//
// Import it for its side effect, registering the modules and the
// gojinn_chain and gojinn Caddyfile directives:
//
//	import _ "github.com/gojinn/gojinn/caddy"
package gojinn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/pipeline"
)

func init() {
	caddy.RegisterModule(Chain{})
}

// Chain is the gojinn_chain handler: filters run in order on each request;
// one may answer it (short-circuit), or it goes on to the next handler.
type Chain struct {
	// Name labels the chain in metrics and logs. Default: the filter
	// names joined with "+".
	Name string `json:"name,omitempty"`
	// Filters run in this order.
	Filters []Filter `json:"filters,omitempty"`
	// MaxBodyBytes bounds a body a filter reads or writes. Default 1 MiB.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// BodyTimeout bounds the wait for a request body the chain reads
	// before a filter that declared it reads bodies: a client slower
	// than this gets 408. Default 1m.
	BodyTimeout caddy.Duration `json:"body_timeout,omitempty"`

	chain   *pipeline.Chain
	loaded  []*filters.Filter
	keys    *filters.KeySets
	metrics *chainMetrics
	logger  *zap.Logger
	// server is the HTTP server whose connections the chain has
	// numbered (connection.id) and counted, until Cleanup gives it back;
	// serverHooks are its hooks.
	server      *caddyhttp.Server
	serverHooks *serverHooks

	life *lifecycle
}

// lifecycle counts the requests in a chain, with closingBit set once the
// config is unloaded; the filters close when both say so. Caddy cleans an
// old config up while its last requests may still run.
type lifecycle struct {
	state     atomic.Int64
	closeOnce sync.Once
}

const closingBit = int64(1) << 62

// Filter is one filter of a chain.
type Filter struct {
	// Name names the filter in logs and metrics; unique in its chain.
	Name string `json:"name"`
	// Path is the .wasm module.
	Path string `json:"path"`
	// Config is handed to the filter's configure as raw JSON.
	Config json.RawMessage `json:"config,omitempty"`
	// ConfigFile, instead of Config, is a file whose bytes are the config.
	ConfigFile string `json:"config_file,omitempty"`
	// Timeout bounds each call. Default 1s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// MemoryLimit bounds each instance's memory, in bytes. Default 64 MiB.
	MemoryLimit uint64 `json:"memory_limit,omitempty"`
	// PoolMin instances are kept however idle; at most PoolMax exist.
	// Defaults: 0 (an idle filter holds no instance) and 4 per CPU.
	PoolMin int `json:"pool_min,omitempty"`
	PoolMax int `json:"pool_max,omitempty"`
	// PoolWait is how long a request waits for a free instance before a
	// 503. Default 1s.
	PoolWait caddy.Duration `json:"pool_wait,omitempty"`
	// IdleTimeout closes an instance beyond PoolMin once it has been
	// idle this long, and gives its memory back. Default 2m.
	IdleTimeout caddy.Duration `json:"idle_timeout,omitempty"`
	// OnError is "block" (default: the request fails with 500, 503 or 504)
	// or "allow" (the filter is skipped and the failure logged).
	OnError string `json:"on_error,omitempty"`
	// Stores are the key-value stores (of the gojinn app) the filter may
	// open with kv_open; it may open no other.
	Stores []string `json:"stores,omitempty"`
	// SharedData is the store (one of Stores) a Proxy-Wasm filter's
	// shared data (proxy_get_shared_data, proxy_set_shared_data) lives
	// on. Unset, it is "default" when Stores grants it, and the filter
	// has no shared data otherwise. Another dialect's filter cannot set
	// it.
	SharedData string `json:"shared_data,omitempty"`
	// TraceLogs makes the filter's log lines events of its calls' spans
	// too, when Caddy's tracing traces the request. Off by default: a
	// filter's logs may hold request data.
	TraceLogs bool `json:"trace_logs,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Chain) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.gojinn_chain",
		New: func() caddy.Module { return new(Chain) },
	}
}

// Provision loads every filter: read, check, compile (or reuse the
// compiled module when the bytes did not change since the last config),
// and configure the warm instances.
func (c *Chain) Provision(ctx caddy.Context) error {
	c.logger = ctx.Logger()
	c.life = new(lifecycle)
	if c.Name == "" {
		names := make([]string, len(c.Filters))
		for i, f := range c.Filters {
			names[i] = f.Name
		}
		c.Name = strings.Join(names, "+")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	eng, err := sharedEngine()
	if err != nil {
		return err
	}
	// Key sets (for signature_verify) are fetched and refreshed by the
	// host, per chain: they go when the config goes.
	c.keys = filters.NewKeySets(filters.KeySetOptions{Logger: c.logger})
	stages := make([]pipeline.Stage, 0, len(c.Filters))
	for _, fc := range c.Filters {
		cfg := fc.filterConfig()
		if fc.ConfigFile != "" {
			if cfg.GuestConfig, err = os.ReadFile(fc.ConfigFile); err != nil {
				c.closeFilters(ctx)
				return fmt.Errorf("filter %s: config_file: %w", fc.Name, err)
			}
		}
		cfg.Logger, cfg.KeySets = c.logger, c.keys
		if cfg.KVStores, err = grantedStores(ctx, fc.Name, fc.Stores); err != nil {
			c.closeFilters(ctx)
			return err
		}
		cfg.SharedData = fc.SharedData
		cfg.SharedDataFallback = func() (*host.KVStore, error) {
			// The gojinn app's default store, loaded only when a
			// Proxy-Wasm filter asks for it.
			s, err := grantedStores(ctx, fc.Name, []string{filters.DefaultSharedDataStore})
			if err != nil {
				return nil, err
			}
			return s[filters.DefaultSharedDataStore], nil
		}
		cfg.Observer = newInstanceMetrics(c.Name, fc.Name)
		f, err := eng.Load(ctx, cfg)
		if err != nil {
			c.closeFilters(ctx)
			return err
		}
		c.loaded = append(c.loaded, f)
		policy := pipeline.Block
		if fc.OnError == "allow" {
			policy = pipeline.Allow
		}
		stages = append(stages, pipeline.Stage{Filter: f, OnError: policy})
	}
	c.metrics = newChainMetrics(ctx.GetMetricsRegistry(), c.Name, c.loaded)
	registerProxyWasmMetrics(ctx.GetMetricsRegistry(), eng.ProxyWasmMetrics())
	c.chain = pipeline.New(stages, pipeline.Options{
		MaxBodyBytes: c.MaxBodyBytes,
		BodyTimeout:  time.Duration(c.BodyTimeout),
		Name:         c.Name,
		Logger:       c.logger,
		Observer:     c.metrics,
		ServerValues: caddyServerValues,
	})
	c.server, c.serverHooks = hookServer(ctx)
	return nil
}

// filterConfig is f as the filters package takes it, without the config
// file's contents, the logger, the key sets and the stores (and so the
// shared data's), which only Provision has.
func (f Filter) filterConfig() filters.Config {
	return filters.Config{
		Name:        f.Name,
		Path:        f.Path,
		GuestConfig: []byte(f.Config),
		Timeout:     time.Duration(f.Timeout),
		MemoryLimit: f.MemoryLimit,
		PoolMin:     f.PoolMin,
		PoolMax:     f.PoolMax,
		PoolWait:    time.Duration(f.PoolWait),
		IdleTimeout: time.Duration(f.IdleTimeout),
		TraceLogs:   f.TraceLogs,
	}
}

// Validate checks the config without loading anything. The rules on a
// filter's own settings are the filters package's, so that Caddy and
// any other host refuse the same configs.
func (c *Chain) Validate() error {
	if len(c.Filters) == 0 {
		return errors.New("gojinn_chain: no filters")
	}
	if c.MaxBodyBytes < 0 {
		return errors.New("gojinn_chain: max_body_bytes cannot be negative")
	}
	if c.BodyTimeout < 0 {
		return errors.New("gojinn_chain: body_timeout cannot be negative")
	}
	seen := make(map[string]bool, len(c.Filters))
	for i, f := range c.Filters {
		switch {
		case f.Name == "":
			return fmt.Errorf("gojinn_chain: filter %d has no name", i)
		case seen[f.Name]:
			return fmt.Errorf("gojinn_chain: two filters are named %q", f.Name)
		case f.Path == "":
			return fmt.Errorf("gojinn_chain: filter %s has no path", f.Name)
		case len(f.Config) > 0 && f.ConfigFile != "":
			return fmt.Errorf("gojinn_chain: filter %s has both config and config_file", f.Name)
		case f.OnError != "" && f.OnError != "block" && f.OnError != "allow":
			return fmt.Errorf("gojinn_chain: filter %s: on_error is %q, want block or allow", f.Name, f.OnError)
		case f.SharedData != "" && !slices.Contains(f.Stores, f.SharedData):
			return fmt.Errorf("gojinn_chain: filter %s: shared_data %q is not one of its stores %v", f.Name, f.SharedData, f.Stores)
		}
		if len(f.Config) > 0 {
			if err := checkJSON(f.Config); err != nil {
				return fmt.Errorf("gojinn_chain: filter %s: %w", f.Name, err)
			}
		}
		if err := f.filterConfig().Validate(); err != nil {
			return fmt.Errorf("gojinn_chain: filter %s: %w", f.Name, err)
		}
		seen[f.Name] = true
	}
	return nil
}

// Cleanup closes the filters of a config being unloaded, once no
// request can reach them: requests in flight finish on the old chain.
// Caddy cleans a config up when its servers have begun to shut down, not
// when they are done, so a request already accepted on an old connection
// may yet enter the chain: the filters close when the server has no
// connection left open and the last request in the chain has returned,
// whichever is later. The compiled modules live on while the new config
// uses them.
func (c *Chain) Cleanup() error {
	if c.life == nil {
		return nil // never provisioned
	}
	closing := func() {
		if c.life.state.Or(closingBit) == 0 {
			c.release()
		}
	}
	if c.server == nil {
		closing()
		return nil
	}
	releaseServer(c.server)
	hooks := c.serverHooks
	c.server, c.serverHooks = nil, nil
	hooks.whenIdle(closing)
	return nil
}

// release closes the filters, once, when the chain is unloaded and idle.
func (c *Chain) release() {
	c.life.closeOnce.Do(func() {
		c.closeFilters(context.Background())
		if c.metrics != nil {
			c.metrics.unregister()
		}
	})
}

func (c *Chain) closeFilters(ctx context.Context) {
	for _, f := range c.loaded {
		f.Close(ctx)
	}
	c.loaded = nil
	if c.keys != nil {
		c.keys.Close()
		c.keys = nil
	}
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (c *Chain) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	c.life.state.Add(1)
	defer func() {
		if c.life.state.Add(-1) == closingBit {
			c.release()
		}
	}()
	err := c.chain.Serve(w, r, next.ServeHTTP, exposeVars)
	// Serve returns a *Failure as it is, never wrapped: a type assertion
	// finds it without the allocation errors.As would cost every request.
	if f, ok := err.(*pipeline.Failure); ok {
		// Through Caddy's error handling, so that handle_errors can
		// shape the answer; the message is for the log.
		return caddyhttp.Error(f.Status, f.Err)
	}
	return err
}

// VarPrefix is the placeholder prefix of chain variables:
// {gojinn.var.jwt.sub} is the variable "jwt.sub".
const VarPrefix = "gojinn.var."

// exposeVars copies the chain's variables into Caddy's replacer, so that
// the rest of the route and the access log can use them. They are copied,
// not referenced: the Exchange is recycled when the chain returns.
func exposeVars(ex *pipeline.Exchange) {
	repl, ok := ex.Request().Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	ex.Vars(func(name, value string) { repl.Set(VarPrefix+name, value) })
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Chain)(nil)
	_ caddy.Validator             = (*Chain)(nil)
	_ caddy.CleanerUpper          = (*Chain)(nil)
	_ caddyhttp.MiddlewareHandler = (*Chain)(nil)
)
