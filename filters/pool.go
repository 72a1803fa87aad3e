package filters

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pool bounds a filter's instances. A slot is the right to use an
// instance; idle instances wait in a stack so that the warmest is reused
// first. Taking a slot waits up to the filter's wait deadline, then fails
// with ErrBusy.
//
// Idle instances beyond the pool's minimum are closed once they have been
// idle for idleTimeout, the oldest first, by a timer that is armed only
// while there is such an instance: a pool at its minimum (zero, by
// default) runs no timer and costs no CPU.
type pool struct {
	slots       chan struct{}
	wait        time.Duration
	min         int
	idleTimeout time.Duration

	mu     sync.Mutex
	idle   []*instance // the top is the warmest
	reaper *time.Timer // armed while idle instances exceed min
	armed  bool
	closed bool

	live    atomic.Int64 // instances that exist, idle or busy
	busy    atomic.Int64 // instances out of the pool
	waits   atomic.Int64 // takes that had to wait for a slot
	reaped  atomic.Int64 // idle instances closed by the reaper
	newInst func(context.Context) (*instance, error)
}

func newPool(min, max int, wait, idleTimeout time.Duration, newInst func(context.Context) (*instance, error)) *pool {
	p := &pool{slots: make(chan struct{}, max), wait: wait, min: min, idleTimeout: idleTimeout, newInst: newInst}
	p.reaper = time.AfterFunc(time.Hour, p.reap)
	p.reaper.Stop()
	return p
}

// get returns an instance, reusing an idle one or making a new one.
func (p *pool) get(ctx context.Context) (*instance, error) {
	select {
	case p.slots <- struct{}{}:
	default:
		p.waits.Add(1)
		t := time.NewTimer(p.wait)
		select {
		case p.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return nil, ErrBusy
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		p.busy.Add(1)
		return in, nil
	}
	p.mu.Unlock()
	in, err := p.newInst(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	p.live.Add(1)
	p.busy.Add(1)
	return in, nil
}

// put returns a healthy instance.
func (p *pool) put(in *instance) {
	p.busy.Add(-1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.live.Add(-1)
		in.close()
		<-p.slots
		return
	}
	in.idleSince = clock()
	p.idle = append(p.idle, in)
	if len(p.idle) > p.min && !p.armed {
		// The oldest idle instance is reaped first, so this one, just
		// back, is due no sooner than a full timeout from now.
		p.armReaper(p.idle[0].idleSince + int64(p.idleTimeout))
	}
	p.mu.Unlock()
	<-p.slots
}

// armReaper makes the reaper fire at due (clock time). p.mu is held.
func (p *pool) armReaper(due int64) {
	p.armed = true
	p.reaper.Reset(time.Duration(max(due-clock(), 0)))
}

// reap runs on the reaper's goroutine: it closes the instances idle for
// longer than the timeout, beyond the minimum, oldest first, and arms
// itself again for the next one, if any.
func (p *pool) reap() {
	now := clock()
	var expired []*instance
	p.mu.Lock()
	p.armed = false
	n := 0
	for n < len(p.idle)-p.min && p.idle[n].idleSince+int64(p.idleTimeout) <= now {
		n++
	}
	if n > 0 {
		expired = append(expired, p.idle[:n]...)
		m := copy(p.idle, p.idle[n:])
		clear(p.idle[m:])
		p.idle = p.idle[:m]
	}
	if !p.closed && len(p.idle) > p.min {
		p.armReaper(p.idle[0].idleSince + int64(p.idleTimeout))
	}
	p.mu.Unlock()
	for _, in := range expired {
		p.live.Add(-1)
		p.reaped.Add(1)
		in.close()
	}
}

// discard closes an instance that faulted; its slot is free for a new one.
func (p *pool) discard(in *instance) {
	p.busy.Add(-1)
	p.live.Add(-1)
	in.close()
	<-p.slots
}

// adopt puts an instance made outside the pool into it, as if it had
// been made by get and returned by put.
func (p *pool) adopt(in *instance) {
	p.slots <- struct{}{}
	p.live.Add(1)
	p.busy.Add(1)
	p.put(in)
}

// fill makes instances until n are idle, without waiting for slots.
func (p *pool) fill(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		have := len(p.idle)
		p.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case p.slots <- struct{}{}:
		default:
			return nil
		}
		in, err := p.newInst(ctx)
		if err != nil {
			<-p.slots
			return err
		}
		p.live.Add(1)
		p.busy.Add(1)
		p.put(in)
	}
}

// close closes the idle instances now and busy ones as they come back.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.reaper.Stop()
	p.armed = false
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		p.live.Add(-1)
		in.close()
	}
}
