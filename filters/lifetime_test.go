package filters

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/gojinn/gojinn/hostabi"
)

// requestValue stands for what a request's context carries (Caddy's
// replacer, the original request): the instances made while serving it
// must not keep it alive.
type requestValue struct{ payload [1 << 10]byte }

type requestKey struct{}

// requestContext returns a cancelled-when-done context holding a value,
// and a weak pointer to that value.
func requestContext() (context.Context, context.CancelFunc, weak.Pointer[requestValue]) {
	v := &requestValue{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), requestKey{}, v))
	return ctx, cancel, weak.Make(v)
}

// collected reports whether p's value is gone after a few collections
// (a finalizer-free object needs one; more give the runtime no excuse).
func collected[T any](p weak.Pointer[T]) bool {
	for range 5 {
		runtime.GC()
		if p.Value() == nil {
			return true
		}
	}
	return false
}

// TestInstanceDoesNotPinRequest: an instance outlives the request whose
// call made it (at load, or to replace a faulted one), so it must hold
// nothing of that request's context, and a cancelled request must not
// break the instance's later calls.
func TestInstanceDoesNotPinRequest(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	loadCtx, cancelLoad, loadValue := requestContext()
	f, err := e.Load(loadCtx, Config{Name: "probe", Wasm: probeWasm(t), PoolMin: 1, PoolMax: 1, Timeout: patientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	cancelLoad()
	loadCtx = nil
	if !collected(loadValue) {
		t.Error("the load's context is still reachable from the filter's instances")
	}

	// Fault the one instance, so that the next call makes a new one
	// under the next request's context.
	if _, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("panic", "")); err == nil {
		t.Fatal("the panic did not fail the call")
	}
	reqCtx, cancelReq, reqValue := requestContext()
	if a, err := f.Call(reqCtx, hostabi.PhaseRequest, newTestExchange("", "")); err != nil || a != hostabi.ActionContinue {
		t.Fatalf("call on a new instance: %d, %v", a, err)
	}
	if f.Stats().Live != 1 {
		t.Fatalf("%d instances, want the one made by the request", f.Stats().Live)
	}
	cancelReq()
	reqCtx = nil
	if !collected(reqValue) {
		t.Error("a request's context is still reachable from the instance its call made")
	}
	// The instance serves on, its request long gone.
	if a, err := f.Call(context.Background(), hostabi.PhaseRequest, newTestExchange("", "")); err != nil || a != hostabi.ActionContinue {
		t.Fatalf("call after the request that made the instance ended: %d, %v", a, err)
	}
}
