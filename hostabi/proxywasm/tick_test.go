package proxywasm

import (
	"context"
	"testing"
	"time"
)

// TestSetTickPeriod: the plugin context (no HTTP context at hand) sets
// its period, raised to the floor, 0 included as "stop"; an HTTP context
// is refused and leaves the period as it was.
func TestSetTickPeriod(t *testing.T) {
	for _, tt := range []struct {
		name      string
		contextID uint32
		ms        uint32
		status    Status
		period    time.Duration
		set       bool
	}{
		{"plugin context", 0, 250, StatusOK, 250 * time.Millisecond, true},
		{"under the floor", 0, 1, StatusOK, MinTickPeriod, true},
		{"at the floor", 0, uint32(MinTickPeriod / time.Millisecond), StatusOK, MinTickPeriod, true},
		{"zero stops", 0, 0, StatusOK, 0, true},
		{"largest", 0, 1<<32 - 1, StatusOK, (1<<32 - 1) * time.Millisecond, true},
		{"HTTP context", 2, 250, StatusBadArgument, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := &Binding{RootID: 1, ContextID: tt.contextID}
			stack := []uint64{uint64(tt.ms)}
			setTickPeriod(context.Background(), b, nil, stack)
			if Status(stack[0]) != tt.status {
				t.Fatalf("status %d, want %d", stack[0], tt.status)
			}
			period, set := b.TakeTickPeriod()
			if period != tt.period || set != tt.set {
				t.Fatalf("took %s, %v; want %s, %v", period, set, tt.period, tt.set)
			}
			if _, set := b.TakeTickPeriod(); set {
				t.Fatal("a second take found the period again")
			}
		})
	}
}
