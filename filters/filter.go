package filters

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout     = time.Second
	DefaultMemoryLimit = 64 << 20
	DefaultPoolMin     = 1
	DefaultPoolWait    = time.Second
	// initScale is how much longer than a call an instance's start-up
	// (_initialize and the Go runtime) may take.
	initScale = 10
	// maxMemoryLimit is wasm32's whole address space.
	maxMemoryLimit = 1 << 32
)

// DefaultPoolMax is the pool size when none is set: calls are CPU-bound
// and do not block, so a few instances per core serve every request that
// can make progress at once.
func DefaultPoolMax() int { return 4 * runtime.GOMAXPROCS(0) }

// Config is one filter's configuration.
type Config struct {
	// Name names the filter in errors, logs and metrics.
	Name string
	// Path is the module file; Wasm, when set, is used instead.
	Path string
	Wasm []byte
	// GuestConfig is what the guest reads with config_get: the bytes of
	// the Caddyfile's config or config_file, handed over as they are.
	GuestConfig []byte
	// Timeout bounds each call into the guest.
	Timeout time.Duration
	// MemoryLimit bounds each instance's linear memory, in bytes, rounded
	// up to whole 64 KiB pages.
	MemoryLimit uint64
	// PoolMin instances are made at load and kept warm; at most PoolMax
	// exist at once. A request waits up to PoolWait for one.
	PoolMin, PoolMax int
	PoolWait         time.Duration
	// Logger receives load events, traps and the guest's log calls.
	Logger *zap.Logger
	// KeySets serves the guest's keyset_open; nil answers it with
	// ERR_UNAVAILABLE.
	KeySets *KeySets
}

// Validate reports what is wrong with c without reading or compiling
// anything, so that a host can refuse a bad config before it loads one.
// Load checks the same.
func (c Config) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("a filter needs a name")
	case c.Wasm == nil && c.Path == "":
		return errors.New("no module: set a path")
	case c.Timeout < 0:
		return errors.New("timeout cannot be negative")
	case c.PoolMin < 0 || c.PoolMax < 0:
		return errors.New("pool sizes cannot be negative")
	case c.PoolWait < 0:
		return errors.New("pool wait cannot be negative")
	case c.MemoryLimit > maxMemoryLimit:
		return fmt.Errorf("memory limit %d bytes is over wasm32's 4 GiB", c.MemoryLimit)
	}
	if d := c.withDefaults(); d.PoolMin > d.PoolMax {
		return fmt.Errorf("pool min %d is over pool max %d", d.PoolMin, d.PoolMax)
	}
	return nil
}

// withDefaults returns c with every zero value replaced by its default.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.PoolMax == 0 {
		c.PoolMax = max(DefaultPoolMax(), c.PoolMin)
	}
	if c.PoolMin == 0 {
		c.PoolMin = min(DefaultPoolMin, c.PoolMax)
	}
	if c.PoolWait == 0 {
		c.PoolWait = DefaultPoolWait
	}
	return c
}

// pages is the memory limit in whole wasm pages.
func (c Config) pages() uint32 {
	return uint32((c.MemoryLimit + wasmPage - 1) / wasmPage)
}

// Filter is a loaded filter: a compiled module and a pool of configured
// instances. It is safe for concurrent use.
type Filter struct {
	name     string
	cfg      Config
	engine   *Engine
	key      moduleKey
	compiled *compiled
	pages    uint32
	timeout  time.Duration
	logger   *zap.Logger
	keys     host.KeySets
	pool     *pool
	features hostabi.Feature
}

// Load reads, checks and compiles a filter and fills its pool to PoolMin,
// configuring each instance. Every error names the filter and its file.
func (e *Engine) Load(ctx context.Context, cfg Config) (*Filter, error) {
	f, err := e.load(ctx, cfg)
	if err != nil {
		where := cfg.Name
		if cfg.Path != "" {
			where += " (" + cfg.Path + ")"
		}
		return nil, fmt.Errorf("filter %s: %w", where, err)
	}
	return f, nil
}

