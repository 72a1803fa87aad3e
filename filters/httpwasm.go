package filters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/hostabi/httpwasm"
)

// The http-wasm dialect's calls. handle_request and handle_response of one
// request run on the same instance, as the specification expects (a
// guest may keep the request's state in its memory between the two): the
// instance is held by the Exchange across the next handler and goes back
// to the pool when handle_response has run, or when the exchange ends
// without one (a later filter answered, the request was upgraded, the
// route failed before it wrote). A held instance counts against pool_max
// like a busy one: a slow upstream holds one instance per request in
// flight (docs/ARCHITECTURE.md, "Dialects").

// Holder is implemented by an Exchange that can keep a filter's instance
// from its request phase to its response phase (pipeline.Exchange does).
// An Exchange that cannot hold gets handle_response on whichever instance
// the pool gives, with a zero context.
type Holder interface {
	// Hold keeps v under key until Take returns it or, at the end of the
	// exchange, release(v) is called.
	Hold(key, v any, release func(any))
	// Take returns the value held last under key, which is no longer
	// held, and whether there was one.
	Take(key any) (any, bool)
}

// HeaderCarrier is implemented by an Exchange that can send the response
// header fields the chain's request phase set with the route's response
// when the chain passes the request on (pipeline.Exchange does): the
// http-wasm ABI's meaning of a response header set before the next
// handler, and a Gojinn filter's when it declared
// hostabi.FeatureCarryResponseHeaders. Otherwise they are for the
// response a filter answers with, and dropped when the chain continues.
type HeaderCarrier interface {
	CarryResponseHeader()
}

// carryResponseHeader asks ex to carry the request phase's response
// header, when it can: both dialects that carry go through here.
func carryResponseHeader(ex host.Exchange) {
	if c, ok := ex.(HeaderCarrier); ok {
		c.CarryResponseHeader()
	}
}

// httpWasmInstance is what an http-wasm filter's instance adds to an
// instance.
type httpWasmInstance struct {
	owner   *Filter
	binding httpwasm.Binding
	// stack is the calls' parameters and result: handle_response takes
	// two.
	stack [2]uint64
	// reqCtx is what handle_request returned for handle_response.
	reqCtx uint32
}

// bindDialect gives a bare instance of an http-wasm filter its binding and
// entry points; a Gojinn filter's has them already.
func (f *Filter) bindDialect(in *instance) {
	if f.dialect == dialectProxyWasm {
		f.bindProxyWasm(in)
		return
	}
	if f.dialect != dialectHTTPWasm {
		return
	}
	hw := &httpWasmInstance{owner: f}
	hw.binding.Host = &in.binding
	in.hw = hw
	in.ctx = httpwasm.WithBinding(in.ctx, &hw.binding)
	in.onRequest = in.mod.ExportedFunction(httpwasm.ExportHandleRequest)
	in.onResponse = nil
	if !f.compiled.noopHandleResponse {
		in.onResponse = in.mod.ExportedFunction(httpwasm.ExportHandleResponse)
	}
}

// dialectFeatures is what the filter's dialect adds to the features its
// guest declared: an http-wasm guest runs in the response phase when it
// exports a handle_response that does something.
func (f *Filter) dialectFeatures() {
	if f.dialect != dialectHTTPWasm || f.compiled.noopHandleResponse {
		return
	}
	if _, ok := f.compiled.mod.ExportedFunctions()[httpwasm.ExportHandleResponse]; ok {
		f.features |= hostabi.FeatureResponse
	}
}

// callHTTPWasm is CallAt for an http-wasm filter.
func (f *Filter) callHTTPWasm(ctx context.Context, phase hostabi.Phase, ex host.Exchange, start Instant, info *CallInfo) (hostabi.Action, Instant, error) {
	var in *instance
	if phase == hostabi.PhaseResponse {
		if h, ok := ex.(Holder); ok {
			if v, ok := h.Take(f); ok {
				in = v.(*instance)
			}
		}
	}
	if in == nil {
		var err error
		if in, err = f.pool.get(ctx); err != nil {
			return 0, Now(), poolFailure(f.name, ctx, err)
		}
		if info != nil {
			info.ColdStart = in.madeForCall
		}
		in.madeForCall = false
		in.hw.binding.StartRequest()
		in.hw.reqCtx = 0
	}
	hw := in.hw
	fn := in.onRequest
	hw.stack = [2]uint64{}
	if phase == hostabi.PhaseResponse {
		fn = in.onResponse
		if fn == nil {
			end := clock()
			f.pool.putAt(in, end)
			return hostabi.ActionContinue, Instant(end), nil
		}
		hw.binding.StartResponse()
		// is_error stays 0: a route that failed before it wrote is
		// answered by the host's error handling, and handle_response
		// does not run (docs/ABI.md, "Dialects").
		hw.stack[0] = uint64(hw.reqCtx)
	}
	limitStart := int64(start)
	if in.idleSince == 0 || in.idleSince >= limitStart {
		limitStart = clock()
	}
	in.binding.Exchange, in.binding.Phase = ex, phase
	err := in.callWithStack(limitStart, fn, hw.stack[:], f.timeout)
	if err == nil {
		err = hw.binding.FlushBodies()
	}
	in.binding.Exchange = nil
	if err == nil && in.mem.Refused() {
		// docs/ABI.md: a guest refused memory fails the call, whatever
		// it did next.
		err = errMemoryRefused
	}
	end := clock()
	if err != nil {
		ce := f.classify(in, err, f.timeout)
		f.pool.discard(in)
		f.logFailure(ce)
		return 0, Instant(end), ce
	}
	if phase == hostabi.PhaseResponse {
		// The response is changed in place; handle_response cannot
		// answer instead of it.
		f.pool.putAt(in, end)
		return hostabi.ActionContinue, Instant(end), nil
	}
	r := hw.stack[0]
	next := uint32(r)
	if next == 1 && hw.binding.Answered() {
		next = 0
	}
	switch next {
	case 0:
		// The guest answered: the chain sends the response it set.
		f.pool.putAt(in, end)
		return hostabi.ActionRespond, Instant(end), nil
	case 1:
		carryResponseHeader(ex)
		if in.onResponse != nil {
			if h, ok := ex.(Holder); ok {
				hw.reqCtx = uint32(r >> 32)
				h.Hold(f, in, releaseHeld)
				return hostabi.ActionContinue, Instant(end), nil
			}
		}
		f.pool.putAt(in, end)
		return hostabi.ActionContinue, Instant(end), nil
	default:
		// Neither "next" nor "answered": not trusted with another
		// request.
		f.pool.discard(in)
		err := &CallError{Filter: f.name, Kind: ErrBadAction, Cause: fmt.Errorf("handle_request returned next=%d", next)}
		f.logFailure(err)
		return 0, Instant(end), err
	}
}

// errMemoryRefused is the cause of a call that returned after the guest
// was refused memory (classify makes it ErrMemoryLimit).
var errMemoryRefused = errors.New("memory.grow past the memory limit")

// releaseHeld returns an instance held for a response phase that never
// came; it did not fail, so it goes back to its pool.
func releaseHeld(v any) {
	in := v.(*instance)
	in.hw.owner.pool.put(in)
}

// callWithStack is callFrom for an entry point that takes parameters
// (in stack, which also receives the result).
func (in *instance) callWithStack(start int64, fn api.Function, stack []uint64, d time.Duration) error {
	in.mem.Reset()
	in.stderr.reset()
	return in.limit.runFrom(start, d, func() error { return fn.CallWithStack(in.ctx, stack) })
}
