package filters

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/gojinn/gojinn/filters/internal/interrupt"
	"github.com/gojinn/gojinn/filters/internal/memory"
	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// instance is one guest instance with everything a call needs, built once:
// its binding, the context that carries it, the time-limit timer, its
// memory and the exports.
type instance struct {
	mod        api.Module
	binding    host.Binding
	ctx        context.Context
	limit      *limit
	mem        *memory.Memory
	stderr     *logWriter
	onRequest  api.Function
	onResponse api.Function
	// fn is a function's standard input and output and its entry
	// points; nil for a filter.
	fn *functionIO
	// hw is an http-wasm filter's binding and call state; nil for
	// Gojinn's dialect.
	hw *httpWasmInstance
	// pw is a Proxy-Wasm filter's; nil for the other dialects.
	pw    *proxyWasmInstance
	stack [1]uint64
	// slot is the instance's place in its pool; idleSince is when it
	// last went back to the pool (clock).
	slot      int
	idleSince int64
	// madeForCall is set when a call's pool take made the instance (a
	// cold start) and cleared by that call, which reports it.
	madeForCall bool
}

// call runs fn under the time limit d and returns its i32 result.
func (in *instance) call(fn api.Function, d time.Duration) (int32, error) {
	return in.callFrom(clock(), fn, d)
}

// callFrom is call under a limit that started at start (clock), which
// the caller has read for its own use as well.
func (in *instance) callFrom(start int64, fn api.Function, d time.Duration) (int32, error) {
	in.mem.Reset()
	in.stderr.reset()
	err := in.limit.runFrom(start, d, func() error { return fn.CallWithStack(in.ctx, in.stack[:]) })
	return int32(uint32(in.stack[0])), err
}

// close closes the instance; its memory goes back to the system.
func (in *instance) close() {
	in.limit.stop()
	_ = in.mod.Close(context.Background())
}

// instantiate makes a bare instance of the filter's module with its own
// binding and memory (restored from snap when it is not nil), before any
// of the guest's code has run. ctx bounds the instantiation only: the
// instance outlives the request that caused it, so its own context, which
// every later call runs under, is built on context.Background and holds
// nothing of that request.
func (f *Filter) instantiate(ctx context.Context, snap *snapshot.Snapshot) (*instance, error) {
	in := &instance{
		binding: host.Binding{
			Filter:  f.name,
			Config:  f.cfg.GuestConfig,
			Logger:  f.logger,
			KeySets: f.keys,
			Phase:   hostabi.PhaseConfigure,
			// The guest's state does not depend on it: snapshots
			// are shared whatever it is.
			TraceLogs: f.cfg.TraceLogs,
		},
		limit:  newLimit(),
		stderr: newLogWriter(f.logger, "filter", f.name),
	}
	in.binding.KVStores = f.cfg.KVStores
	in.ctx = host.WithBinding(context.Background(), &in.binding)
	mc := wazero.NewModuleConfig().
		WithStderr(in.stderr).
		WithStdout(in.stderr)
	alloc := memory.NewAllocator(f.memoryLimit(), nil)
	if snap != nil {
		alloc = snap.Allocator(f.memoryLimit())
	}
	alloc.TrackPeak(&f.stats.peakMemory)
	if err := f.engine.instantiate(ctx, f.compiled, in, alloc, mc); err != nil {
		return nil, err
	}
	in.onRequest = in.mod.ExportedFunction(hostabi.ExportOnRequest)
	in.onResponse = in.mod.ExportedFunction(hostabi.ExportOnResponse)
	f.bindDialect(in)
	return in, nil
}

// instantiate makes in's module instance from c, with the memory alloc
// makes and mc's standard streams, environment and arguments; it is what
// filters and functions share of an instance's making. No start function
// runs: the host runs them under the time limit.
func (e *Engine) instantiate(ctx context.Context, c *compiled, in *instance, alloc *memory.Allocator, mc wazero.ModuleConfig) error {
	mc = mc.
		WithName("").         // anonymous: many instances of one module
		WithStartFunctions(). // run by the host, under the time limit
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime()
	mod, err := e.rt.InstantiateModule(experimental.WithMemoryAllocator(ctx, alloc), c.mod, mc)
	if err != nil {
		if m := alloc.Memory(); m != nil && m.Err() != nil {
			err = m.Err()
		}
		return fmt.Errorf("instantiating: %w", err)
	}
	in.mod, in.mem = mod, alloc.Memory()
	if in.mem == nil {
		_ = mod.Close(ctx)
		return errors.New("instantiating: the module has no memory")
	}
	flag, ok := mod.ExportedGlobal(interrupt.Global).(api.MutableGlobal)
	if !ok {
		_ = mod.Close(ctx)
		return errors.New("instantiating: the interrupt flag is missing")
	}
	in.limit.flag.Store(&flag)
	return nil
}

