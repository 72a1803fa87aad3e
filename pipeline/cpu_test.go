package pipeline

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// cpuMeter reports a benchmark's CPU time per operation (cpu-ns/op)
// beside its wall time. The machine these benchmarks run on is shared:
// while other jobs hold its cores, wall time counts the time the
// benchmark waited for one, and CPU time does not, so ratios between
// benchmarks stay comparable under load. The benchmark's goroutine is
// locked to its thread for the measurement, which is the thread's CPU
// time: the guest and the host functions run on it; the collector's
// background work does not count. What the thread does once in the loop
// (an instance's first touch of its memory) is spread over b.N, so a
// short run (-benchtime 1000x) overstates it; the default second does not.
type cpuMeter struct{ start int64 }

func startCPU() cpuMeter {
	runtime.LockOSThread()
	return cpuMeter{threadCPU()}
}

func (m cpuMeter) report(b *testing.B) {
	d := threadCPU() - m.start
	runtime.UnlockOSThread()
	b.ReportMetric(float64(d)/float64(b.N), "cpu-ns/op")
}

func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic("clock_gettime(CLOCK_THREAD_CPUTIME_ID): " + err.Error())
	}
	return ts.Nano()
}
