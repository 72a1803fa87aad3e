package filters

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// pool bounds a filter's instances and keeps the idle ones, the warmest
// on top, so that the instance whose memory is in the caches serves the
// next call.
//
// The hot path takes no lock and touches no channel: an instance lives in
// one of max slots, and two lock-free stacks of slot numbers hold the
// idle instances and the empty slots. A call pops an idle instance, or
// else an empty slot to make one in, or else waits, up to the pool's wait,
// for a put or a discard to wake it.
//
// Idle instances beyond the pool's minimum are closed once they have been
// idle for idleTimeout, by a timer that is armed only while there are
// such instances: a pool at its minimum (zero, by default) runs no timer.
type pool struct {
	max         int
	wait        time.Duration
	min         int
	idleTimeout time.Duration
	newInst     func(context.Context) (*instance, error)

	slots []*instance // by slot; written by the slot's owner only
	idle  slotStack
	empty slotStack

	// waiters counts the calls waiting for an instance; wake has room
	// for one signal per slot, so a signal is never lost or blocking.
	waiters atomic.Int32
	wake    chan struct{}

	closed atomic.Bool

	mu     sync.Mutex // arms and stops the reaper
	reaper *time.Timer
	// armed is set, under mu, while the reaper is due to run; calls read
	// it without the lock, so that a put does not take one.
	armed atomic.Bool

	// live counts the instances that exist: the idle ones are on the
	// idle stack, which counts them, and the rest are busy.
	live   atomic.Int64
	waits  atomic.Int64 // calls that had to wait
	reaped atomic.Int64 // idle instances closed by the reaper
}

func newPool(min, max int, wait, idleTimeout time.Duration, newInst func(context.Context) (*instance, error)) *pool {
	p := &pool{
		max: max, wait: wait, min: min, idleTimeout: idleTimeout, newInst: newInst,
		slots: make([]*instance, max),
		idle:  newSlotStack(max),
		empty: newSlotStack(max),
		wake:  make(chan struct{}, max),
	}
	for i := max - 1; i >= 0; i-- {
		p.empty.push(i)
	}
	p.reaper = time.AfterFunc(time.Hour, p.reap)
	p.reaper.Stop()
	return p
}

