package filters

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/gojinn/gojinn/filters/internal/interrupt"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// instance is one guest instance with everything a call needs, built once:
// its binding, the context that carries it, the time-limit timer and the
// exports.
type instance struct {
	mod        api.Module
	binding    host.Binding
	ctx        context.Context
	limit      *limit
	onRequest  api.Function
	onResponse api.Function
	stack      [1]uint64
}

// call runs fn under the time limit and returns its i32 result.
func (in *instance) call(fn api.Function, d time.Duration) (int32, error) {
	err := in.limit.run(d, func() error { return fn.CallWithStack(in.ctx, in.stack[:]) })
	return int32(uint32(in.stack[0])), err
}

func (in *instance) close(ctx context.Context) {
	in.limit.stop()
	_ = in.mod.Close(ctx)
}

// newInstance instantiates the filter's module and configures it. ctx
// bounds the instantiation only: the instance outlives the request that
// caused it, so its own context, which every later call runs under, is
// built on context.Background and holds nothing of that request.
func (f *Filter) newInstance(ctx context.Context) (*instance, error) {
	in := &instance{
		binding: host.Binding{
			Filter:  f.name,
			Config:  f.cfg.GuestConfig,
			Logger:  f.logger,
			KeySets: f.keys,
			Phase:   hostabi.PhaseConfigure,
		},
	}
	in.ctx = host.WithBinding(context.Background(), &in.binding)
	in.limit = newLimit()
	stderr := newLogWriter(f.logger, f.name)
	mc := wazero.NewModuleConfig().
		WithName("").         // anonymous: many instances of one module
		WithStartFunctions(). // run below, under the time limit
		WithStderr(stderr).
		WithStdout(stderr).
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime()
	mod, err := f.compiled.rt.rt.InstantiateModule(ctx, f.compiled.mod, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiating: %w", err)
	}
	in.mod = mod
	flag, ok := mod.ExportedGlobal(interrupt.Global).(api.MutableGlobal)
	if !ok {
		_ = mod.Close(ctx)
		return nil, errors.New("instantiating: the interrupt flag is missing")
	}
	in.limit.flag.Store(&flag)
	// The start function, then the reactor's initialiser (the guest's
	// runtime and package init): either may loop or trap like any call,
	// so they run under the limit, scaled for a runtime's start-up.
	for _, name := range []string{interrupt.Start, hostabi.ExportInitialize} {
		fn := mod.ExportedFunction(name)
		if fn == nil {
			continue
		}
		err := in.limit.run(f.initLimit(), func() error {
			_, err := fn.Call(in.ctx)
			return err
		})
		if err != nil {
			err = f.classify(in, err, f.initLimit())
			in.close(ctx)
			return nil, fmt.Errorf("instantiating: %w", err)
		}
	}
	in.onRequest = mod.ExportedFunction(hostabi.ExportOnRequest)
	in.onResponse = mod.ExportedFunction(hostabi.ExportOnResponse)
	if configure := mod.ExportedFunction(hostabi.ExportConfigure); configure != nil {
		r, err := in.call(configure, f.timeout)
		if err != nil {
			in.close(ctx)
			return nil, fmt.Errorf("gojinn_configure: %w", f.classify(in, err, f.timeout))
		}
		if r != 0 {
			in.close(ctx)
			reason := in.binding.ConfigureError()
			if reason == "" {
				reason = "no reason logged"
			}
			return nil, fmt.Errorf("gojinn_configure refused the config (result %d): %s", r, reason)
		}
	}
	return in, nil
}

// classify turns a failed call under the time limit d into a CallError of
// the right kind.
func (f *Filter) classify(in *instance, err error, d time.Duration) *CallError {
	kind := ErrTrap
	var exit *sys.ExitError
	switch {
	// Memory first: a Go guest out of memory prints its traceback as it
	// dies, which can outlast the time limit; the cause is still memory.
	case in.mod != nil && f.atMemoryLimit(in.mod):
		kind = ErrMemoryLimit
	case errors.As(err, &exit) && exit.ExitCode() != sys.ExitCodeDeadlineExceeded:
		// The guest exited on its own (a Go panic exits with 2): a trap,
		// even when it took past the limit to print its last words.
	case in.limit.expired.Load():
		kind = ErrTimeout
	case exit != nil:
		kind = ErrTimeout
	}
	ce := &CallError{Filter: f.name, Kind: kind, Cause: err}
	if kind == ErrTimeout {
		ce.Limit = d
	}
	return ce
}

// atMemoryLimit reports whether the guest's memory is too close to its
// limit to grow as a runtime asks, which is what a trap after a failed
// memory.grow looks like. Go's runtime grows its heap by 4 MiB at a time,
// so it fails while still that far under the limit.
func (f *Filter) atMemoryLimit(mod api.Module) bool {
	mem := mod.Memory()
	if mem == nil {
		return false
	}
	limit := uint64(f.pages) * wasmPage
	return uint64(mem.Size())+min(growStep, limit/8) > limit
}

const growStep = 4 << 20

const wasmPage = 65536
