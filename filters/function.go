package filters

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters/internal/interrupt"
	"github.com/gojinn/gojinn/filters/internal/memory"
	"github.com/gojinn/gojinn/filters/internal/snapshot"
	"github.com/gojinn/gojinn/hostabi"
)

// The engine's second kind of module: a function. A filter acts on an
// exchange through the host functions; a function imports none of them:
// it reads its input on stdin and writes its output on stdout, which is
// all a program in any language needs. What the bytes mean (the JSON
// contract of package functions) is not the engine's business. Functions
// share everything else with filters: the compile cache, the memories
// and their limits, the time limit, the classification of failures, the
// pools and the snapshots.

// FunctionKind is the form of a function's module, found at load.
type FunctionKind uint8

const (
	// Command is a WASI command: it exports _start, which runs the
	// program once, start-up and all. Each call is a new instance,
	// restored from a snapshot taken before _start (the module's data in
	// place, nothing run), then _start. It is what every toolchain
	// builds by default (GOOS=wasip1 GOARCH=wasm go build).
	Command FunctionKind = iota + 1
	// Reactor exports hostabi.ExportFunction: each call serves one input
	// on an instance that started once, so instances are pooled and
	// restored from a snapshot taken after the start-up, as filters'
	// are. The Go SDK for functions (hostabi/function) builds it.
	Reactor
)

func (k FunctionKind) String() string {
	switch k {
	case Command:
		return "command"
	case Reactor:
		return "reactor"
	}
	return "unknown"
}

// DefaultMaxOutput is a function's stdout limit when its config sets
// none.
const DefaultMaxOutput = 4 << 20

// FunctionConfig is one function's configuration. Zero values take the
// same defaults as Config's.
type FunctionConfig struct {
	// Name names the function in errors, logs and metrics.
	Name string
	// Path is the module file; Wasm, when set, is used instead.
	Path string
	Wasm []byte
	// Args are the program's arguments as it sees them (a Go program's
	// os.Args), whole: no program name is put in front.
	Args []string
	// Env is the program's environment, as "KEY=value" entries.
	Env []string
	// Timeout bounds each call (a command's whole run); a reactor's
	// start-up may take ten times as long.
	Timeout time.Duration
	// MemoryLimit bounds each instance's linear memory, in bytes, rounded
	// up to whole 64 KiB pages.
	MemoryLimit uint64
	// PoolMax instances exist at most, serving as many calls at once. A
	// call waits up to PoolWait for one. A reactor's instance idle for
	// IdleTimeout is closed; a command's serves one call.
	PoolMax     int
	PoolWait    time.Duration
	IdleTimeout time.Duration
	// MaxOutput bounds what one call may write to stdout, in bytes.
	MaxOutput int
	// Logger receives load events and the program's stderr, line by line.
	Logger *zap.Logger
	// Observer is told of every instance made; nil tells no one.
	Observer Observer
}

// Validate reports what is wrong with c without reading or compiling
// anything. LoadFunction checks the same.
func (c FunctionConfig) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("a function needs a name")
	case c.Wasm == nil && c.Path == "":
		return errors.New("no module: set a path")
	case c.Timeout < 0:
		return errors.New("timeout cannot be negative")
	case c.PoolMax < 0:
		return errors.New("pool size cannot be negative")
	case c.PoolMax > maxSlots:
		return fmt.Errorf("a pool of over %d instances is refused", maxSlots)
	case c.PoolWait < 0:
		return errors.New("pool wait cannot be negative")
	case c.IdleTimeout < 0:
		return errors.New("idle timeout cannot be negative")
	case c.MaxOutput < 0:
		return errors.New("output limit cannot be negative")
	case c.MemoryLimit > maxMemoryLimit:
		return fmt.Errorf("memory limit %d bytes is over wasm32's 4 GiB", c.MemoryLimit)
	}
	for _, a := range c.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("argument %q holds a NUL byte, which no program can receive", a)
		}
	}
	for _, kv := range c.Env {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok || k == "":
			return fmt.Errorf("environment entry %q is not KEY=value", kv)
		case strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0:
			// The value is a secret, perhaps: only the name is told.
			return fmt.Errorf("environment variable %q holds a NUL byte", k)
		}
	}
	return nil
}

