package pipeline

import (
	"context"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// TestHeaderSetAllocates: a filter call that reads a header and sets
// another to the same value every time (what BenchmarkFilterCall does)
// allocates nothing on the host once warm: the name is interned, the
// value too, and the []string comes from a slab. Counts, not time.
func TestHeaderSetAllocatesNothing(t *testing.T) {
	f, err := engine(t).Load(context.Background(), filters.Config{
		Name: "readset", Wasm: guest(t, readsetGuest), PoolMin: 1, Timeout: patientTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	r := benchRequest()
	ex := &Exchange{req: r, maxBody: hostabi.DefaultMaxBodyBytes}
	ctx := context.Background()
	call := func() {
		delete(r.Header, "X-Out")
		if _, err := f.Call(ctx, hostabi.PhaseRequest, ex); err != nil {
			t.Fatal(err)
		}
	}
	call() // warm: the instance, the interned name and value
	if allocs := testing.AllocsPerRun(200, call); allocs != 0 {
		t.Errorf("a warm call allocates %v times, want 0", allocs)
	}
	if got := r.Header.Get("X-Out"); got != "some-value-1234" {
		t.Fatalf("X-Out = %q", got)
	}
}
