package filters

import (
	"errors"
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

// TestLimitRearms: calls that start after the timer was armed by an
// earlier one, idle gaps that let it fire with no call running, and then
// an overdue call, which must still be expired.
func TestLimitRearms(t *testing.T) {
	l := newLimit()
	defer l.stop()
	const d = 20 * time.Millisecond
	for i := range 20 {
		if err := l.run(d, func() error { time.Sleep(d / 4); return nil }); err != nil {
			t.Fatalf("call %d, well within its limit: %v", i, err)
		}
		if i%5 == 4 {
			time.Sleep(2 * d) // the timer fires between calls
		}
	}
	if l.expired.Load() {
		t.Fatal("expired with no call overdue")
	}
	if err := l.run(d, waitExpired(l)); err == errHung {
		t.Fatalf("overdue call not expired within %v", hang)
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