// withDefaults returns c with every zero value replaced by its default.
func (c FunctionConfig) withDefaults() FunctionConfig {
	d := Config{
		Timeout: c.Timeout, MemoryLimit: c.MemoryLimit, PoolMax: c.PoolMax,
		PoolWait: c.PoolWait, IdleTimeout: c.IdleTimeout, Logger: c.Logger,
	}.withDefaults()
	c.Timeout, c.MemoryLimit, c.PoolMax = d.Timeout, d.MemoryLimit, d.PoolMax
	c.PoolWait, c.IdleTimeout, c.Logger = d.PoolWait, d.IdleTimeout, d.Logger
	if c.MaxOutput == 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	return c
}

// Function is a loaded function: a compiled module, the snapshot its
// instances are restored from, and a pool of instances. It is safe for
// concurrent use.
type Function struct {
	name     string
	kind     FunctionKind
	cfg      FunctionConfig
	engine   *Engine
	key      moduleKey
	compiled *compiled
	pages    uint32
	logger   *zap.Logger
	// modConfig holds the arguments and environment, built once.
	modConfig wazero.ModuleConfig
	pool      *pool

	snap    *snapshot.Snapshot
	snapKey snapshotKey
	shared  *sharedSnapshot

	stats startCounts
}

// LoadFunction reads, checks and compiles a function, tells its kind from
// its exports, and takes the snapshot its instances will be restored from
// (or finds the one an earlier load took). Every error names the function
// and its file.
func (e *Engine) LoadFunction(ctx context.Context, cfg FunctionConfig) (*Function, error) {
	f, err := e.loadFunction(ctx, cfg)
	if err != nil {
		return nil, loadError("function", cfg.Name, cfg.Path, err)
	}
	return f, nil
}

func (e *Engine) loadFunction(ctx context.Context, cfg FunctionConfig) (*Function, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	start := time.Now()
	c, key, err := e.compileSource(ctx, cfg.Wasm, cfg.Path)
	if err != nil {
		return nil, err
	}
	f := &Function{
		name:     cfg.Name,
		cfg:      cfg,
		engine:   e,
		key:      key,
		compiled: c,
		pages:    Config{MemoryLimit: cfg.MemoryLimit}.pages(),
		logger:   cfg.Logger,
	}
	if f.kind, err = checkFunction(c.mod, e.wasiFuncs, f.memoryLimit()); err != nil {
		e.release(ctx, key)
		return nil, err
	}
	if _, ok := c.mod.ExportedFunctions()[hostabi.ExportFunction]; ok && f.kind == Command {
		f.logger.Warn("the module exports "+hostabi.ExportFunction+" but is a command (it exports "+
			hostabi.ExportStart+"): each request starts it anew; build it with -buildmode=c-shared for the reactor form",
			zap.String("function", f.name))
	}
	f.modConfig = wazero.NewModuleConfig().WithArgs(cfg.Args...)
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		f.modConfig = f.modConfig.WithEnv(k, v)
	}
	compiledIn := time.Since(start)
	f.pool = newPool(0, cfg.PoolMax, cfg.PoolWait, cfg.IdleTimeout, f.newInstance)
	if err := f.prepare(ctx); err != nil {
		f.Close(ctx)
		return nil, err
	}
	fields := []zap.Field{
		zap.String("function", f.name),
		zap.String("kind", f.kind.String()),
		zap.String("path", cfg.Path),
		zap.String("sha256", fmt.Sprintf("%x", key[:8])),
		zap.Duration("compile", compiledIn),
		zap.Duration("total", time.Since(start)),
		zap.Int("pool_max", cfg.PoolMax),
		zap.Uint64("memory_limit", f.memoryLimit()),
		zap.Duration("timeout", cfg.Timeout),
		zap.Int("max_output", cfg.MaxOutput),
		// The names only: values may be secrets.
		zap.Strings("env", envNames(cfg.Env)),
	}
	if f.snap != nil {
		fields = append(fields, zap.Uint64("snapshot_bytes", f.snap.MemorySize()))
	} else {
		fields = append(fields, zap.String("snapshot", "none: "+c.plan.NotRestorable))
	}
	f.logger.Info("function loaded", fields...)
	return f, nil
}

func envNames(env []string) []string {
	names := make([]string, len(env))
	for i, kv := range env {
		names[i], _, _ = strings.Cut(kv, "=")
	}
	return names
}

