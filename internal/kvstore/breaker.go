package kvstore

import (
	"errors"
	"sync"
	"time"
)

// BreakerConfig says when a store stops asking a failing server, and for
// how long.
type BreakerConfig struct {
	// Failures in a row open the breaker; zero means 5.
	Failures int
	// Cooldown is how long it stays open before one call may try again;
	// each failed try doubles it, up to MaxCooldown. Zeros mean 500 ms
	// and 30 s.
	Cooldown, MaxCooldown time.Duration
}

// Breaker stops a store from sending every request's operation to a
// server that is down, each waiting out its timeout: after Failures in a
// row it fails calls at once for a cooldown, then lets one call through
// to see whether the server is back (closing again when it succeeds,
// doubling the cooldown when it does not).
type Breaker struct {
	failures              int
	cooldown, maxCooldown time.Duration
	now                   func() time.Time

	mu       sync.Mutex
	inARow   int
	open     bool
	wait     time.Duration // the current cooldown
	until    time.Time     // when the open breaker lets a try through
	trying   bool          // a try is out
	opened   int64         // times the breaker opened
	rejected int64         // calls refused while open
}

// NewBreaker returns a closed breaker.
func NewBreaker(cfg BreakerConfig) (*Breaker, error) {
	if cfg.Failures < 0 || cfg.Cooldown < 0 || cfg.MaxCooldown < 0 {
		return nil, errors.New("breaker: values cannot be negative")
	}
	b := &Breaker{failures: cfg.Failures, cooldown: cfg.Cooldown, maxCooldown: cfg.MaxCooldown, now: time.Now}
	if b.failures == 0 {
		b.failures = 5
	}
	if b.cooldown == 0 {
		b.cooldown = 500 * time.Millisecond
	}
	if b.maxCooldown == 0 {
		b.maxCooldown = 30 * time.Second
	}
	if b.maxCooldown < b.cooldown {
		return nil, errors.New("breaker: max cooldown is under the cooldown")
	}
	return b, nil
}

// Allow reports whether a call may go to the server. A caller that was
// allowed must Record the outcome.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true
	}
	if b.trying || b.now().Before(b.until) {
		b.rejected++
		return false
	}
	b.trying = true
	return true
}

// Record counts an allowed call's outcome: ok when the server answered.
func (b *Breaker) Record(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case ok:
		b.inARow, b.open, b.trying = 0, false, false
	case b.trying:
		// The try failed: longer before the next.
		b.trying = false
		b.wait = min(2*b.wait, b.maxCooldown)
		b.until = b.now().Add(b.wait)
	case b.open:
		// A call allowed before the breaker opened, failing late.
	default:
		b.inARow++
		if b.inARow >= b.failures {
			b.open, b.wait = true, b.cooldown
			b.until = b.now().Add(b.wait)
			b.opened++
		}
	}
}

// BreakerStats counts a breaker.
type BreakerStats struct {
	Open             bool
	Opened, Rejected int64
}

// Stats reports the breaker's state and counts.
func (b *Breaker) Stats() BreakerStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BreakerStats{Open: b.open, Opened: b.opened, Rejected: b.rejected}
}
