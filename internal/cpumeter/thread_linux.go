package cpumeter

import "golang.org/x/sys/unix"

const hasThreadClock = true

// Thread is the calling thread's CPU time in nanoseconds.
func Thread() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic("clock_gettime(CLOCK_THREAD_CPUTIME_ID): " + err.Error())
	}
	return ts.Nano()
}
