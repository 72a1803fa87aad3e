//go:build !wasip1

package detect

import "testing"

// RustValuesSetups is the number of setups CheckRustValues compares
// under.
var RustValuesSetups = len(valuesSetups)

// CheckRustValues compares the splitting of r by this package and by the
// Rust port under setup number setup (see valuesSetups), for the tests of
// package detect_test: those walk the shared corpora with ../corpus,
// which imports this package and so cannot be imported by its own
// tests. It reports a difference itself, and returns whether the two
// agree and how many values the Go engine found.
func CheckRustValues(t testing.TB, r *Request, setup int) (agree bool, values int) {
	t.Helper()
	s := valuesSetups[setup]
	agree = checkRustValues(t, newRustProbe(t), r, s)
	return agree, len(goValues(valuesEngine(t, s), r).calls)
}

// TimeRustValues times probe_values on r under the default setup,
// for the benchmarks of package detect_test (which hold benchreq's
// requests): the port's splitting inside wasm, with the probe's costs on
// top (encoding the request, recording every value, the call).
func TimeRustValues(b *testing.B, r *Request) {
	p := newRustProbe(b)
	cfg := valuesEngine(b, valuesSetups[0]).Config()
	input := valuesInput(r, cfg.MaxBodyBytes, cfg.AllowedMethods)
	b.SetBytes(int64(len(r.URI) + len(r.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.call("values", input); err != nil {
			b.Fatal(err)
		}
	}
}
