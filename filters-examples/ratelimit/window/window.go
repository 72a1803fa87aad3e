// Package window is the rate limiter's arithmetic: a sliding window
// estimated from two fixed windows, as the ratelimit filter keeps them in
// a key-value store. It is plain Go, so that it is tested natively.
package window

import "time"

// Window is a limit of Limit requests per Size.
type Window struct {
	Limit int64
	Size  time.Duration
}

// Index is the fixed window now falls in, counted from the Unix epoch,
// so that every process that shares a store agrees on it; Elapsed is how
// far into it now is.
func (w Window) Index(now time.Time) (index int64, elapsed time.Duration) {
	ns := now.UnixNano()
	size := int64(w.Size)
	return ns / size, time.Duration(ns % size)
}

// Decision is what a request gets.
type Decision struct {
	// Allowed reports whether the request is within the limit.
	Allowed bool
	// Remaining is how many more requests the estimate allows now.
	Remaining int64
	// Reset is when the current fixed window ends: the estimate is at
	// its lowest then, and what a refused client waits for (Retry-After).
	Reset time.Duration
}

// Decide weighs the previous window's count by the part of it the
// sliding window still covers, adds the current window's count (which
// includes this request), and allows the request when the sum is within
// the limit.
func (w Window) Decide(current, previous int64, elapsed time.Duration) Decision {
	covered := float64(w.Size-elapsed) / float64(w.Size)
	estimate := current + int64(float64(previous)*covered)
	d := Decision{Allowed: estimate <= w.Limit, Reset: w.Size - elapsed}
	if d.Allowed {
		d.Remaining = w.Limit - estimate
	}
	return d
}

// NeedsPrevious reports whether the previous window's count can change
// the decision: not when the current window alone is over the limit, so
// that a refused client costs one store operation, not two.
func (w Window) NeedsPrevious(current int64) bool { return current <= w.Limit }
