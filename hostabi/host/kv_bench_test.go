package host

import (
	"context"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/kvstore"
)

// memoryModule is (module (memory (export "memory") 1)).
var memoryModule = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x05, 0x03, 0x01, 0x00, 0x01,
	0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00}

func guestMemory(tb testing.TB) api.Memory {
	tb.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	tb.Cleanup(func() { _ = r.Close(ctx) })
	m, err := r.Instantiate(ctx, memoryModule)
	if err != nil {
		tb.Fatal(err)
	}
	return m.Memory()
}

type nopObserver struct{}

func (nopObserver) KVCall(KVOp, KVOutcome, time.Duration) {}

// BenchmarkKVIncrMemory is kv_incr's host side on a memory store: the
// handler (bounds checks, the handle, the count written back) and the
// store's increment, without the wasm call into the host. With an
// observer, each call also reads the clock twice, as Caddy's metrics do.
func BenchmarkKVIncrMemory(b *testing.B) {
	for _, observed := range []bool{false, true} {
		name := "unobserved"
		if observed {
			name = "observed"
		}
		b.Run(name, func(b *testing.B) {
			mem := guestMemory(b)
			store, err := kvstore.NewMemory(kvstore.MemoryConfig{})
			if err != nil {
				b.Fatal(err)
			}
			s := &KVStore{Name: "bench", Store: store, FailOpen: true}
			if observed {
				s.Observer = nopObserver{}
			}
			bind := &Binding{Phase: hostabi.PhaseRequest, kvStores: []*KVStore{s}}
			key := []byte("rl:192.0.2.1:29412345")
			mem.Write(0, key)
			var stack [7]uint64
			b.ReportAllocs()
			for b.Loop() {
				stack = [7]uint64{0, 0, uint64(len(key)), 1, 60000, 64, hostabi.KVCountLen}
				kvIncr(bind, mem, stack[:])
			}
			if int32(uint32(stack[0])) != hostabi.ResultOK {
				b.Fatalf("kv_incr: %d", int32(uint32(stack[0])))
			}
		})
	}
}