// prepare makes the first instance from scratch, which proves the module
// instantiates (and a reactor's start-up runs), and keeps the snapshot of
// it that every later instance is restored from: a command's is taken before any of its code has run, a
// reactor's once its start-up has run. Functions that agree on the
// module, the memory limit and what the start-up could read (a reactor's
// arguments and environment) share one snapshot.
func (f *Function) prepare(ctx context.Context) error {
	if !f.compiled.plan.Restorable() {
		first, err := f.newFresh(ctx)
		if err != nil {
			return err
		}
		f.stats.fresh.Add(1)
		// A command's instance serves one call, which has not come.
		if f.kind == Command || !f.pool.adopt(first) {
			first.close()
		}
		return nil
	}
	f.snapKey = snapshotKey{module: f.key, pages: f.pages, function: true}
	if f.kind == Reactor {
		f.snapKey.config = startupDigest(f.cfg.Args, f.cfg.Env)
	}
	s, _, err := f.engine.acquireSnapshot(f.snapKey, f.compiled.plan, func() (*instance, error) {
		in, err := f.newFresh(ctx)
		if err == nil {
			f.stats.fresh.Add(1)
		}
		return in, err
	})
	if err != nil {
		return err
	}
	f.shared, f.snap = s, s.snap
	return nil
}

