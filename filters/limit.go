package filters

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// limit stops an instance that runs too long: its timer sets the flag that
// every loop of the instrumented module checks (package interrupt), and
// the guest traps at its next iteration. Once it has expired a call, the
// instance is never used again.
//
// A call does not arm and stop the timer: each is a trip through the
// runtime's timer heap under its lock, and together they cost more than
// calling a small filter. A call only publishes its deadline. The timer
// is armed when no earlier wake-up is pending; when it fires it expires
// the call if that call is overdue, and otherwise sleeps again until the
// deadline of whatever call is running, or stays idle between calls.
type limit struct {
	timer *time.Timer
	// deadline is the running call's deadline (see clock), 0 between
	// calls and claimed once the timer has expired the call.
	deadline atomic.Int64
	// wake is when the timer will fire, 0 when it is not armed. Arming
	// holds mu, so that wake and the timer agree; the calls' fast path
	// only reads it.
	wake    atomic.Int64
	mu      sync.Mutex
	expired atomic.Bool
	flag    atomic.Pointer[api.MutableGlobal]
}

const claimed = -1

// epoch anchors clock; time.Since reads the monotonic clock.
var epoch = time.Now()

func clock() int64 { return int64(time.Since(epoch)) + 1 } // never 0

func newLimit() *limit {
	l := &limit{}
	l.timer = time.AfterFunc(time.Hour, l.fire)
	l.timer.Stop()
	return l
}

// run calls fn under the limit d.
func (l *limit) run(d time.Duration, fn func() error) error { return l.runFrom(clock(), d, fn) }

// runFrom calls fn under the limit d, counted from start (clock): a call
// that has read the clock already does not read it again.
func (l *limit) runFrom(start int64, d time.Duration, fn func() error) error {
	dl := start + int64(d)
	l.deadline.Store(dl)
	// Stored before wake is read, and fire stores wake before it reads
	// the deadline: one of the two sees the other, so either the timer
	// is armed early enough or fire finds this call.
	if w := l.wake.Load(); w == 0 || dl < w {
		l.arm(dl)
	}
	err := fn()
	if l.deadline.Swap(0) == claimed && err == nil {
		// The limit fired as the call returned: the flag may be set, so
		// the instance cannot be trusted with another call.
		err = errors.New("time limit reached as the call returned")
	}
	return err
}

// arm makes the timer fire by dl.
func (l *limit) arm(dl int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.wake.Load(); w == 0 || dl < w {
		l.wake.Store(dl)
		l.timer.Reset(time.Duration(dl - clock()))
	}
}

// fire runs on the timer's goroutine.
func (l *limit) fire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wake.Store(0)
	for {
		dl := l.deadline.Load()
		switch {
		case dl == 0 || dl == claimed:
			// Between calls (the next one arms the timer), or done.
			return
		case clock() < dl:
			// A call that started after the timer was armed.
			l.wake.Store(dl)
			l.timer.Reset(time.Duration(dl - clock()))
			return
		case l.deadline.CompareAndSwap(dl, claimed):
			l.expire()
			return
		}
		// The call ended, and perhaps another began, since the load.
	}
}

func (l *limit) expire() {
	l.expired.Store(true)
	if g := l.flag.Load(); g != nil {
		(*g).Set(1)
	}
}

func (l *limit) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer.Stop()
	l.wake.Store(0)
}
