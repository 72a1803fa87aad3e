package filters

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pool bounds a filter's instances. A slot is a right to hold an
// instance, idle or busy; idle instances wait in a stack so that the
// warmest is reused first. Taking a slot waits up to the filter's wait
// deadline, then fails with ErrBusy.
type pool struct {
	slots chan struct{}
	wait  time.Duration

	mu     sync.Mutex
	idle   []*instance
	closed bool

	live    atomic.Int64 // instances that exist, idle or busy
	busy    atomic.Int64 // instances out of the pool
	waits   atomic.Int64 // takes that had to wait for a slot
	newInst func(context.Context) (*instance, error)
}

func newPool(max int, wait time.Duration, newInst func(context.Context) (*instance, error)) *pool {
	return &pool{slots: make(chan struct{}, max), wait: wait, newInst: newInst}
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
func (p *pool) put(ctx context.Context, in *instance) {
	p.busy.Add(-1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.live.Add(-1)
		in.close(ctx)
		<-p.slots
		return
	}
	p.idle = append(p.idle, in)
	p.mu.Unlock()
	<-p.slots
}

// discard closes an instance that faulted; its slot is free for a new one.
func (p *pool) discard(ctx context.Context, in *instance) {
	p.busy.Add(-1)
	p.live.Add(-1)
	in.close(ctx)
	<-p.slots
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
		p.put(ctx, in)
	}
}

// close closes the idle instances now and busy ones as they come back.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		p.live.Add(-1)
		in.close(ctx)
	}
}
