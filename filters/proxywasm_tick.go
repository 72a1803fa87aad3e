package filters

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/proxywasm"
)

// Proxy-Wasm tick timers (docs/ABI.md, "Tick timers"). A plugin context
// that asks for a tick period during start-up (proxy_on_vm_start,
// proxy_on_configure) gets a ticker: one instance, taken from the
// filter's pool for good, so that ticks and requests never wait for each
// other, and a goroutine that calls proxy_on_tick on it one period after
// the last tick ended. A tick may change the period; 0 ends the ticker
// and gives its slot back to the pool.

// maxTickBackoff bounds the wait after failures in a row: a tick that
// keeps failing is retried no sooner than its period, doubled for each
// failure, up to this (or the period, when that is longer).
const maxTickBackoff = time.Minute

// tickers are an engine's running tickers, which Engine.Close stops and
// waits for.
type tickers struct {
	stop    chan struct{}
	stopped sync.Once
	running sync.WaitGroup
}

func newTickers() *tickers { return &tickers{stop: make(chan struct{})} }

// stopAll stops every ticker of the engine and waits for them to end.
// The caller has set Engine.closed, under Engine.mu, so that no ticker
// starts after.
func (ts *tickers) stopAll() {
	ts.stopped.Do(func() { close(ts.stop) })
	ts.running.Wait()
}

// ticker runs a filter's ticks.
type ticker struct {
	f    *Filter
	stop chan struct{} // closed by Filter.Close
	done chan struct{} // closed when the goroutine has ended
	// slot is the pool slot the ticker holds, with or without an
	// instance in it.
	slot int
}

// takeTickPeriod is the tick period in's start-up asked for, 0 if none
// (or the instance is not a Proxy-Wasm one).
func (in *instance) takeTickPeriod() time.Duration {
	if in.pw == nil {
		return 0
	}
	d, _ := in.pw.binding.TakeTickPeriod()
	return d
}

// startTicker starts the filter's ticker when its start-up asked for a
// tick period. It runs at load, before the pool is filled, so that the
// ticker's slot is there to take.
func (f *Filter) startTicker(ctx context.Context) error {
	if f.tickPeriod == 0 {
		return nil
	}
	if _, ok := f.compiled.mod.ExportedFunctions()[proxywasm.ExportOnTick]; !ok {
		f.logger.Warn("the filter set a tick period but exports no "+proxywasm.ExportOnTick+": it gets no ticks",
			zap.String("filter", f.name))
		return nil
	}
	if f.cfg.PoolMax < 2 {
		return fmt.Errorf("the filter sets a tick period (%s), which needs pool_max 2 or more, not %d: "+
			"its ticks run on an instance of their own, out of the pool", f.tickPeriod, f.cfg.PoolMax)
	}
	in, err := f.pool.get(ctx)
	if err != nil {
		return fmt.Errorf("the tick instance: %w", err)
	}
	in.madeForCall = false
	period := f.tickPeriod
	if d, ok := in.pw.binding.TakeTickPeriod(); ok {
		period = d // a fresh instance's own start-up
	}
	e := f.engine
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		f.pool.discard(in)
		return errors.New("engine closed")
	}
	e.ticks.running.Add(1)
	e.mu.Unlock()
	t := &ticker{f: f, stop: make(chan struct{}), done: make(chan struct{}), slot: in.slot}
	f.ticker = t
	go t.run(in, period)
	return nil
}

// stopTicker stops the filter's ticker, if it has one, and waits for its
// goroutine to end: a tick under way ends first, within the time limit.
func (f *Filter) stopTicker() {
	if t := f.ticker; t != nil {
		close(t.stop)
		<-t.done
		f.ticker = nil
	}
}

// run is the ticker's goroutine. in is its instance, nil while a failed
// one awaits its replacement.
func (t *ticker) run(in *instance, period time.Duration) {
	f := t.f
	defer f.engine.ticks.running.Done()
	defer close(t.done)
	timer := time.NewTimer(period)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-t.stop:
			t.end(in)
			return
		case <-f.engine.ticks.stop:
			t.end(in)
			return
		case <-timer.C:
		}
		var err error
		if in == nil {
			in, period, err = t.renew()
		}
		if err == nil && period != 0 {
			period, err = t.tick(in, period)
		}
		switch {
		case err != nil:
			if in != nil {
				f.pool.closeHeld(in)
				in = nil
			}
			failures++
			t.logFailure(err, failures)
			timer.Reset(tickBackoff(period, failures))
		case period == 0:
			t.end(in)
			return
		default:
			failures = 0
			timer.Reset(period)
		}
	}
}

// tick calls proxy_on_tick on in under the filter's time limit and
// returns the period to wait for the next: the one it set, or the one
// it had.
func (t *ticker) tick(in *instance, period time.Duration) (time.Duration, error) {
	f := t.f
	pw := in.pw
	// Outside any request: the functions of an HTTP context answer as
	// they do between requests.
	in.binding.Exchange, in.binding.Phase = nil, hostabi.PhaseRequest
	pw.binding.EndContext()
	if _, err := pw.call(in, in.mod.ExportedFunction(proxywasm.ExportOnTick), f.timeout, proxyWasmRootID); err != nil {
		return period, err
	}
	if d, ok := pw.binding.TakeTickPeriod(); ok {
		period = d
	}
	return period, nil
}

// renew makes the instance that replaces a failed one, in the ticker's
// slot: restored from the snapshot, it has the period start-up asked
// for; made from scratch, the period its own start-up asks for.
func (t *ticker) renew() (*instance, time.Duration, error) {
	f := t.f
	in, err := f.pool.makeHeld(context.Background(), t.slot)
	if err != nil {
		return nil, f.tickPeriod, fmt.Errorf("replacing the tick instance: %w", err)
	}
	period := f.tickPeriod
	if d, ok := in.pw.binding.TakeTickPeriod(); ok {
		period = d
	}
	return in, period, nil
}

// end closes the ticker's instance, if any, and gives its slot back.
func (t *ticker) end(in *instance) {
	if in != nil {
		t.f.pool.closeHeld(in)
	}
	t.f.pool.release(t.slot)
}

func (t *ticker) logFailure(err error, failures int) {
	fields := []zap.Field{zap.String("filter", t.f.name), zap.Error(err), zap.Int("failures_in_a_row", failures)}
	var ce *CallError
	if errors.As(err, &ce) && ce.Kind == ErrTimeout && ce.Cause != nil {
		fields = append(fields, zap.String("stopped_at", ce.Cause.Error()))
	}
	t.f.logger.Error(tickFailed, fields...)
}

// tickFailed is the message of a failed tick's log line.
const tickFailed = "filter tick failed: its instance is replaced"

// tickBackoff is the wait before the next try after failures in a row:
// the period, doubled for each failure after the first, up to
// maxTickBackoff (or the period, when that is longer).
func tickBackoff(period time.Duration, failures int) time.Duration {
	period = max(period, proxywasm.MinTickPeriod)
	d := period
	for i := 1; i < failures && d < maxTickBackoff; i++ {
		d *= 2
	}
	return max(min(d, maxTickBackoff), period)
}
