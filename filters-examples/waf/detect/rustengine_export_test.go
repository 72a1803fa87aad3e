//go:build !wasip1

package detect

import (
	"encoding/binary"
	"testing"
)

// InspectInRust has the Rust port's engine (probe_inspect) judge r under
// config. refused is the port's refusal of config ("" when it accepts).
func InspectInRust(t testing.TB, config string, r *Request) (res Result, refused string) {
	t.Helper()
	in := appendProbeRequest(appendProbeBytes(nil, config), r)
	out, err := newRustProbe(t).call("inspect", in)
	if err != nil {
		t.Fatal(err)
	}
	rd := &probeReader{b: out}
	if refused = rd.bytes(); refused != "" || rd.err != nil {
		return res, refused
	}
	if b := rd.take(8); b != nil {
		res.Score = int(int64(binary.LittleEndian.Uint64(b)))
	}
	res.Attack, res.BodySkipped, res.BodyTruncated = rd.flag(), rd.flag(), rd.flag()
	for n := rd.u32(); n > 0 && rd.err == nil; n-- {
		var m Match
		m.Rule = rd.bytes()
		class, ok := classByName(rd.bytes())
		if !ok && rd.err == nil {
			t.Fatalf("probe_inspect: match %s of an unknown class", m.Rule)
		}
		m.Class = class
		m.Where = rd.bytes()
		m.Score = int(int32(rd.u32()))
		res.Matches = append(res.Matches, m)
	}
	if rd.err == nil && len(rd.b) > 0 {
		t.Fatalf("probe_inspect: %d bytes past its output", len(rd.b))
	}
	if rd.err != nil {
		t.Fatalf("probe_inspect's output: %v", rd.err)
	}
	return res, ""
}
