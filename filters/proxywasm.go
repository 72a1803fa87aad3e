package filters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// The Proxy-Wasm dialect (docs/ABI.md, "Dialects"). An instance is one
// Proxy-Wasm VM with one plugin (root) context, made at start-up: the
// runtime's initialiser, proxy_on_vm_start, proxy_on_context_create for the
// root context and proxy_on_configure with the filter's config all run
// before the snapshot is taken, so that a restored instance is
// configured. Each request is one HTTP context on one instance, held by
// the Exchange from the request phase to the response phase, as the
// http-wasm dialect holds its instance: proxy_on_context_create, the
// request callbacks, then, after the next handler, the response
// callbacks, proxy_on_done, proxy_on_log and proxy_on_delete.
//
// Gojinn buffers bodies: a Proxy-Wasm filter reads the request body ahead
// (hostabi.FeatureRequestBody) and holds the response
// (hostabi.FeatureResponseBody), and each body callback runs once, with
// the whole body and end_of_stream set. PAUSE on the headers means "wait
// for the body"; PAUSE at the end of a body, with neither a local response
// nor proxy_continue_stream to end it, leaves nothing to resume the
// request, and fails the call (the filter's on_error policy decides).

// proxyWasmRootID is the plugin context's id in every instance; HTTP
// contexts count up from the next.
const proxyWasmRootID = 1

// proxyWasmStores are the metrics of every Proxy-Wasm filter of an
// engine. (Their shared data is on a key-value store: shareddata.go.)
type proxyWasmStores struct {
	metrics *proxywasm.Metrics
}

// proxyWasmMaxMetrics bounds the metrics: a guest inventing names cannot
// grow them without end.
const proxyWasmMaxMetrics = 4096

func newProxyWasmStores() *proxyWasmStores {
	return &proxyWasmStores{metrics: proxywasm.NewMetrics(proxyWasmMaxMetrics)}
}

// ProxyWasmMetrics are the metrics the engine's Proxy-Wasm filters
// defined, for a host to export (Caddy's Prometheus registry).
func (e *Engine) ProxyWasmMetrics() *proxywasm.Metrics { return e.proxyWasm.metrics }

// proxyWasmInstance is what a Proxy-Wasm filter's instance adds to an
// instance.
type proxyWasmInstance struct {
	owner   *Filter
	binding proxywasm.Binding
	// nextID is the next HTTP context's id.
	nextID uint32
	// ex is the exchange of the context held for its response phase,
	// for the callbacks that end it when that phase never comes.
	ex host.Exchange
	// phaseStart is when the phase at hand began (clock): its callbacks
	// share one time limit, as a phase of the other dialects is one
	// call under it.
	phaseStart int64
	stack      [3]uint64
	fns        proxyWasmExports
}

// proxyWasmExports are the guest's callbacks; those it lacks are nil.
type proxyWasmExports struct {
	vmStart, configure, contextCreate                          api.Function
	requestHeaders, requestBody, responseHeaders, responseBody api.Function
	log, done, delete, initialize, start                       api.Function
}

// bindProxyWasm gives a bare instance of a Proxy-Wasm filter its binding
// and callbacks.
func (f *Filter) bindProxyWasm(in *instance) {
	pw := &proxyWasmInstance{owner: f, nextID: proxyWasmRootID + 1}
	pw.binding = proxywasm.Binding{
		Host:       &in.binding,
		Shared:     f.sharedData,
		Metrics:    f.engine.proxyWasm.metrics,
		PluginName: f.name,
		RootID:     proxyWasmRootID,
	}
	fn := in.mod.ExportedFunction
	pw.fns = proxyWasmExports{
		vmStart: fn(proxywasm.ExportOnVMStart), configure: fn(proxywasm.ExportOnConfigure),
		contextCreate:  fn(proxywasm.ExportOnContextCreate),
		requestHeaders: fn(proxywasm.ExportOnRequestHeaders), requestBody: fn(proxywasm.ExportOnRequestBody),
		responseHeaders: fn(proxywasm.ExportOnResponseHeaders), responseBody: fn(proxywasm.ExportOnResponseBody),
		log: fn(proxywasm.ExportOnLog), done: fn(proxywasm.ExportOnDone), delete: fn(proxywasm.ExportOnDelete),
		initialize: fn(proxywasm.ExportInitialize), start: fn(proxywasm.ExportStart),
	}
	in.pw = pw
	in.ctx = proxywasm.WithBinding(in.ctx, &pw.binding)
	in.onRequest, in.onResponse = nil, nil
}