func (e *Engine) load(ctx context.Context, cfg Config) (*Filter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	pages := cfg.pages()
	wasm := cfg.Wasm
	if wasm == nil {
		var err error
		if wasm, err = os.ReadFile(cfg.Path); err != nil {
			return nil, err
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	start := time.Now()
	c, key, err := e.compile(ctx, wasm, pages)
	if err != nil {
		return nil, err
	}
	f := &Filter{
		name:     cfg.Name,
		cfg:      cfg,
		engine:   e,
		key:      key,
		compiled: c,
		pages:    pages,
		timeout:  cfg.Timeout,
		logger:   logger,
		keys:     cfg.KeySets.host(),
	}
	if err := check(c.mod, c.rt.wasiFuncs); err != nil {
		e.release(ctx, key)
		return nil, err
	}
	compiledIn := time.Since(start)
	f.pool = newPool(cfg.PoolMax, cfg.PoolWait, f.newInstance)
	// The first instance also tells what the guest declared in configure.
	first, err := f.newInstance(ctx)
	if err != nil {
		e.release(ctx, key)
		return nil, err
	}
	f.features = first.binding.Features()
	f.pool.live.Add(1)
	f.pool.slots <- struct{}{}
	f.pool.busy.Add(1)
	f.pool.put(ctx, first)
	if err := f.pool.fill(ctx, cfg.PoolMin); err != nil {
		f.Close(ctx)
		return nil, err
	}
	logger.Info("filter loaded",
		zap.String("filter", f.name),
		zap.String("path", cfg.Path),
		zap.String("sha256", fmt.Sprintf("%x", key.hash[:8])),
		zap.Duration("compile", compiledIn),
		zap.Duration("total", time.Since(start)),
		zap.Int("pool_min", cfg.PoolMin),
		zap.Int("pool_max", cfg.PoolMax),
		zap.Uint64("memory_limit", uint64(pages)*wasmPage),
		zap.Duration("timeout", cfg.Timeout))
	return f, nil
}

func (f *Filter) initLimit() time.Duration { return initScale * f.timeout }

// Name is the filter's name.
func (f *Filter) Name() string { return f.name }

// Features is what the guest declared during configure.
func (f *Filter) Features() hostabi.Feature { return f.features }

// HasResponse reports whether the filter runs in the response phase.
func (f *Filter) HasResponse() bool { return f.features&hostabi.FeatureResponse != 0 }

// Call runs one phase of the filter on ex and returns the guest's action.
// A failed call returns a *CallError; the instance it ran on is closed and
// never reused.
func (f *Filter) Call(ctx context.Context, phase hostabi.Phase, ex host.Exchange) (hostabi.Action, error) {
	in, err := f.pool.get(ctx)
	if err != nil {
		switch {
		case errors.Is(err, ErrBusy), errors.Is(err, ErrClosed):
			return 0, &CallError{Filter: f.name, Kind: err}
		case ctx.Err() != nil:
			// The request went away while waiting: as busy, for the caller.
			return 0, &CallError{Filter: f.name, Kind: ErrBusy, Cause: err}
		}
		// A replacement instance failed to start.
		return 0, &CallError{Filter: f.name, Kind: ErrTrap, Cause: err}
	}
	fn := in.onRequest
	if phase == hostabi.PhaseResponse {
		fn = in.onResponse
		if fn == nil {
			f.pool.put(ctx, in)
			return hostabi.ActionContinue, nil
		}
	}
	in.binding.Exchange, in.binding.Phase = ex, phase
	r, err := in.call(fn, f.timeout)
	in.binding.Exchange = nil
	if err != nil {
		ce := f.classify(in, err, f.timeout)
		f.pool.discard(ctx, in)
		f.logFailure(ce)
		return 0, ce
	}
	switch a := hostabi.Action(r); a {
	case hostabi.ActionContinue, hostabi.ActionRespond:
		f.pool.put(ctx, in)
		return a, nil
	default:
		// A guest that returns nonsense is not trusted with the next
		// request either.
		f.pool.discard(ctx, in)
		err := &CallError{Filter: f.name, Kind: ErrBadAction, Cause: fmt.Errorf("action %d", r)}
		f.logFailure(err)
		return 0, err
	}
}

// logFailure logs a failed call. A time-out's message is the limit; where
// the guest was when it was stopped (its wasm stack) goes in a field of
// its own.
func (f *Filter) logFailure(err *CallError) {
	fields := []zap.Field{zap.String("filter", f.name), zap.Error(err)}
	if err.Kind == ErrTimeout && err.Cause != nil {
		fields = append(fields, zap.String("stopped_at", err.Cause.Error()))
	}
	f.logger.Error("filter call failed", fields...)
}

// Stats is a snapshot of a filter's pool.
type Stats struct {
	Live, Busy, Waits int64
}

// Stats reports the pool's instances and waits so far.
func (f *Filter) Stats() Stats {
	return Stats{Live: f.pool.live.Load(), Busy: f.pool.busy.Load(), Waits: f.pool.waits.Load()}
}

// Close closes the filter's instances (busy ones when they come back) and
// releases its compiled module.
func (f *Filter) Close(ctx context.Context) {
	f.pool.close(ctx)
	f.engine.release(ctx, f.key)
}
