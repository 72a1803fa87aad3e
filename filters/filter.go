package filters

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout     = time.Second
	DefaultMemoryLimit = 64 << 20
	// DefaultPoolMin is zero: a filter holds no instance until its first
	// request, and none once it has been idle for the idle timeout. An
	// instance from a snapshot is made in well under a millisecond.
	DefaultPoolMin     = 0
	DefaultPoolWait    = time.Second
	DefaultIdleTimeout = 2 * time.Minute
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
	// PoolMin instances are made at load and kept however idle; at most
	// PoolMax exist at once. A request waits up to PoolWait for one.
	PoolMin, PoolMax int
	PoolWait         time.Duration
	// IdleTimeout is how long an instance beyond PoolMin may stay idle
	// before it is closed and its memory given back.
	IdleTimeout time.Duration
	// Logger receives load events, traps and the guest's log calls.
	Logger *zap.Logger
	// KeySets serves the guest's keyset_open; nil answers it with
	// ERR_UNAVAILABLE.
	KeySets *KeySets
	// KVStores are the key-value stores the guest may open with
	// kv_open, by name; nil grants none.
	KVStores host.KVStores
	// SharedData names the store (one of KVStores) a Proxy-Wasm
	// filter's shared data lives on; empty means DefaultSharedDataStore
	// when it is granted, else the store SharedDataFallback gives. Other
	// dialects have none: naming a store for them is refused.
	SharedData string
	// SharedDataFallback gives the host's default store, for a
	// Proxy-Wasm filter that names none and is granted no
	// DefaultSharedDataStore: shared data is there without a grant, as
	// a Proxy-Wasm host's is for every filter (it reaches only its own
	// key prefix, never the kv_ functions' keys). Called at most once,
	// during Load, and only for a Proxy-Wasm filter; nil leaves such a
	// filter without shared data (the functions answer UNIMPLEMENTED).
	SharedDataFallback func() (*host.KVStore, error)
	// Observer is told of every instance made; nil tells no one.
	Observer Observer
	// TraceLogs makes each log line of the guest that Logger writes
	// during a call an event of the call's span too, when the host
	// traces it (host.Exchange's TraceLog). Off by default: a guest's
	// logs may hold request data.
	TraceLogs bool
}

