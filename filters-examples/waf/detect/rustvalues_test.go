//go:build !wasip1

package detect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// valuesCall is one call of inspection.value, as the trace sees it.
type valuesCall struct {
	target          Target
	kind, name, arg string
	raw             string
	plus            bool
}

// valuesHit is a protocol check a request fails, with its place.
type valuesHit struct{ id, where string }

// valuesOutcome is what the splitting makes of one request: every call
// of value in order, the protocol checks that hit, and the body flags.
type valuesOutcome struct {
	calls              []valuesCall
	hits               []valuesHit
	skipped, truncated bool
}

// valuesSetup is the configuration the splitting reads: how much body
// it inspects and the methods the method check allows.
type valuesSetup struct {
	name         string
	maxBodyBytes int
	methods      []string
}

// valuesSetups: the defaults, a limit that truncates most bodies with
// a method list of its own, and body inspection off.
var valuesSetups = []valuesSetup{
	{"default", 0, nil},
	{"small", 64, []string{"GET", "POST", "PROPFIND"}},
	{"nobody", -1, []string{"GET"}},
}

var (
	valuesEnginesMu sync.Mutex
	valuesEngines   = map[string]*Engine{}
)

// valuesEngine returns the engine of a setup, compiled once.
func valuesEngine(t testing.TB, s valuesSetup) *Engine {
	t.Helper()
	valuesEnginesMu.Lock()
	defer valuesEnginesMu.Unlock()
	if e, ok := valuesEngines[s.name]; ok {
		return e
	}
	e, err := New(Config{MaxBodyBytes: s.maxBodyBytes, AllowedMethods: s.methods})
	if err != nil {
		t.Fatal(err)
	}
	valuesEngines[s.name] = e
	return e
}

// goValues splits r as Inspect does, recording each call of value
// through inspection.trace, and runs every protocol check on it.
func goValues(e *Engine, r *Request) valuesOutcome {
	var out valuesOutcome
	path, query := splitURI(r.URI)
	in := &inspection{e: e, path: path, lastKey: -1}
	in.trace = func(target Target, at where, arg, raw string, plus bool) {
		out.calls = append(out.calls, valuesCall{target, at.kind, at.name, arg, raw, plus})
	}
	in.split(r, path, query)
	for _, p := range protocolChecks() {
		if where, ok := p.check(r, e); ok {
			out.hits = append(out.hits, valuesHit{p.id, where})
		}
	}
	out.skipped, out.truncated = in.res.BodySkipped, in.res.BodyTruncated
	return out
}

// valuesInput encodes probe_values' input, as the comment of
// filters-examples/waf/rust/probe/src/values.rs has it: integers
// little-endian, a byte string as its u32 length and its bytes, a flag
// as one byte; method, uri, the count of headers and each one's name and
// value, body, body-unread, max_body_bytes as an i64, the count of
// allowed methods and each.
func valuesInput(r *Request, maxBodyBytes int, methods []string) []byte {
	b := appendProbeRequest(nil, r)
	b = binary.LittleEndian.AppendUint64(b, uint64(int64(maxBodyBytes)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(methods)))
	for _, m := range methods {
		b = appendProbeBytes(b, m)
	}
	return b
}

// decodeValuesOutput reads probe_values' output (see values.rs): the
// count of values and each one's target (u16), kind, name, arg and raw
// (byte strings) and plus flag; the count of checks hit and each one's id
// and place; the skipped and truncated flags.
func decodeValuesOutput(b []byte) (valuesOutcome, error) {
	var out valuesOutcome
	rd := &probeReader{b: b}
	for n := rd.u32(); n > 0 && rd.err == nil; n-- {
		var c valuesCall
		if v := rd.take(2); v != nil {
			c.target = Target(binary.LittleEndian.Uint16(v))
		}
		c.kind, c.name, c.arg, c.raw = rd.bytes(), rd.bytes(), rd.bytes(), rd.bytes()
		c.plus = rd.flag()
		out.calls = append(out.calls, c)
	}
	for n := rd.u32(); n > 0 && rd.err == nil; n-- {
		out.hits = append(out.hits, valuesHit{rd.bytes(), rd.bytes()})
	}
	out.skipped, out.truncated = rd.flag(), rd.flag()
	if rd.err == nil && len(rd.b) > 0 {
		rd.err = errors.New("bytes past the end of the output")
	}
	return out, rd.err
}

// rustValues splits r in the port.
func rustValues(t testing.TB, p *rustProbe, r *Request, maxBodyBytes int, methods []string) valuesOutcome {
	t.Helper()
	got, err := p.call("values", valuesInput(r, maxBodyBytes, methods))
	if err != nil {
		t.Fatalf("%s: %v", describeRequest(r), err)
	}
	out, err := decodeValuesOutput(got)
	if err != nil {
		t.Fatalf("%s: probe_values' output %q: %v", describeRequest(r), got, err)
	}
	return out
}

// checkRustValues splits r in Go and in the port under setup s and
// reports a difference with the request and both outcomes, quoted. It
// returns whether they agree.
func checkRustValues(t testing.TB, p *rustProbe, r *Request, s valuesSetup) bool {
	t.Helper()
	e := valuesEngine(t, s)
	cfg := e.Config()
	want := goValues(e, r)
	got := rustValues(t, p, r, cfg.MaxBodyBytes, cfg.AllowedMethods)
	if reflect.DeepEqual(got, want) {
		return true
	}
	t.Errorf("setup %s, %s:\n rust:\n%s go:\n%s", s.name, describeRequest(r), got, want)
	return false
}

func describeRequest(r *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request %q %q", r.Method, r.URI)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, " [%q: %q]", h.Name, h.Value)
	}
	fmt.Fprintf(&b, " body %q unread %v", r.Body, r.BodyUnread)
	return b.String()
}

func (o valuesOutcome) String() string {
	var b strings.Builder
	for i, c := range o.calls {
		fmt.Fprintf(&b, "  %3d target %#x where %q+%q arg %q raw %q plus %v\n", i, uint16(c.target), c.kind, c.name, c.arg, c.raw, c.plus)
	}
	for _, h := range o.hits {
		fmt.Fprintf(&b, "  check %q at %q\n", h.id, h.where)
	}
	fmt.Fprintf(&b, "  body skipped %v truncated %v\n", o.skipped, o.truncated)
	return b.String()
}
