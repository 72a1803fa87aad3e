package filters

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// BenchmarkLoadShared is a load that finds its module compiled and its
// snapshot taken: another site with the same filter, or a reload.
func BenchmarkLoadShared(b *testing.B) {
	e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	cfg := Config{Name: "probe", Wasm: probeWasm(b)}
	first, err := e.Load(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer first.Close(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		f, err := e.Load(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		f.Close(context.Background())
	}
}

// BenchmarkColdCall is a call on a filter scaled to zero: an instance
// restored from the snapshot, then its first call, for the probe and for
// the smallest Go guest (pipeline/testdata/noop).
func BenchmarkColdCall(b *testing.B) {
	noop, err := wasmbuild.Go("../pipeline/testdata/noop")
	if err != nil {
		b.Fatal(err)
	}
	noopWasm, err := os.ReadFile(noop)
	if err != nil {
		b.Fatal(err)
	}
	for _, g := range []struct {
		name string
		wasm []byte
	}{{"probe", probeWasm(b)}, {"noop", noopWasm}} {
		b.Run(g.name, func(b *testing.B) { benchColdCall(b, g.wasm) })
	}
}

func benchColdCall(b *testing.B, wasm []byte) {
	e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	f, err := e.Load(context.Background(), Config{Name: "guest", Wasm: wasm})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close(context.Background())
	b.Run("restore", func(b *testing.B) {
		for b.Loop() {
			in, err := f.newRestored(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			in.close()
		}
	})
	b.Run("restore+call", func(b *testing.B) {
		for b.Loop() {
			in, err := f.newRestored(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			in.binding.Exchange, in.binding.Phase = newTestExchange("", ""), hostabi.PhaseRequest
			if _, err := in.call(in.onRequest, f.timeout); err != nil {
				b.Fatal(err)
			}
			in.close()
		}
	})
}

// BenchmarkBusyInstanceMemory reports what an instance restored from the
// snapshot costs once it has served a request: the process's private
// dirty memory and its proportional set size (shared pages counted once)
// per instance, over 100 instances. Linux only (it reads
// /proc/self/smaps_rollup).
func BenchmarkBusyInstanceMemory(b *testing.B) {
	e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	f, err := e.Load(context.Background(), Config{Name: "probe", Wasm: probeWasm(b), PoolMax: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close(context.Background())
	const n = 100
	for b.Loop() {
		runtime.GC()
		before := smapsRollup(b)
		var held []*instance
		for range n {
			in, err := f.pool.get(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			in.binding.Exchange, in.binding.Phase = newTestExchange("respond", "200"), hostabi.PhaseRequest
			if _, err := in.call(in.onRequest, time.Minute); err != nil {
				b.Fatal(err)
			}
			in.binding.Exchange = nil
			held = append(held, in)
		}
		runtime.GC()
		after := smapsRollup(b)
		b.ReportMetric(float64(after["Private_Dirty"]-before["Private_Dirty"])/n/1024, "private-KiB/instance")
		b.ReportMetric(float64(after["Pss"]-before["Pss"])/n/1024, "pss-KiB/instance")
		b.ReportMetric(float64(f.Stats().SnapshotResident)/1024, "snapshot-KiB")
		for _, in := range held {
			f.pool.discard(in)
		}
	}
}

// smapsRollup reads the process's memory totals, in bytes.
func smapsRollup(b *testing.B) map[string]int64 {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		b.Skip("no /proc/self/smaps_rollup: ", err)
	}
	out := map[string]int64{}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			out[strings.TrimSuffix(f[0], ":")] = v << 10
		}
	}
	return out
}

// BenchmarkLoadSharedFile is BenchmarkLoadShared from a module file, as
// Caddy loads: the file is stat'ed, not read and hashed again.
func BenchmarkLoadSharedFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "probe.wasm")
	if err := os.WriteFile(path, probeWasm(b), 0o600); err != nil {
		b.Fatal(err)
	}
	e, err := NewEngine(EngineConfig{CacheDir: compilationCache(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	cfg := Config{Name: "probe", Path: path}
	first, err := e.Load(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer first.Close(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		f, err := e.Load(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		f.Close(context.Background())
	}
}