// get returns an instance, reusing an idle one or making a new one.
func (p *pool) get(ctx context.Context) (*instance, error) {
	if in, err, ok := p.tryGet(ctx); ok {
		return in, err
	}
	p.waits.Add(1)
	p.waiters.Add(1)
	defer p.waiters.Add(-1)
	t := time.NewTimer(p.wait)
	defer t.Stop()
	for {
		// Counted as a waiter before looking again: a put that comes
		// after this look sees the count and signals.
		if in, err, ok := p.tryGet(ctx); ok {
			return in, err
		}
		select {
		case <-p.wake:
		case <-t.C:
			return nil, ErrBusy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// tryGet takes an idle instance, or makes one in an empty slot; ok is
// false when every slot holds a busy instance.
func (p *pool) tryGet(ctx context.Context) (in *instance, err error, ok bool) {
	if p.closed.Load() {
		return nil, ErrClosed, true
	}
	if i := p.idle.pop(); i >= 0 {
		return p.slots[i], nil, true
	}
	i := p.empty.pop()
	if i < 0 {
		return nil, nil, false
	}
	in, err = p.newInst(ctx)
	if err != nil {
		p.release(i)
		return nil, err, true
	}
	p.place(in, i)
	in.madeForCall = true
	return in, nil, true
}

// put returns a healthy instance.
func (p *pool) put(in *instance) { p.putAt(in, clock()) }

// putAt is put at now (clock), for a caller that has just read it.
func (p *pool) putAt(in *instance, now int64) {
	in.idleSince = now
	if p.closed.Load() {
		p.drop(in)
		return
	}
	p.idle.push(in.slot)
	if p.idle.len() > p.min {
		p.armReaper()
	}
	p.signal()
	if p.closed.Load() {
		// Closed while this one went back: it may have missed the drain.
		p.drainIdle()
	}
}

// discard closes an instance that faulted; its slot is free for a new one.
func (p *pool) discard(in *instance) {
	p.drop(in)
}

// drop closes an instance that is out of the pool and frees its slot.
func (p *pool) drop(in *instance) {
	p.live.Add(-1)
	p.slots[in.slot] = nil
	in.close()
	p.release(in.slot)
}

// closeHeld closes an instance that its caller took out of the pool for
// good (a ticker's), and keeps its slot taken: makeHeld makes the next
// one in it, release gives it back.
func (p *pool) closeHeld(in *instance) {
	p.live.Add(-1)
	p.slots[in.slot] = nil
	in.close()
}

// makeHeld makes an instance in slot, which the caller holds empty
// (closeHeld), and keeps it out of the pool.
func (p *pool) makeHeld(ctx context.Context, slot int) (*instance, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	in, err := p.newInst(ctx)
	if err != nil {
		return nil, err
	}
	p.place(in, slot)
	return in, nil
}

// release gives a slot back and wakes a waiter, who can make an instance
// in it.
func (p *pool) release(slot int) {
	p.empty.push(slot)
	p.signal()
}

func (p *pool) signal() {
	if p.waiters.Load() > 0 {
		select {
		case p.wake <- struct{}{}:
		default: // signals enough are pending
		}
	}
}

// adopt puts an instance made outside the pool into an empty slot, as if
// get had made it and put returned it.
func (p *pool) adopt(in *instance) bool {
	i := p.empty.pop()
	if i < 0 {
		return false
	}
	p.place(in, i)
	p.put(in)
	return true
}

// fill makes instances until n are idle, or the slots run out.
func (p *pool) fill(ctx context.Context, n int) error {
	for p.idle.len() < n {
		i := p.empty.pop()
		if i < 0 {
			return nil
		}
		in, err := p.newInst(ctx)
		if err != nil {
			p.release(i)
			return err
		}
		p.place(in, i)
		p.put(in)
	}
	return nil
}

// place puts a new instance in slot i, busy.
func (p *pool) place(in *instance, i int) {
	in.slot = i
	p.slots[i] = in
	p.live.Add(1)
}

// armReaper makes the reaper run a full timeout from now, unless it is
// armed already: the instance just back is due no sooner than that, and
// older ones are found when it runs.
func (p *pool) armReaper() {
	if p.armed.Load() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed.Load() || p.closed.Load() {
		return
	}
	p.armed.Store(true)
	p.reaper.Reset(p.idleTimeout)
}

// reap runs on the reaper's goroutine: it takes the idle instances off
// the stack, closes those beyond the minimum (counting from the warmest)
// idle for longer than the timeout, puts the rest back in their order,
// and arms itself again for the next one due, if any. Calls that come
// meanwhile find fewer idle instances, and may make one.
func (p *pool) reap() {
	p.mu.Lock()
	p.armed.Store(false)
	p.mu.Unlock()
	var taken []*instance // warmest first
	for i := p.idle.pop(); i >= 0; i = p.idle.pop() {
		taken = append(taken, p.slots[i])
	}
	now := clock()
	var next int64 // clock time the next kept instance is due, 0 if none
	kept := taken[:0]
	for n, in := range taken {
		switch due := in.idleSince + int64(p.idleTimeout); {
		case n < p.min:
			kept = append(kept, in)
		case due <= now:
			p.reaped.Add(1)
			p.drop(in)
		default:
			kept = append(kept, in)
			if next == 0 || due < next {
				next = due
			}
		}
	}
	for i := len(kept) - 1; i >= 0; i-- { // coldest first, so the warmest ends on top
		p.idle.push(kept[i].slot)
	}
	p.signal()
	if next != 0 {
		p.mu.Lock()
		if !p.armed.Load() && !p.closed.Load() {
			p.armed.Store(true)
			p.reaper.Reset(time.Duration(max(next-now, 0)))
		}
		p.mu.Unlock()
	}
	if p.closed.Load() {
		p.drainIdle()
	}
}

// drainIdle closes every idle instance.
func (p *pool) drainIdle() {
	for i := p.idle.pop(); i >= 0; i = p.idle.pop() {
		p.drop(p.slots[i])
	}
}

// close closes the idle instances now and busy ones as they come back;
// waiting calls fail with ErrClosed.
func (p *pool) close() {
	p.closed.Store(true)
	p.mu.Lock()
	p.reaper.Stop()
	p.armed.Store(false)
	p.mu.Unlock()
	p.drainIdle()
	for range p.max {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// slotStack is a bounded lock-free LIFO of slot numbers (a Treiber stack
// over an array). The head holds a version beside the top, so that a pop
// that raced with a pop and a push of the same slot fails its swap
// rather than corrupt the list (the ABA problem), and the number of
// slots on the stack, so that counting them costs no atomic operation of
// its own: a call's take and return are one swap each.
type slotStack struct {
	head atomic.Uint64 // version<<32 | len<<16 | top+1; top+1 == 0 when empty
	next []atomic.Uint32
}

// maxSlots is the most slots a stack holds: its head has 16 bits for the
// top and for the length.
const maxSlots = 1<<16 - 1

func newSlotStack(n int) slotStack {
	if n > maxSlots {
		panic(fmt.Sprintf("filters: a pool of %d slots is over %d", n, maxSlots))
	}
	return slotStack{next: make([]atomic.Uint32, n)}
}

// stackHead packs a head: the version, the length and top+1.
func stackHead(version, length, top1 uint32) uint64 {
	return uint64(version)<<32 | uint64(length)<<16 | uint64(top1)
}

func (s *slotStack) push(slot int) {
	for {
		h := s.head.Load()
		s.next[slot].Store(uint32(h) & 0xffff)
		if s.head.CompareAndSwap(h, stackHead(uint32(h>>32)+1, uint32(h>>16)&0xffff+1, uint32(slot+1))) {
			return
		}
	}
}

// pop returns the top slot, or -1 when the stack is empty.
func (s *slotStack) pop() int {
	for {
		h := s.head.Load()
		top := uint32(h) & 0xffff
		if top == 0 {
			return -1
		}
		below := s.next[top-1].Load()
		if s.head.CompareAndSwap(h, stackHead(uint32(h>>32)+1, uint32(h>>16)&0xffff-1, below)) {
			return int(top - 1)
		}
	}
}

// len is how many slots the stack holds.
func (s *slotStack) len() int { return int(s.head.Load()>>16) & 0xffff }

// busy is how many instances are out of the pool, serving calls. Read
// while calls come and go, it is a moment's estimate, never below zero.
func (p *pool) busy() int64 { return max(p.live.Load()-int64(p.idle.len()), 0) }
