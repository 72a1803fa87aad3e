package filters

import (
	"errors"
	"fmt"
	"testing"
	"time"
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