// startProxyWasm is a fresh instance's Proxy-Wasm start-up, after the
// runtime's initialiser: _start when there was no _initialize, the VM, the
// root context and its configuration, each under the start-up limit. A
// guest that refuses its VM or plugin configuration fails the load.
func (f *Filter) startProxyWasm(in *instance) error {
	pw := in.pw
	d := f.initLimit()
	if pw.fns.initialize == nil && pw.fns.start != nil {
		if err := in.initialize(f.name, d, proxywasm.ExportStart); err != nil {
			return fmt.Errorf("instantiating: %w", err)
		}
	}
	if pw.fns.vmStart != nil {
		ok, err := pw.callBool(in, pw.fns.vmStart, d, 0, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", proxywasm.ExportOnVMStart, err)
		}
		if !ok {
			return fmt.Errorf("%s refused the VM: %s", proxywasm.ExportOnVMStart, pw.refusal())
		}
	}
	if _, err := pw.call(in, pw.fns.contextCreate, d, proxyWasmRootID, 0); err != nil {
		return fmt.Errorf("%s for the plugin context: %w", proxywasm.ExportOnContextCreate, err)
	}
	if pw.fns.configure != nil {
		ok, err := pw.callBool(in, pw.fns.configure, d, proxyWasmRootID, uint64(len(in.binding.Config)))
		if err != nil {
			return fmt.Errorf("%s: %w", proxywasm.ExportOnConfigure, err)
		}
		if !ok {
			return fmt.Errorf("%s refused the plugin configuration: %s", proxywasm.ExportOnConfigure, pw.refusal())
		}
	}
	// Gojinn buffers what a Proxy-Wasm filter sees of the bodies, and
	// every such filter has a response phase.
	in.binding.SetFeatures(hostabi.FeatureRequestBody | hostabi.FeatureResponse | hostabi.FeatureResponseBody)
	return nil
}

// refusal is what the guest logged last at warn or above during
// start-up, as the reason it refused.
func (pw *proxyWasmInstance) refusal() string {
	if r := pw.binding.ConfigureError(); r != "" {
		return r
	}
	return "no reason logged"
}

// call runs a callback with up to three i32 parameters under the limit d
// and returns its i32 result (0 for a callback without one).
func (pw *proxyWasmInstance) call(in *instance, fn api.Function, d time.Duration, params ...uint64) (uint32, error) {
	return pw.callFrom(in, clock(), fn, d, params...)
}

func (pw *proxyWasmInstance) callFrom(in *instance, start int64, fn api.Function, d time.Duration, params ...uint64) (uint32, error) {
	n := copy(pw.stack[:], params)
	clear(pw.stack[n:])
	in.mem.Reset()
	in.stderr.reset()
	err := in.limit.runFrom(start, d, func() error { return fn.CallWithStack(in.ctx, pw.stack[:]) })
	if err == nil && in.mem.Refused() {
		err = errMemoryRefused
	}
	if err != nil {
		return 0, classify(pw.owner.name, in, err, d)
	}
	return uint32(pw.stack[0]), nil
}

func (pw *proxyWasmInstance) callBool(in *instance, fn api.Function, d time.Duration, params ...uint64) (bool, error) {
	r, err := pw.call(in, fn, d, params...)
	return r != 0, err
}

// errPaused is the cause of a call whose filter paused the stream at its
// end with nothing to resume it.
var errPaused = errors.New("returned PAUSE at the end of the stream, with no local response and no proxy_continue_stream: " +
	"nothing would resume it (Gojinn makes no HTTP calls, and a tick has no HTTP context to resume)")

// errClosed is the cause of a call whose filter closed (reset) the stream.
var errClosed = errors.New("closed the stream (proxy_close_stream)")

// callProxyWasm is CallAt for a Proxy-Wasm filter.
func (f *Filter) callProxyWasm(ctx context.Context, phase hostabi.Phase, ex host.Exchange, start Instant, info *CallInfo) (hostabi.Action, Instant, error) {
	if phase == hostabi.PhaseResponse {
		return f.proxyWasmResponse(ex)
	}
	in, err := f.pool.get(ctx)
	if err != nil {
		return 0, Now(), poolFailure(f.name, ctx, err)
	}
	if info != nil {
		info.ColdStart = in.madeForCall
	}
	in.madeForCall = false
	limitStart := int64(start)
	if in.idleSince == 0 || in.idleSince >= limitStart {
		limitStart = clock()
	}
	pw := in.pw
	id := pw.nextID
	pw.nextID++
	if pw.nextID == 0 {
		pw.nextID = proxyWasmRootID + 1
	}
	pw.binding.StartContext(id)
	in.binding.Exchange, in.binding.Phase = ex, hostabi.PhaseRequest
	local, err := pw.requestCallbacks(in, limitStart, ex)
	if err != nil {
		return f.proxyWasmFailed(in, err)
	}
	if local {
		// The guest answered: the context ends with the request.
		if err := pw.endContext(in, ex); err != nil {
			return f.proxyWasmFailed(in, err)
		}
		end := clock()
		f.pool.putAt(in, end)
		return hostabi.ActionRespond, Instant(end), nil
	}
	in.binding.Exchange = nil
	end := clock()
	if h, ok := ex.(Holder); ok {
		pw.ex = ex
		h.Hold(f, in, releaseProxyWasm)
		return hostabi.ActionContinue, Instant(end), nil
	}
	// An Exchange that cannot hold gets no response callbacks: the
	// context ends here.
	in.binding.Exchange = ex
	if err := pw.endContext(in, ex); err != nil {
		return f.proxyWasmFailed(in, err)
	}
	end = clock()
	f.pool.putAt(in, end)
	return hostabi.ActionContinue, Instant(end), nil
}