// Observer is told how the filter's instances come to be: made from
// scratch or restored from the snapshot, and how long that took (for
// instances made on a request's path, how long the request waited).
type Observer interface {
	InstanceStarted(restored bool, d time.Duration)
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
	case c.PoolMin > maxSlots || c.PoolMax > maxSlots:
		return fmt.Errorf("a pool of over %d instances is refused", maxSlots)
	case c.PoolWait < 0:
		return errors.New("pool wait cannot be negative")
	case c.IdleTimeout < 0:
		return errors.New("idle timeout cannot be negative")
	case c.MemoryLimit > maxMemoryLimit:
		return fmt.Errorf("memory limit %d bytes is over wasm32's 4 GiB", c.MemoryLimit)
	}
	if err := c.checkSharedData(); err != nil {
		return err
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
	if c.PoolWait == 0 {
		c.PoolWait = DefaultPoolWait
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// pages is the memory limit in whole wasm pages.
func (c Config) pages() uint32 {
	return uint32((c.MemoryLimit + wasmPage - 1) / wasmPage)
}

// Filter is a loaded filter: a compiled module, the snapshot its
// instances are restored from, and a pool of instances. It is safe for
// concurrent use.
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
	observer Observer
	pool     *pool
	features hostabi.Feature
	dialect  dialect
	// sharedData is the store of a Proxy-Wasm filter's shared data.
	sharedData *host.KVStore
	// hash is the module's sha256 prefix, as logs and traces show it.
	hash string

	// snap is the snapshot of a configured instance, nil when the module
	// cannot be restored from one; configured is what that configure left
	// for the host, with the key sets opened for this filter.
	snap       *snapshot.Snapshot
	snapKey    snapshotKey
	shared     *sharedSnapshot
	configured host.Configured
	// tickPeriod is the Proxy-Wasm tick period start-up asked for, 0 for
	// none; ticker runs the ticks (proxywasm_tick.go).
	tickPeriod time.Duration
	ticker     *ticker

	stats startCounts
}

// Load reads, checks and compiles a filter, configures it once (or finds
// the snapshot of an instance configured the same way by an earlier
// load), and fills its pool to PoolMin. Every error names the filter and
// its file.
func (e *Engine) Load(ctx context.Context, cfg Config) (*Filter, error) {
	f, err := e.load(ctx, cfg)
	if err != nil {
		return nil, loadError("filter", cfg.Name, cfg.Path, err)
	}
	return f, nil
}

func (e *Engine) load(ctx context.Context, cfg Config) (*Filter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	start := time.Now()
	c, key, err := e.compileSource(ctx, cfg.Wasm, cfg.Path)
	if err != nil {
		return nil, err
	}
	f := &Filter{
		name:     cfg.Name,
		cfg:      cfg,
		engine:   e,
		key:      key,
		compiled: c,
		pages:    cfg.pages(),
		timeout:  cfg.Timeout,
		logger:   cfg.Logger,
		keys:     cfg.KeySets.host(),
		observer: cfg.Observer,
		hash:     fmt.Sprintf("%x", key[:moduleHashPrefix]),
	}
	if f.dialect, err = checkModule(c.mod, e.wasiFuncs, uint64(f.pages)*wasmPage); err != nil {
		e.release(ctx, key)
		return nil, err
	}
	if f.sharedData, err = f.sharedDataStore(); err != nil {
		e.release(ctx, key)
		return nil, err
	}
	compiledIn := time.Since(start)
	f.pool = newPool(cfg.PoolMin, cfg.PoolMax, cfg.PoolWait, cfg.IdleTimeout, f.newInstance)
	if err := f.configure(ctx); err != nil {
		f.Close(ctx)
		return nil, err
	}
	f.dialectFeatures()
	if err := f.startTicker(ctx); err != nil {
		f.Close(ctx)
		return nil, err
	}
	if err := f.pool.fill(ctx, cfg.PoolMin); err != nil {
		f.Close(ctx)
		return nil, err
	}
	fields := []zap.Field{
		zap.String("filter", f.name),
		zap.String("path", cfg.Path),
		zap.String("sha256", f.hash),
		zap.Duration("compile", compiledIn),
		zap.Duration("total", time.Since(start)),
		zap.Int("pool_min", cfg.PoolMin),
		zap.Int("pool_max", cfg.PoolMax),
		zap.Uint64("memory_limit", uint64(f.pages)*wasmPage),
		zap.Duration("timeout", cfg.Timeout),
	}
	if f.snap != nil {
		fields = append(fields, zap.Uint64("snapshot_bytes", f.snap.MemorySize()))
	} else {
		fields = append(fields, zap.String("snapshot", "none: "+c.plan.NotRestorable))
	}
	f.logger.Info("filter loaded", fields...)
	return f, nil
}

// configure runs the guest's configure once for this filter, or finds the
// snapshot of an instance that ran it with the same module and config,
// and learns what the guest declared.
func (f *Filter) configure(ctx context.Context) error {
	if !f.compiled.plan.Restorable() {
		// Every instance is made from scratch; the first also tells what
		// the guest declared.
		first, err := f.newFresh(ctx)
		if err != nil {
			return err
		}
		f.stats.fresh.Add(1)
		f.features = first.binding.Configured().Features
		f.tickPeriod = first.takeTickPeriod()
		if !f.pool.adopt(first) {
			first.close()
		}
		return nil
	}
	f.snapKey = snapshotKey{
		module:    f.key,
		config:    sha256.Sum256(f.cfg.GuestConfig),
		pages:     f.pages,
		logLevels: logLevels(f.logger),
		keySets:   f.keys != nil,
		kvGrants:  kvGrants(f.cfg.KVStores),
	}
	s, made, err := f.engine.acquireSnapshot(f.snapKey, f.compiled.plan, func() (*instance, error) {
		in, err := f.newFresh(ctx)
		if err == nil {
			f.stats.fresh.Add(1)
		}
		return in, err
	})
	if err != nil {
		return err
	}
	f.shared, f.snap, f.configured = s, s.snap, s.configured
	f.tickPeriod = s.tickPeriod
	f.features = s.configured.Features
	if !made && len(s.configured.KeySetSpecs) > 0 {
		// Another filter's configure opened these key sets, from its own
		// source: this filter's instances need them from this filter's.
		if f.configured.KeySets, err = f.reopenKeySets(s.configured.KeySetSpecs); err != nil {
			return err
		}
	}
	if !made && len(s.configured.KVStores) > 0 {
		// Likewise the stores: by name, from this filter's grants.
		if f.configured.KVStores, err = reopenKVStores(f.cfg.KVStores, s.configured.KVStoreNames()); err != nil {
			return err
		}
	}
	return nil
}

// reopenKeySets opens, from this filter's key sets, the specs another
// filter's configure opened, in the same order, so that the handles in
// the snapshot's memory find the same key sets.
func (f *Filter) reopenKeySets(specs [][]byte) ([]host.Verifier, error) {
	out := make([]host.Verifier, len(specs))
	for i, spec := range specs {
		v, err := f.keys.Open(spec)
		if err != nil {
			return nil, fmt.Errorf("opening key set %d for a restored instance: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

func (f *Filter) initLimit() time.Duration { return initScale * f.timeout }

func (f *Filter) memoryLimit() uint64 { return uint64(f.pages) * wasmPage }

// Name is the filter's name.
func (f *Filter) Name() string { return f.name }

// Features is what the guest declared during configure.
func (f *Filter) Features() hostabi.Feature { return f.features }

// HasResponse reports whether the filter runs in the response phase.
func (f *Filter) HasResponse() bool { return f.features&hostabi.FeatureResponse != 0 }

// ModuleHash is the start of the module's sha256 in hex (16 digits): what
// logs and traces name the module by, so that two loads of one name can
// be told apart.
func (f *Filter) ModuleHash() string { return f.hash }

const moduleHashPrefix = 8 // bytes

// CallInfo is what a call tells of itself beyond its action and error,
// for a host that traces calls.
type CallInfo struct {
	// ColdStart reports that no idle instance was there: the call made
	// the instance it ran on (restored from the snapshot, or started
	// from scratch) and waited for it.
	ColdStart bool
}

// Call runs one phase of the filter on ex and returns the guest's action.
// A failed call returns a *CallError; the instance it ran on is closed and
// never reused.
func (f *Filter) Call(ctx context.Context, phase hostabi.Phase, ex host.Exchange) (hostabi.Action, error) {
	a, _, err := f.CallAt(ctx, phase, ex, Now(), nil)
	return a, err
}

// Instant is a reading of the monotonic clock that time limits run on.
// A host that runs calls one after another passes the end of one as the
// start of the next (see CallAt), so that a call costs one clock read.
type Instant int64

// Now reads the clock.
func Now() Instant { return Instant(clock()) }

// Sub is the time from u to t.
func (t Instant) Sub(u Instant) time.Duration { return time.Duration(t - u) }

// CallAt is Call for a caller that has read the clock just before
// (start, with nothing that can block since): it returns the instant the
// call ended, which the caller can pass on as the start of the next call
// and subtract start from for the call's duration, waiting for an
// instance included. The call reads the clock once, at its end: start
// begins its time limit, unless the instance is new or was waited for
// (it was returned after start), when the limit begins once it is there.
// A failed call's end is read before the filter logs the failure: a
// caller that goes on after one reads the clock again.
//
// When info is not nil, the call fills it with what it learnt of itself
// (for a host that traces calls); a call that failed before it had an
// instance (busy, closed) leaves it as it was.
func (f *Filter) CallAt(ctx context.Context, phase hostabi.Phase, ex host.Exchange, start Instant, info *CallInfo) (hostabi.Action, Instant, error) {
	switch f.dialect {
	case dialectHTTPWasm:
		return f.callHTTPWasm(ctx, phase, ex, start, info)
	case dialectProxyWasm:
		return f.callProxyWasm(ctx, phase, ex, start, info)
	}
	in, err := f.pool.get(ctx)
	if err != nil {
		return 0, Now(), poolFailure(f.name, ctx, err)
	}
	if info != nil {
		info.ColdStart = in.madeForCall
	}
	in.madeForCall = false
	fn := in.onRequest
	if phase == hostabi.PhaseResponse {
		fn = in.onResponse
		if fn == nil {
			end := clock()
			f.pool.putAt(in, end)
			return hostabi.ActionContinue, Instant(end), nil
		}
	}
	limitStart := int64(start)
	if in.idleSince == 0 || in.idleSince >= limitStart {
		limitStart = clock()
	}
	in.binding.Exchange, in.binding.Phase = ex, phase
	r, err := in.callFrom(limitStart, fn, f.timeout)
	in.binding.Exchange = nil
	if err == nil && in.mem.Refused() {
		// docs/ABI.md: a guest refused memory fails the call, whatever
		// it did next (a C guest may check for -1 and return).
		err = errMemoryRefused
	}
	end := clock()
	if err != nil {
		ce := f.classify(in, err, f.timeout)
		f.pool.discard(in)
		f.logFailure(ce)
		return 0, Instant(end), ce
	}
	switch a := hostabi.Action(r); a {
	case hostabi.ActionContinue, hostabi.ActionRespond:
		if a == hostabi.ActionContinue && phase == hostabi.PhaseRequest && f.features&hostabi.FeatureCarryResponseHeaders != 0 {
			carryResponseHeader(ex)
		}
		f.pool.putAt(in, end)
		return a, Instant(end), nil
	default:
		// A guest that returns nonsense is not trusted with the next
		// request either.
		f.pool.discard(in)
		err := &CallError{Filter: f.name, Kind: ErrBadAction, Cause: fmt.Errorf("action %d", r)}
		f.logFailure(err)
		return 0, Instant(end), err
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

// Stats is a snapshot of a filter's instances.
type Stats struct {
	// Live instances exist now, Busy of them serving a call.
	Live, Busy int64
	// Waits counts the calls that found no instance free and waited.
	Waits int64
	// Fresh instances were made from scratch (the guest's runtime started
	// and its configure ran), Restored ones from the snapshot; Reaped
	// idle ones were closed by the idle timeout. All since the load.
	Fresh, Restored, Reaped int64
	// SnapshotBytes is the size of the snapshot's memory, 0 without one;
	// SnapshotResident how much of it the host holds (its non-zero
	// pages), shared by every filter that restores from it.
	SnapshotBytes, SnapshotResident uint64
	// PeakMemory is the largest linear memory any of its instances has
	// had since the load: what the guest needs of its memory limit.
	PeakMemory uint64
}

// startCounts counts the instances a filter or function made, by how,
// and the largest memory they grew to.
type startCounts struct {
	fresh, restored atomic.Int64
	peakMemory      atomic.Uint64
}

// of is the Stats of the instances counted in c, pooled in p, restored
// from snap (nil without one).
func (c *startCounts) of(p *pool, snap *snapshot.Snapshot) Stats {
	s := Stats{
		Live:     p.live.Load(),
		Busy:     p.busy(),
		Waits:    p.waits.Load(),
		Fresh:    c.fresh.Load(),
		Restored: c.restored.Load(),
		Reaped:   p.reaped.Load(),

		PeakMemory: c.peakMemory.Load(),
	}
	if snap != nil {
		s.SnapshotBytes, s.SnapshotResident = snap.MemorySize(), snap.Resident()
	}
	return s
}

// Stats reports the filter's instances so far.
func (f *Filter) Stats() Stats {
	return f.stats.of(f.pool, f.snap)
}

// Close stops the filter's ticks, closes its instances (busy ones when
// they come back) and releases its compiled module and snapshot.
func (f *Filter) Close(ctx context.Context) {
	f.stopTicker()
	f.pool.close()
	if f.shared != nil {
		f.engine.releaseSnapshot(f.snapKey, f.shared)
		f.shared = nil
	}
	f.engine.release(ctx, f.key)
}

const wasmPage = 65536
