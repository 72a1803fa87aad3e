// Package cpumeter reports a benchmark's CPU time per operation
// (cpu-ns/op) beside its wall time. The machine the benchmarks run on is
// shared: while other jobs hold its cores, wall time counts the time the
// benchmark waited for one, and CPU time does not, so ratios between
// benchmarks stay comparable under load.
package cpumeter

import (
	"runtime"
	"testing"
)

// Meter measures the CPU time of the benchmark's goroutine, locked to its
// thread between Start and Report: the guest and the host functions run
// on it; the collector's background work does not count. What the thread
// does once in the loop (an instance's first touch of its memory) is
// spread over b.N, so a short run (-benchtime 1000x) overstates it; the
// default second does not.
type Meter struct{ start int64 }

// Start locks the goroutine to its thread and reads the thread's clock.
func Start() Meter {
	runtime.LockOSThread()
	return Meter{Thread()}
}

// Report unlocks the thread and reports cpu-ns/op over b.N, on a
// system with a thread clock (see Thread); elsewhere it reports nothing
// rather than a figure that means something else.
func (m Meter) Report(b *testing.B) {
	d := Thread() - m.start
	runtime.UnlockOSThread()
	if hasThreadClock {
		b.ReportMetric(float64(d)/float64(b.N), "cpu-ns/op")
	}
}