// initialize runs those of the named exports that the module has, in
// order, each under the time limit d: the start-up of a fresh instance.
// Each may loop or trap like any call. who names the guest in the error.
func (in *instance) initialize(who string, d time.Duration, names ...string) error {
	for _, name := range names {
		fn := in.mod.ExportedFunction(name)
		if fn == nil {
			continue
		}
		err := in.limit.run(d, func() error {
			_, err := fn.Call(in.ctx)
			return err
		})
		if err != nil {
			return classify(who, in, err, d)
		}
	}
	return nil
}

// newFresh makes an instance from scratch and configures it: the
// module's data, its start function, the reactor's initialiser (the
// guest's runtime and package init), then gojinn_configure.
func (f *Filter) newFresh(ctx context.Context) (*instance, error) {
	in, err := f.instantiate(ctx, nil)
	if err != nil {
		return nil, err
	}
	// Under the limit, scaled for a runtime's start-up.
	if err := in.initialize(f.name, f.initLimit(), f.dialect.startExports()...); err != nil {
		in.close()
		return nil, fmt.Errorf("instantiating: %w", err)
	}
	if f.dialect == dialectProxyWasm {
		if err := f.startProxyWasm(in); err != nil {
			in.close()
			return nil, err
		}
	}
	// Configure is start-up too (and, with snapshots, runs once per
	// module and config): it gets the start-up limit, not a request's.
	if configure := in.mod.ExportedFunction(hostabi.ExportConfigure); configure != nil {
		r, err := in.call(configure, f.initLimit())
		if err != nil {
			ce := f.classify(in, err, f.initLimit())
			in.close()
			return nil, fmt.Errorf("gojinn_configure: %w", ce)
		}
		if r != 0 {
			in.close()
			reason := in.binding.ConfigureError()
			if reason == "" {
				reason = "no reason logged"
			}
			return nil, fmt.Errorf("gojinn_configure refused the config (result %d): %s", r, reason)
		}
	}
	return in, nil
}

// newRestored makes an instance from the filter's snapshot: the state of
// a configured instance, without running any of the guest's code.
func (f *Filter) newRestored(ctx context.Context) (*instance, error) {
	in, err := f.instantiate(ctx, f.snap)
	if err != nil {
		return nil, err
	}
	if err := f.snap.Restore(in.mod); err != nil {
		in.close()
		return nil, fmt.Errorf("restoring from the snapshot: %w", err)
	}
	in.binding.Restore(f.configured)
	return in, nil
}

// newInstance makes an instance for the pool, from the snapshot when the
// filter has one, and tells the observer how long it took.
func (f *Filter) newInstance(ctx context.Context) (*instance, error) {
	start := time.Now()
	var in *instance
	var err error
	if f.snap != nil {
		in, err = f.newRestored(ctx)
	} else {
		in, err = f.newFresh(ctx)
	}
	if err != nil {
		return nil, err
	}
	d := time.Since(start)
	if f.snap != nil {
		f.stats.restored.Add(1)
	} else {
		f.stats.fresh.Add(1)
	}
	if f.observer != nil {
		f.observer.InstanceStarted(f.snap != nil, d)
	}
	return in, nil
}

// classify turns a failed call under the time limit d into a CallError of
// the right kind. The order matters: a guest that ran out of memory or
// was already dying when its time ran out failed for that reason, even
// if its last words (a Go runtime prints its whole stack) took it past
// the deadline.
func (f *Filter) classify(in *instance, err error, d time.Duration) *CallError {
	return classify(f.name, in, err, d)
}

// classify is Filter.classify for any guest, named who.
func classify(who string, in *instance, err error, d time.Duration) *CallError {
	kind := ErrTrap
	var exit *sys.ExitError
	switch {
	case in.mem.Refused():
		// The guest asked for more memory than its limit, whatever it
		// did next (a Go runtime throws; a C one may trap later).
		kind = ErrMemoryLimit
	case errors.Is(err, host.ErrStoreUnavailable):
		// The host failed the call: the guest did nothing wrong.
		kind = ErrStoreUnavailable
	case errors.As(err, &exit) && exit.ExitCode() != sys.ExitCodeDeadlineExceeded:
		// The guest exited on its own (a Go panic exits with 2).
	case in.stderr.dying():
		// The guest's runtime said it was failing (a panic, a fatal
		// error) before the limit stopped it.
	case in.limit.expired.Load(), exit != nil:
		kind = ErrTimeout
	}
	ce := &CallError{Filter: who, Kind: kind, Cause: err}
	if kind == ErrTimeout {
		ce.Limit = d
	}
	return ce
}