// startupDigest is the hash of what a reactor's start-up may read from
// the host besides its module: its arguments and environment.
func startupDigest(args, env []string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, list := range [][]string{args, env} {
		binary.LittleEndian.PutUint64(n[:], uint64(len(list)))
		h.Write(n[:])
		for _, s := range list {
			binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
			h.Write(n[:])
			io.WriteString(h, s)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func (f *Function) memoryLimit() uint64 { return uint64(f.pages) * wasmPage }

func (f *Function) initLimit() time.Duration { return initScale * f.cfg.Timeout }

// Name is the function's name.
func (f *Function) Name() string { return f.name }

// Kind is the form of the function's module.
func (f *Function) Kind() FunctionKind { return f.kind }

// Call runs the function on input (its stdin, which ends there) and
// returns what it wrote to stdout, appended to out[:0]. A command runs
// once, on an instance of its own; a reactor serves the call on a pooled
// instance. A failed call returns a *CallError, with what the function
// wrote before it failed: ErrOutputTooLarge when it wrote more than its
// limit (the output is cut there), whatever it did next, or else the
// kind of its failure. An
// instance that failed is closed and never reused.
func (f *Function) Call(ctx context.Context, input, out []byte) ([]byte, error) {
	in, err := f.pool.get(ctx)
	if err != nil {
		return out[:0], poolFailure(f.name, ctx, err)
	}
	fio := in.fn
	fio.stdin.reset(input)
	fio.stdout.start(out[:0], f.cfg.MaxOutput)
	in.mem.Reset()
	in.stderr.reset()
	err = in.limit.run(f.cfg.Timeout, func() error {
		if fio.start != nil {
			// A command's own start function, which instantiation would
			// have run.
			if err := fio.start.CallWithStack(in.ctx, in.stack[:]); err != nil {
				return err
			}
		}
		return fio.entry.CallWithStack(in.ctx, in.stack[:])
	})
	out, over := fio.stdout.finish()
	fio.stdin.reset(nil)
	in.stderr.endCall()
	if f.kind == Command {
		var exit *sys.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 0 {
			err = nil // a program that ran to its end
		}
	}
	switch {
	case over:
		// First: whatever the function did after its writes failed (it
		// may exit, or panic) followed from them. Its instance is not
		// kept, for it may be in some state of its own since.
		f.pool.discard(in)
		return out, &CallError{Filter: f.name, Kind: ErrOutputTooLarge,
			Cause: fmt.Errorf("more than %d bytes on stdout", f.cfg.MaxOutput)}
	case err != nil:
		f.pool.discard(in)
		return out, classify(f.name, in, err, f.cfg.Timeout)
	case f.kind == Command:
		// Its program has run: the instance is spent.
		f.pool.discard(in)
	default:
		f.pool.put(in)
	}
	return out, nil
}

// poolFailure is the CallError for a call that got no instance from the
// pool.
func poolFailure(who string, ctx context.Context, err error) *CallError {
	switch {
	case errors.Is(err, ErrBusy), errors.Is(err, ErrClosed):
		return &CallError{Filter: who, Kind: err}
	case ctx.Err() != nil:
		// The request went away while waiting: as busy, for the caller.
		return &CallError{Filter: who, Kind: ErrBusy, Cause: err}
	}
	// A new instance failed to start.
	return &CallError{Filter: who, Kind: ErrTrap, Cause: err}
}

// Stats reports the function's instances so far.
func (f *Function) Stats() Stats {
	return f.stats.of(f.pool, f.snap)
}

// Close closes the function's instances (busy ones when they come back)
// and releases its compiled module and snapshot.
func (f *Function) Close(ctx context.Context) {
	f.pool.close()
	if f.shared != nil {
		f.engine.releaseSnapshot(f.snapKey, f.shared)
		f.shared = nil
	}
	f.engine.release(ctx, f.key)
}

// instantiate makes a bare instance of the function's module, with its
// stdin, stdout and stderr, arguments and environment, and memory
// (restored from snap when it is not nil).
func (f *Function) instantiate(ctx context.Context, snap *snapshot.Snapshot) (*instance, error) {
	in := &instance{
		ctx:    context.Background(),
		limit:  newLimit(),
		stderr: newLogWriter(f.logger, "function", f.name),
		fn:     &functionIO{},
	}
	// Output outside a call (a reactor's start-up) goes to the log.
	in.fn.stdout.idle = in.stderr
	mc := f.modConfig.
		WithStdin(&in.fn.stdin).
		WithStdout(&in.fn.stdout).
		WithStderr(in.stderr)
	var alloc *memory.Allocator
	switch {
	case f.kind == Command && snap != nil:
		// Its instance serves one call: copied, not shared.
		alloc = snap.SingleUseAllocator(f.memoryLimit())
	case f.kind == Command:
		alloc = memory.NewSingleUseAllocator(f.memoryLimit(), nil)
	case snap != nil:
		alloc = snap.Allocator(f.memoryLimit())
	default:
		alloc = memory.NewAllocator(f.memoryLimit(), nil)
	}
	alloc.TrackPeak(&f.stats.peakMemory)
	if err := f.engine.instantiate(ctx, f.compiled, in, alloc, mc); err != nil {
		return nil, err
	}
	switch f.kind {
	case Command:
		in.fn.start = in.mod.ExportedFunction(interrupt.Start)
		in.fn.entry = in.mod.ExportedFunction(hostabi.ExportStart)
	case Reactor:
		in.fn.entry = in.mod.ExportedFunction(hostabi.ExportFunction)
	}
	return in, nil
}

// newFresh makes an instance from scratch: the module's data in memory,
// and, for a reactor, its start function and initialiser (the runtime's
// start-up and the program's init). A command's start function runs with
// the call, as it would have at instantiation.
func (f *Function) newFresh(ctx context.Context) (*instance, error) {
	in, err := f.instantiate(ctx, nil)
	if err != nil {
		return nil, err
	}
	startup := []string{snapshot.DataInit}
	if f.kind == Reactor {
		startup = append(startup, interrupt.Start, hostabi.ExportInitialize)
	}
	err = in.initialize(f.name, f.initLimit(), startup...)
	in.stderr.endCall()
	if err != nil {
		in.close()
		return nil, fmt.Errorf("instantiating: %w", err)
	}
	return in, nil
}

// newInstance makes an instance for the pool, from the snapshot when the
// function has one, and tells the observer how long it took.
func (f *Function) newInstance(ctx context.Context) (*instance, error) {
	start := time.Now()
	var in *instance
	var err error
	if f.snap != nil {
		if in, err = f.instantiate(ctx, f.snap); err == nil {
			if err = f.snap.Restore(in.mod); err != nil {
				in.close()
				err = fmt.Errorf("restoring from the snapshot: %w", err)
			}
		}
	} else {
		in, err = f.newFresh(ctx)
	}
	if err != nil {
		return nil, err
	}
	if f.snap != nil {
		f.stats.restored.Add(1)
	} else {
		f.stats.fresh.Add(1)
	}
	if f.cfg.Observer != nil {
		f.cfg.Observer.InstanceStarted(f.snap != nil, time.Since(start))
	}
	return in, nil
}

// functionIO is a function instance's standard input and output, which
// each call points at its own bytes, and its entry points.
type functionIO struct {
	stdin  inputReader
	stdout outputBuffer
	// entry is _start or the reactor's export; start, the module's own
	// start function (a command's, run before _start), when it has one.
	entry, start api.Function
}

// inputReader is a function's stdin: the call's input, then EOF.
type inputReader struct {
	b []byte
}

func (r *inputReader) reset(b []byte) { r.b = b }

func (r *inputReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// outputBuffer is a function's stdout: during a call it collects what the
// function writes, up to the call's limit; past the limit writes fail
// (the guest sees an I/O error) and the call's output is over. Between
// calls it writes to idle, the log.
type outputBuffer struct {
	b      []byte
	limit  int
	active bool
	over   bool
	idle   io.Writer
}

// errOutputFull is what a function's write past its output limit gets.
var errOutputFull = errors.New("function output over its limit")

func (w *outputBuffer) start(b []byte, limit int) {
	w.b, w.limit, w.active, w.over = b, limit, true, false
}

// finish ends the call and returns its output, letting go of the buffer.
func (w *outputBuffer) finish() (out []byte, over bool) {
	out, over = w.b, w.over
	w.b, w.active, w.over = nil, false, false
	return out, over
}

func (w *outputBuffer) Write(p []byte) (int, error) {
	if !w.active {
		return w.idle.Write(p)
	}
	if room := w.limit - len(w.b); len(p) > room {
		w.b = append(w.b, p[:room]...)
		w.over = true
		return room, errOutputFull
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// checkFunction verifies a compiled module as a function before any
// instance is made and tells its kind: it may import WASI and nothing
// else, must define and export its memory, and must be a command or a
// reactor.
func checkFunction(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) (FunctionKind, error) {
	for _, fn := range mod.ImportedFunctions() {
		module, name, _ := fn.Import()
		switch module {
		case hostabi.WASIModuleName:
			if !wasiFuncs[name] {
				return 0, fmt.Errorf("imports unknown WASI function %s.%s", module, name)
			}
		case hostabi.ModuleName:
			return 0, fmt.Errorf("imports %s.%s: a function talks to the host on stdin and stdout only; "+
				"a module built on the %q host functions is a filter, for gojinn_chain", module, name, module)
		default:
			return 0, fmt.Errorf("imports %s.%s from module %q: a function may import only %q",
				module, name, module, hostabi.WASIModuleName)
		}
	}
	for _, m := range mod.ImportedMemories() {
		module, name, _ := m.Import()
		return 0, fmt.Errorf("imports memory %s.%s: a function must define and export its own memory", module, name)
	}
	mem, ok := mod.ExportedMemories()[hostabi.ExportMemory]
	if !ok {
		return 0, fmt.Errorf("does not export %q", hostabi.ExportMemory)
	}
	if need := uint64(mem.Min()) * wasmPage; need > memoryLimit {
		return 0, fmt.Errorf("needs %d bytes of memory to start, over its memory limit of %d", need, memoryLimit)
	}
	exports := mod.ExportedFunctions()
	nullary := func(name string) error {
		if fn, ok := exports[name]; ok && (len(fn.ParamTypes()) != 0 || len(fn.ResultTypes()) != 0) {
			return fmt.Errorf("exports %q with signature %s, want () -> ()",
				name, signatureOf(fn.ParamTypes(), fn.ResultTypes()))
		}
		return nil
	}
	for _, name := range []string{hostabi.ExportStart, hostabi.ExportFunction, hostabi.ExportInitialize} {
		if err := nullary(name); err != nil {
			return 0, err
		}
	}
	_, command := exports[hostabi.ExportStart]
	_, reactor := exports[hostabi.ExportFunction]
	switch {
	case command:
		return Command, nil
	case reactor:
		return Reactor, nil
	case exports[hostabi.ExportInitialize] != nil:
		return 0, fmt.Errorf("is a reactor (it exports %q) without %q: register a handler with the Go SDK for functions "+
			"(hostabi/function), or build a command (without -buildmode=c-shared)",
			hostabi.ExportInitialize, hostabi.ExportFunction)
	}
	return 0, fmt.Errorf("exports neither %q (a WASI command: a plain GOOS=wasip1 go build) nor %q (a reactor built with hostabi/function)",
		hostabi.ExportStart, hostabi.ExportFunction)
}
