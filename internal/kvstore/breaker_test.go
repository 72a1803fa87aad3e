package kvstore

import (
	"testing"
	"time"
)

// TestBreaker walks a breaker through its states on a clock the test
// moves: closed through failures under the threshold, open at it, one
// try after the cooldown, a longer cooldown after a failed try (capped),
// closed after a successful one.
func TestBreaker(t *testing.T) {
	b, err := NewBreaker(BreakerConfig{Failures: 3, Cooldown: time.Second, MaxCooldown: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	b.now = func() time.Time { return now }
	fail := func() {
		t.Helper()
		if !b.Allow() {
			t.Fatal("refused while it should allow")
		}
		b.Record(false)
	}
	fail()
	fail()
	b.Record(true) // a success in between starts the count again
	fail()
	fail()
	if b.Stats().Open {
		t.Fatal("open after two failures in a row")
	}
	fail()
	if !b.Stats().Open || b.Allow() {
		t.Fatal("not open after three failures in a row")
	}
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		now = now.Add(wait - 1)
		if b.Allow() {
			t.Fatalf("a try before the %v cooldown ended", wait)
		}
		now = now.Add(1)
		if !b.Allow() {
			t.Fatalf("no try after the %v cooldown", wait)
		}
		if b.Allow() {
			t.Fatal("a second try while the first is out")
		}
		b.Record(false)
	}
	now = now.Add(3 * time.Second)
	if !b.Allow() {
		t.Fatal("no try after the capped cooldown")
	}
	b.Record(true)
	if st := b.Stats(); st.Open || st.Opened != 1 || st.Rejected != 9 {
		t.Fatalf("stats %+v: want closed, opened once, 9 refused", st)
	}
	if !b.Allow() {
		t.Fatal("a closed breaker refused")
	}
}

func TestBreakerConfigErrors(t *testing.T) {
	for _, cfg := range []BreakerConfig{{Failures: -1}, {Cooldown: -1}, {Cooldown: time.Minute, MaxCooldown: time.Second}} {
		if _, err := NewBreaker(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