// requestCallbacks runs the request phase of an HTTP context: it reports
// whether the guest sent a local response.
func (pw *proxyWasmInstance) requestCallbacks(in *instance, start int64, ex host.Exchange) (bool, error) {
	f := pw.owner
	pw.phaseStart = start
	if _, err := pw.callFrom(in, start, pw.fns.contextCreate, f.timeout, uint64(pw.binding.ContextID), proxyWasmRootID); err != nil {
		return false, err
	}
	// The chain read the body ahead (FeatureRequestBody): its length is
	// known. Another Exchange may have to read it first.
	size, err := ex.BodySize(hostabi.KindRequest)
	if err != nil {
		b, berr := ex.Body(hostabi.KindRequest)
		if berr != nil {
			return false, fmt.Errorf("request body: %w", berr)
		}
		size = int64(len(b))
	}
	return pw.streamCallbacks(in, ex, hostabi.KindRequest, pw.fns.requestHeaders, pw.fns.requestBody, size)
}

// streamCallbacks runs the headers and body callbacks of one direction
// and reports whether the guest sent a local response.
func (pw *proxyWasmInstance) streamCallbacks(in *instance, ex host.Exchange, kind hostabi.Kind, headers, body api.Function, size int64) (bool, error) {
	f := pw.owner
	id := uint64(pw.binding.ContextID)
	withBody := size > 0 && body != nil
	eos := uint64(1)
	if size > 0 {
		eos = 0
	}
	action := proxywasm.ActionContinue
	for _, c := range []struct {
		fn     api.Function
		n, eos uint64
	}{
		{headers, uint64(proxywasm.CountHeaders(ex, kind)), eos},
		{body, uint64(size), 1}, // the whole body, once: PAUSE on the headers waited for it
	} {
		if c.fn == nil || (c.fn == body && !withBody) {
			continue
		}
		pw.binding.TakeContinued()
		a, err := pw.callFrom(in, pw.phaseStart, c.fn, f.timeout, id, c.n, c.eos)
		if err != nil {
			return false, err
		}
		if pw.binding.Closed() {
			return false, errClosed
		}
		if pw.binding.LocalResponse() {
			return true, nil
		}
		action = proxywasm.Action(a)
		if action != proxywasm.ActionContinue && action != proxywasm.ActionPause {
			return false, &CallError{Filter: f.name, Kind: ErrBadAction, Cause: fmt.Errorf("action %d", a)}
		}
	}
	if action == proxywasm.ActionPause && !pw.binding.TakeContinued() {
		// Paused at the end of the stream (or, headers paused for a
		// body the guest takes no callback for): nothing would resume.
		return false, errPaused
	}
	return false, nil
}

// proxyWasmResponse runs the response phase on the instance held since
// the request phase.
func (f *Filter) proxyWasmResponse(ex host.Exchange) (hostabi.Action, Instant, error) {
	h, ok := ex.(Holder)
	if !ok {
		return hostabi.ActionContinue, Now(), nil
	}
	v, ok := h.Take(f)
	if !ok {
		return hostabi.ActionContinue, Now(), nil
	}
	in := v.(*instance)
	pw := in.pw
	pw.ex = nil
	pw.phaseStart = clock()
	in.binding.Exchange, in.binding.Phase = ex, hostabi.PhaseResponse
	size, err := ex.BodySize(hostabi.KindResponse)
	if err != nil {
		size = 0 // not held (an upgrade, a streamed response): headers only
	}
	if _, err := pw.streamCallbacks(in, ex, hostabi.KindResponse, pw.fns.responseHeaders, pw.fns.responseBody, size); err != nil {
		return f.proxyWasmFailed(in, err)
	}
	if err := pw.endContext(in, ex); err != nil {
		return f.proxyWasmFailed(in, err)
	}
	end := clock()
	f.pool.putAt(in, end)
	return hostabi.ActionContinue, Instant(end), nil
}

