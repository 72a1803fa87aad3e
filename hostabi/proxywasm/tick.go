package proxywasm

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// ExportOnTick is the plugin context's timer callback,
// proxy_on_tick(root_context_id).
const ExportOnTick = "proxy_on_tick"

// MinTickPeriod is the shortest tick period: a shorter one is raised to
// it. Each tick is a timer wake-up and a guest call under its time limit;
// below a few milliseconds a ticking filter would be a busy loop on a
// machine that serves many sites, for work (flushing counters, refreshing
// a cache) that gains nothing from it.
const MinTickPeriod = 10 * time.Millisecond

// tickRequest is a period the guest asked for, not yet taken by the
// runtime.
type tickRequest struct {
	period time.Duration
	set    bool
}

// TakeTickPeriod returns the period the plugin context last asked for
// with proxy_set_tick_period_milliseconds since the last take (0 stops
// ticking), and whether it asked at all; it clears the request.
func (b *Binding) TakeTickPeriod() (time.Duration, bool) {
	r := b.tick
	b.tick = tickRequest{}
	return r.period, r.set
}

// tickPeriod is the period ms asks for, raised to MinTickPeriod.
func tickPeriod(ms uint32) time.Duration {
	if ms == 0 {
		return 0
	}
	return max(time.Duration(ms)*time.Millisecond, MinTickPeriod)
}

// setTickPeriod records the plugin context's tick period for the runtime
// to take when the callback returns. Only the plugin context has a timer:
// from an HTTP context's callback it answers StatusBadArgument.
func setTickPeriod(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	if b.ContextID != 0 {
		result(stack, StatusBadArgument)
		return
	}
	b.tick = tickRequest{period: tickPeriod(uint32(stack[0])), set: true}
	result(stack, StatusOK)
}
