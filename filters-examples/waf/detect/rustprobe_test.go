//go:build !wasip1

package detect

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"

	libinjection "github.com/corazawaf/libinjection-go"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// rustProbe runs the exports of filters-examples/waf/rust/probe, the
// Rust port's internals, so that a test can give the port and this
// package the same input and compare what each makes of it. One
// instance, called one at a time.
type rustProbe struct {
	mu    sync.Mutex
	mod   api.Module
	alloc api.Function
	fns   map[string]api.Function
}

var (
	probeOnce sync.Once
	probe     *rustProbe
	probeErr  error
)

// newRustProbe builds the probe crate (once per test binary) and returns
// its instance, shared by every test of the binary.
func newRustProbe(t testing.TB) *rustProbe {
	t.Helper()
	probeOnce.Do(func() { probe, probeErr = loadRustProbe() })
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return probe
}

func loadRustProbe() (*rustProbe, error) {
	path, err := wasmbuild.Rust("../rust/probe")
	if err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	// The runtime lives as long as the test binary: the probe is shared.
	rt := wazero.NewRuntime(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	if err := instantiateProbeHost(ctx, rt); err != nil {
		return nil, err
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		return nil, fmt.Errorf("instantiating the probe: %w", err)
	}
	p := &rustProbe{mod: mod, alloc: mod.ExportedFunction("probe_alloc"), fns: map[string]api.Function{}}
	if p.alloc == nil {
		return nil, fmt.Errorf("the probe exports no probe_alloc")
	}
	return p, nil
}

// call runs the export probe_<name> on input and returns a copy of its
// output. A trap is an error: the Rust side panicked or overran.
func (p *rustProbe) call(name string, input []byte) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn, ok := p.fns[name]
	if !ok {
		if fn = p.mod.ExportedFunction("probe_" + name); fn == nil {
			return nil, fmt.Errorf("the probe exports no probe_%s", name)
		}
		p.fns[name] = fn
	}
	ctx := context.Background()
	res, err := p.alloc.Call(ctx, uint64(len(input)))
	if err != nil {
		return nil, fmt.Errorf("probe_alloc(%d): %w", len(input), err)
	}
	if len(input) > 0 && !p.mod.Memory().Write(uint32(res[0]), input) {
		return nil, fmt.Errorf("probe_alloc(%d) returned %#x, outside memory", len(input), res[0])
	}
	res, err = fn.Call(ctx, uint64(len(input)))
	if err != nil {
		return nil, fmt.Errorf("probe_%s on %q: %w", name, input, err)
	}
	addr, n := uint32(res[0]>>32), uint32(res[0])
	out, ok := p.mod.Memory().Read(addr, n)
	if !ok {
		return nil, fmt.Errorf("probe_%s returned %d bytes at %#x, outside memory", name, n, addr)
	}
	return append([]byte(nil), out...), nil
}

// appendProbeBytes appends s as the probes read a byte string: its length
// as a u32 little-endian, then its bytes.
func appendProbeBytes(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// appendProbeRequest appends r as the probes read a request (see
// read_request in probe/src/lib.rs): method, URI, the count of headers
// and each one's name and value, the body, and the body-unread flag.
func appendProbeRequest(b []byte, r *Request) []byte {
	b = appendProbeBytes(b, r.Method)
	b = appendProbeBytes(b, r.URI)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Headers)))
	for _, h := range r.Headers {
		b = appendProbeBytes(b, h.Name)
		b = appendProbeBytes(b, h.Value)
	}
	b = appendProbeBytes(b, string(r.Body))
	if r.BodyUnread {
		return append(b, 1)
	}
	return append(b, 0)
}

// probeReader reads a probe export's output: byte strings as a u32
// little-endian length and the bytes, numbers as u32 little-endian, flags
// as one byte. The first error sticks, and later reads return zero values.
type probeReader struct {
	b   []byte
	err error
}

func (r *probeReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = fmt.Errorf("output cut short: %d bytes wanted, %d left", n, len(r.b))
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *probeReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *probeReader) bytes() string { return string(r.take(int(r.u32()))) }

func (r *probeReader) flag() bool {
	b := r.take(1)
	if b != nil && b[0] > 1 {
		r.err = fmt.Errorf("flag byte %d", b[0])
	}
	return b != nil && b[0] == 1
}

// instantiateProbeHost provides the probe's imports (module
// "probe_host"): the host the port's engine asks, answered by this
// package's own code, so that a difference the engine tests find is the
// port's. regex_match(rule, text, len) matches rule's expression (its
// index in allRules) with Go's regexp; is_sqli and is_xss are
// libinjection's. Each returns 1 or 0.
func instantiateProbeHost(ctx context.Context, rt wazero.Runtime) error {
	rules := allRules()
	res := make([]*regexp.Regexp, len(rules))
	for i := range rules {
		if rules[i].pattern != "" {
			res[i] = regexp.MustCompile(rules[i].pattern)
		}
	}
	text := func(m api.Module, ptr, n uint32) string {
		b, ok := m.Memory().Read(ptr, n)
		if !ok {
			panic(fmt.Sprintf("probe_host: %d bytes at %#x, outside memory", n, ptr))
		}
		return string(b)
	}
	bit := func(b bool) uint32 {
		if b {
			return 1
		}
		return 0
	}
	_, err := rt.NewHostModuleBuilder("probe_host").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, rule, ptr, n uint32) uint32 {
		if int(rule) >= len(res) || res[rule] == nil {
			panic(fmt.Sprintf("probe_host: regex_match of rule %d, which has no expression", rule))
		}
		return bit(res[rule].MatchString(text(m, ptr, n)))
	}).Export("regex_match").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, ptr, n uint32) uint32 {
		found, _ := libinjection.IsSQLi(text(m, ptr, n))
		return bit(found)
	}).Export("is_sqli").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, ptr, n uint32) uint32 {
		return bit(libinjection.IsXSS(text(m, ptr, n)))
	}).Export("is_xss").
		Instantiate(ctx)
	return err
}

func TestRustProbeEcho(t *testing.T) {
	p := newRustProbe(t)
	for _, in := range []string{"", "a", "hello, probe", string(make([]byte, 70000))} {
		got, err := p.call("echo", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		want := []byte(in)
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
		if string(got) != string(want) {
			t.Fatalf("echo of %d bytes: got %d bytes, not the input reversed", len(in), len(got))
		}
	}
	if _, err := p.call("nonesuch", nil); err == nil {
		t.Fatal("calling a missing export: no error")
	}
}