// endContext ends the HTTP context at hand: proxy_on_done (a context it
// says is not done is ended all the same: nothing in Gojinn would finish
// it later), proxy_on_log, proxy_on_delete. The maps are read-only
// meanwhile.
func (pw *proxyWasmInstance) endContext(in *instance, ex host.Exchange) error {
	f := pw.owner
	id := uint64(pw.binding.ContextID)
	in.binding.Exchange = ex
	pw.binding.InLog = true
	defer func() {
		in.binding.Exchange = nil
		pw.binding.EndContext()
	}()
	for _, fn := range []api.Function{pw.fns.done, pw.fns.log, pw.fns.delete} {
		if fn == nil {
			continue
		}
		if _, err := pw.callFrom(in, pw.phaseStart, fn, f.timeout, id); err != nil {
			return err
		}
	}
	return nil
}

// proxyWasmFailed fails a call: the instance is never reused.
func (f *Filter) proxyWasmFailed(in *instance, err error) (hostabi.Action, Instant, error) {
	in.binding.Exchange = nil
	in.pw.ex = nil
	in.pw.binding.EndContext()
	ce, ok := err.(*CallError)
	if !ok {
		ce = &CallError{Filter: f.name, Kind: ErrBadAction, Cause: err}
	}
	end := clock()
	f.pool.discard(in)
	f.logFailure(ce)
	return 0, Instant(end), ce
}

// releaseProxyWasm ends the context of an instance held for a response
// phase that never came (a later filter answered, the route failed or
// the request was upgraded) and returns the instance to its pool, or
// closes it when the end callbacks fail.
func releaseProxyWasm(v any) {
	in := v.(*instance)
	pw := in.pw
	f := pw.owner
	ex := pw.ex
	pw.ex = nil
	pw.phaseStart = clock()
	in.binding.Phase = hostabi.PhaseRequest
	if err := pw.endContext(in, ex); err != nil {
		f.proxyWasmFailed(in, err)
		return
	}
	f.pool.put(in)
}

// checkProxyWasm verifies a compiled module against the Proxy-Wasm ABI,
// as check does against Gojinn's.
func checkProxyWasm(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) error {
	if err := checkImports(mod, &proxyWasmHost, wasiFuncs); err != nil {
		return err
	}
	if err := checkMemory(mod, proxywasm.ExportMemory, memoryLimit); err != nil {
		return err
	}
	exports := mod.ExportedFunctions()
	if err := checkProxyWasmVersion(exports); err != nil {
		return err
	}
	i32 := api.ValueTypeI32
	none := []api.ValueType(nil)
	one := []api.ValueType{i32}
	two := []api.ValueType{i32, i32}
	three := []api.ValueType{i32, i32, i32}
	if err := checkExports(exports, []export{
		{proxywasm.ExportOnContextCreate, true, two, none},
		{proxywasm.ExportOnVMStart, false, two, one},
		{proxywasm.ExportOnConfigure, false, two, one},
		{proxywasm.ExportOnRequestHeaders, false, three, one},
		{proxywasm.ExportOnRequestBody, false, three, one},
		{proxywasm.ExportOnResponseHeaders, false, three, one},
		{proxywasm.ExportOnResponseBody, false, three, one},
		{proxywasm.ExportOnDone, false, one, one},
		{proxywasm.ExportOnLog, false, one, none},
		{proxywasm.ExportOnDelete, false, one, none},
		{proxywasm.ExportOnTick, false, one, none},
		{proxywasm.ExportMemoryAllocate, false, one, one},
		{proxywasm.ExportMalloc, false, one, one},
		{proxywasm.ExportInitialize, false, none, none},
		{proxywasm.ExportStart, false, none, none},
	}, "a Proxy-Wasm filter"); err != nil {
		return err
	}
	_, alloc := exports[proxywasm.ExportMemoryAllocate]
	_, malloc := exports[proxywasm.ExportMalloc]
	if !alloc && !malloc {
		return fmt.Errorf("exports neither %q nor %q: the host cannot return data to it",
			proxywasm.ExportMemoryAllocate, proxywasm.ExportMalloc)
	}
	return nil
}

// checkProxyWasmVersion accepts the ABI versions Gojinn implements,
// which the guest tells by the name of an export.
func checkProxyWasmVersion(exports map[string]api.FunctionDefinition) error {
	var others []string
	for name := range exports {
		switch {
		case name == proxywasm.ExportABIVersion020, name == proxywasm.ExportABIVersion021:
			return nil
		case strings.HasPrefix(name, proxywasm.ABIVersionPrefix):
			others = append(others, strings.ReplaceAll(strings.TrimPrefix(name, proxywasm.ABIVersionPrefix), "_", "."))
		}
	}
	if len(others) > 0 {
		return fmt.Errorf("is built for Proxy-Wasm ABI %s: Gojinn runs 0.2.0 and 0.2.1", strings.Join(others, ", "))
	}
	return fmt.Errorf("exports no %s* function: not a Proxy-Wasm filter, or of an unknown ABI version",
		proxywasm.ABIVersionPrefix)
}
