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
	"github.com/gojinn/gojinn/hostabi/host"
)

// Engine compiles and runs filters. One Engine serves a whole process: it
// holds a wazero runtime per memory limit (the limit is a runtime setting
// in wazero), a compilation cache they share, and compiled modules keyed
// by content hash, so that loading the same bytes again — a config reload —
// costs a map lookup, not a compile.
type Engine struct {
	cache wazero.CompilationCache

	mu       sync.Mutex
	runtimes map[uint32]*wasmRuntime
	modules  map[moduleKey]*compiled
	closed   bool
}

// EngineConfig configures an Engine.
type EngineConfig struct {
	// CacheDir, when set, keeps compiled machine code on disk so that a
	// restart does not compile again.
	CacheDir string
}

type wasmRuntime struct {
	rt        wazero.Runtime
	wasiFuncs map[string]bool
}

type moduleKey struct {
	hash  [sha256.Size]byte
	pages uint32
}

type compiled struct {
	mod  wazero.CompiledModule
	rt   *wasmRuntime
	refs int
}

// NewEngine returns an Engine.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	cache := wazero.NewCompilationCache()
	if cfg.CacheDir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, fmt.Errorf("compilation cache in %s: %w", cfg.CacheDir, err)
		}
	}
	return &Engine{
		cache:    cache,
		runtimes: make(map[uint32]*wasmRuntime),
		modules:  make(map[moduleKey]*compiled),
	}, nil
}

// runtimeFor returns the runtime for a memory limit, creating it once.
// Callers hold e.mu.
func (e *Engine) runtimeFor(ctx context.Context, pages uint32) (*wasmRuntime, error) {
	if r, ok := e.runtimes[pages]; ok {
		return r, nil
	}
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(e.cache).
		WithMemoryLimitPages(pages)
	// No WithCloseOnContextDone: time limits use the loop checks that
	// package interrupt adds, at a fraction of the cost per call.
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("instantiating WASI: %w", err)
	}
	if _, err := host.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	r := &wasmRuntime{rt: rt, wasiFuncs: make(map[string]bool)}
	for name := range rt.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions() {
		r.wasiFuncs[name] = true
	}
	e.runtimes[pages] = r
	return r, nil
}

// compile returns the compiled module for wasm under a memory limit,
// compiling it only the first time those bytes are seen. Every call must
// be paired with release.
func (e *Engine) compile(ctx context.Context, wasm []byte, pages uint32) (*compiled, moduleKey, error) {
	key := moduleKey{hash: sha256.Sum256(wasm), pages: pages}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, key, errors.New("engine closed")
	}
	if c, ok := e.modules[key]; ok {
		c.refs++
		return c, key, nil
	}
	r, err := e.runtimeFor(ctx, pages)
	if err != nil {
		return nil, key, err
	}
	// Compiling a large module takes a while; doing it under e.mu keeps
	// two loads of the same bytes from compiling twice, and loads happen
	// at provision time, not on the request path.
	instrumented, err := interrupt.Instrument(wasm)
	if err != nil {
		return nil, key, fmt.Errorf("preparing the module: %w", err)
	}
	mod, err := r.rt.CompileModule(ctx, instrumented)
	if err != nil {
		return nil, key, fmt.Errorf("compiling: %w", err)
	}
	c := &compiled{mod: mod, rt: r, refs: 1}
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
	}
}

// Modules is how many compiled modules the engine holds.
func (e *Engine) Modules() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.modules)
}

// Close closes every runtime, and with them every instance.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	var errs []error
	for _, r := range e.runtimes {
		errs = append(errs, r.rt.Close(ctx))
	}
	errs = append(errs, e.cache.Close(ctx))
	e.runtimes, e.modules = nil, nil
	return errors.Join(errs...)
}
