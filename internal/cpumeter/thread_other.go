//go:build !linux

package cpumeter

// The thread clock is Linux's here; other systems (wasip1, for which
// packages with benchmarks are vetted) have none.
const hasThreadClock = false

// Thread is 0 without a thread clock.
func Thread() int64 { return 0 }
