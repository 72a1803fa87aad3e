//go:build !wasip1

package detect

import (
	"encoding/binary"
	"testing"
)

// viewsAllInput is probe_views_all's input: each value as its flag byte,
// a u32 little-endian length and its bytes.
func viewsAllInput(values []sampleValue) []byte {
	var b []byte
	for _, v := range values {
		b = append(b, probeFlag(v.plus))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v.raw)))
		b = append(b, v.raw...)
	}
	return b
}

// goViewsTotal builds every view of each value, as probe_views_all does,
// on one forms reused across values as the engine reuses it, and returns
// the total length of what it built.
func goViewsTotal(f *forms, values []sampleValue) uint64 {
	var total uint64
	for _, v := range values {
		// The engine empties the arena once a request; here every value
		// is a request.
		f.arena = f.arena[:0]
		f.build(v.raw, v.plus)
		total += uint64(len(f.dec) + len(f.lowered()) + len(f.sqlText()) + len(f.cmdText()))
		raws, lows := f.base64Plains()
		for i := range raws {
			total += uint64(len(raws[i]) + len(lows[i]))
		}
	}
	return total
}

// rustViewsTotal has the port build every view of each value in one
// call and returns the total length.
func rustViewsTotal(tb testing.TB, p *rustProbe, input []byte, values int) uint64 {
	out, err := p.call("views_all", input)
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) != 12 || binary.LittleEndian.Uint32(out) != uint32(values) {
		tb.Fatalf("probe_views_all: output %x for %d values", out, values)
	}
	return binary.LittleEndian.Uint64(out[4:])
}

func TestRustViewsAll(t *testing.T) {
	values := corpusSampleValues(t)
	p := newRustProbe(t)
	if got, want := rustViewsTotal(t, p, viewsAllInput(values), len(values)), goViewsTotal(new(forms), values); got != want {
		t.Fatalf("views of the %d corpus values: rust built %d bytes, go %d", len(values), got, want)
	}
}

// BenchmarkViewsCorpora builds the views of every corpus value once per
// iteration: natively in Go, and in the Rust port inside wasm (wazero's
// compiler, one call for all values). The per-value figure is the time
// per iteration divided by the number of values it logs.
func BenchmarkViewsCorpora(b *testing.B) {
	values := corpusSampleValues(b)
	b.Logf("%d values", len(values))
	b.Run("go-native", func(b *testing.B) {
		f := new(forms)
		b.ReportAllocs()
		for b.Loop() {
			goViewsTotal(f, values)
		}
	})
	b.Run("rust-wasm", func(b *testing.B) {
		p := newRustProbe(b)
		input := viewsAllInput(values)
		b.ReportAllocs()
		for b.Loop() {
			rustViewsTotal(b, p, input, len(values))
		}
	})
}
