package filters

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/filters/internal/interrupt"
	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// Engine compiles and runs filters. One Engine serves a whole process: it
// holds one wazero runtime, a compilation cache, the compiled modules
// keyed by content hash, so that loading the same bytes again (a config
// reload, another site with the same filter) costs a map lookup, not a
// compile, and the instance snapshots keyed by module and configuration,
// so that configuring the same filter again costs nothing either.
type Engine struct {
	cache     wazero.CompilationCache
	rt        wazero.Runtime
	wasiFuncs map[string]bool

	mu        sync.Mutex
	modules   map[moduleKey]*compiled
	files     map[fileID]moduleKey
	snapshots map[snapshotKey]*sharedSnapshot
	closed    bool

	// proxyWasm are the Proxy-Wasm filters' shared data and metrics.
	proxyWasm *proxyWasmStores
	// ticks are the Proxy-Wasm filters' tickers, stopped by Close.
	ticks *tickers
}

// EngineConfig configures an Engine.
type EngineConfig struct {
	// CacheDir, when set, keeps compiled machine code on disk so that a
	// restart does not compile again.
	CacheDir string
}

type moduleKey [sha256.Size]byte

// compiled is a module compiled once for every filter that loads it.
type compiled struct {
	mod  wazero.CompiledModule
	plan snapshot.Plan
	refs int
	// noopHandleResponse: an http-wasm guest's handle_response is empty,
	// so it needs no response phase (emptyexport.go).
	noopHandleResponse bool
}

// NewEngine returns an Engine.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	ctx := context.Background()
	cache := wazero.NewCompilationCache()
	if cfg.CacheDir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, fmt.Errorf("compilation cache in %s: %w", cfg.CacheDir, err)
		}
	}
	// No memory limit here: each filter's is enforced by its instances'
	// memory allocator (package memory), so that one runtime, and one
	// compilation, serves filters with different limits. No
	// WithCloseOnContextDone: time limits use the loop checks that
	// package interrupt adds, at a fraction of the cost per call.
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("instantiating WASI: %w", err)
	}
	if _, err := host.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	if _, err := httpwasm.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	if _, err := proxywasm.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	e := &Engine{
		cache:     cache,
		rt:        rt,
		wasiFuncs: make(map[string]bool),
		modules:   make(map[moduleKey]*compiled),
		files:     make(map[fileID]moduleKey),
		snapshots: make(map[snapshotKey]*sharedSnapshot),
		proxyWasm: newProxyWasmStores(),
		ticks:     newTickers(),
	}
	for name := range rt.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions() {
		e.wasiFuncs[name] = true
	}
	return e, nil
}

// compile returns the compiled module for wasm, compiling it only the
// first time those bytes are seen. Every call must be paired with
// release.
func (e *Engine) compile(ctx context.Context, wasm []byte) (*compiled, moduleKey, error) {
	key := moduleKey(sha256.Sum256(wasm))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, key, errors.New("engine closed")
	}
	if c, ok := e.modules[key]; ok {
		c.refs++
		return c, key, nil
	}
	// Compiling a large module takes a while; doing it under e.mu keeps
	// two loads of the same bytes from compiling twice, and loads happen
	// at provision time, not on the request path.
	instrumented, err := interrupt.Instrument(wasm)
	if err != nil {
		return nil, key, fmt.Errorf("preparing the module: %w", err)
	}
	prepared, plan, err := snapshot.Prepare(instrumented)
	if err != nil {
		return nil, key, fmt.Errorf("preparing the module: %w", err)
	}
	mod, err := e.rt.CompileModule(ctx, prepared)
	if err != nil {
		return nil, key, fmt.Errorf("compiling: %w", err)
	}
	c := &compiled{mod: mod, plan: plan, refs: 1, noopHandleResponse: emptyExport(wasm, httpwasm.ExportHandleResponse)}
	e.modules[key] = c
	return c, key, nil
}

func (e *Engine) release(ctx context.Context, key moduleKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.modules[key]
	if !ok {
		return
	}
	if c.refs--; c.refs == 0 {
		delete(e.modules, key)
		_ = c.mod.Close(ctx)
		for id, k := range e.files {
			if k == key {
				delete(e.files, id)
			}
		}
	}
}

// Modules is how many compiled modules the engine holds.
func (e *Engine) Modules() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.modules)
}

// Snapshots is how many instance snapshots the engine holds.
func (e *Engine) Snapshots() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.snapshots {
		if s.ready() {
			n++
		}
	}
	return n
}

// Close stops the filters' tick timers, then closes the runtime, and
// with it every instance.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.ticks.stopAll()
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := []error{e.rt.Close(ctx), e.cache.Close(ctx)}
	for _, s := range e.snapshots {
		if s.ready() && s.snap != nil {
			errs = append(errs, s.snap.Close())
			s.snap = nil
		}
	}
	e.modules, e.files = nil, nil
	clear(e.snapshots)
	return errors.Join(errs...)
}
