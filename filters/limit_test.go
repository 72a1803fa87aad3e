package filters

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
)

// waitExpired is a call that runs until its limit expires it, as a
// looping guest would; hang is how long the test waits before it calls
// the limit broken (a guard against hanging, not a timing assertion).
func waitExpired(l *limit) func() error {
	return func() error {
		for give := time.Now().Add(hang); time.Now().Before(give); time.Sleep(time.Millisecond) {
			if l.expired.Load() {
				return nil
			}
		}
		return errHung
	}
}

const hang = 30 * time.Second

var errHung = errors.New("the call was never expired")

// TestLimitShorterAfterLonger: a call with a short limit after one with a
// long limit is held to its own, though the timer was armed for the
// long one (an instance's start-up runs under a longer limit than its
// requests).
func TestLimitShorterAfterLonger(t *testing.T) {
	t.Parallel()
	l := newLimit()
	defer l.stop()
	if err := l.run(time.Hour, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	err := l.run(10*time.Millisecond, waitExpired(l))
	if err == errHung {
		t.Fatalf("not expired within %v: the hour-long wake-up stood", hang)
	}
	if err == nil {
		t.Fatal("the call outlived its expiry without an error")
	}
}

// TestLimitRearms walks the timer through the states a call meets
// without any of them depending on how fast the machine is: the calls
// that must not expire have limits of hours, and the timer firing early
// (for an earlier call's deadline, or between calls) is the test calling
// fire, as the timer's goroutine would. Only the last call, overdue from
// its start, waits for the real timer.
func TestLimitRearms(t *testing.T) {
	t.Parallel()
	const long = time.Hour
	tests := []struct {
		name string
		run  func(t *testing.T, l *limit)
	}{
		{"a later call is not expired by an earlier call's wake-up", func(t *testing.T, l *limit) {
			if err := l.run(long, func() error { return nil }); err != nil {
				t.Fatal(err)
			}
			armed := l.wake.Load()
			err := l.run(2*long, func() error {
				if w := l.wake.Load(); w != armed {
					return fmt.Errorf("a call with a later deadline moved the wake-up from %d to %d", armed, w)
				}
				l.fire() // the wake-up armed for the first call's deadline
				if l.expired.Load() {
					return errors.New("expired at another call's deadline")
				}
				if dl, w := l.deadline.Load(), l.wake.Load(); w != dl {
					return fmt.Errorf("re-armed for %d, want the running call's deadline %d", w, dl)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"a wake-up between calls leaves the timer idle", func(t *testing.T, l *limit) {
			for i := range 3 {
				if err := l.run(long, func() error { return nil }); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				l.fire() // no call running
				if l.expired.Load() || l.wake.Load() != 0 {
					t.Fatalf("after a wake-up with no call: expired %v, wake %d", l.expired.Load(), l.wake.Load())
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLimit()
			defer l.stop()
			tt.run(t, l)
			if l.expired.Load() {
				t.Fatal("expired with no call overdue")
			}
			// Whatever the timer's state, a call whose limit has passed
			// is expired.
			if err := l.run(time.Nanosecond, waitExpired(l)); err == errHung {
				t.Fatalf("overdue call not expired within %v", hang)
			} else if err == nil {
				t.Fatal("the overdue call outlived its expiry without an error")
			}
		})
	}
}

func BenchmarkLimit(b *testing.B) {
	l := newLimit()
	defer l.stop()
	fn := func() error { return nil }
	for b.Loop() {
		if err := l.run(time.Second, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCallAtCountsTheWait: a call that waits for an instance is timed
// from its start, wait included, while its time limit starts when it has
// the instance (the deadline it publishes is checked, not how long
// anything took: the limit is an hour and never fires).
func TestCallAtCountsTheWait(t *testing.T) {
	const limitLen = time.Hour
	f, err := newEngine(t).Load(context.Background(), Config{Name: "tiny", Wasm: tinyGuest(),
		PoolMax: 1, PoolWait: time.Minute, Timeout: limitLen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	held, err := f.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		d   time.Duration
		err error
	}
	got := make(chan result, 1)
	before := clock()
	go func() {
		start := Now()
		_, end, err := f.CallAt(context.Background(), hostabi.PhaseRequest, newTestExchange("", ""), start, nil)
		got <- result{end.Sub(start), err}
	}()
	for give := time.Now().Add(hang); f.pool.waiters.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(give) {
			t.Fatalf("the call did not wait for the instance within %v", hang)
		}
	}
	// The call is waiting from here on: what it is timed must cover
	// at least the time from here to the release.
	waiting := clock()
	time.Sleep(10 * time.Millisecond)
	released := clock()
	f.pool.put(held)
	r := <-got
	after := clock()
	if r.err != nil {
		t.Fatalf("the waiting call: %v", r.err)
	}
	if least, most := time.Duration(released-waiting), time.Duration(after-before); r.d < least || r.d > most {
		t.Fatalf("timed %v; it waited at least %v and took at most %v", r.d, least, most)
	}
	// The limit the call ran under counted from after the wait: the
	// timer was armed for a deadline past the release plus the limit.
	if w := held.limit.wake.Load(); w < released+int64(limitLen) {
		t.Fatalf("the call's deadline was %v after the release, want at least the limit %v",
			time.Duration(w-released), limitLen)
	}
}
