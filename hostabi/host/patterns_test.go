package host

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func compilePatterns(b *Binding, mem *flatMemory, list string, flags uint64) int32 {
	copy(mem.b[inAt:], list)
	stack := []uint64{inAt, uint64(len(list)), flags}
	patternsCompile(b, mem, stack)
	return int32(uint32(stack[0]))
}

func TestPatternsCompile(t *testing.T) {
	tests := []struct {
		name  string
		list  string
		flags uint64
		phase hostabi.Phase
		want  int32
	}{
		{"words", "union\x00select\x00sleep(", 0, hostabi.PhaseConfigure, 0},
		{"folding", "Union", 1, hostabi.PhaseConfigure, 0},
		{"unknown flag", "a", 2, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"empty pattern", "a\x00\x00b", 0, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"empty list", "", 0, hostabi.PhaseConfigure, hostabi.ErrInvalid},
		{"pattern too long", strings.Repeat("a", hostabi.MaxPatternLen+1), 0, hostabi.PhaseConfigure, hostabi.ErrTooLarge},
		{"request phase", "a", 0, hostabi.PhaseRequest, hostabi.ErrPhase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Binding{Phase: tt.phase}
			mem := &flatMemory{b: make([]byte, 1<<16)}
			if got := compilePatterns(b, mem, tt.list, tt.flags); got != tt.want {
				t.Fatalf("patterns_compile = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPatternsScan(t *testing.T) {
	configured := &Binding{Phase: hostabi.PhaseConfigure}
	mem := &flatMemory{b: make([]byte, 2<<20)}
	compilePatterns(configured, mem, "union\x00select\x00sleep(", 1)
	b := &Binding{Phase: hostabi.PhaseRequest,
		Exchange: &bodyExchange{body: map[hostabi.Kind][]byte{hostabi.KindRequest: []byte("id=1 UNION SELECT sleep(5)")}}}
	b.Restore(configured.Configured()) // the handles survive a snapshot
	scan := func(h, target uint64, data string, limit uint64) string {
		copy(mem.b[inAt:], data)
		copy(mem.b[outAt<<6:], bytes.Repeat([]byte{0xAA}, 64))
		stack := []uint64{h, target, 0, inAt, uint64(len(data)), outAt << 6, limit}
		patternsScan(b, mem, stack)
		return report(int32(uint32(stack[0])), mem.b[outAt<<6:outAt<<6+64])
	}
	tests := []struct {
		name      string
		h, target uint64
		data      string
		limit     uint64
		want      string
	}{
		{"bytes, in order found", 0, uint64(hostabi.RegexBytes), "SeLeCt 1 UNION all", 64, "1,0"},
		{"each once", 0, uint64(hostabi.RegexBytes), "union union union", 64, "0"},
		{"none", 0, uint64(hostabi.RegexBytes), "nothing here", 64, ""},
		{"body", 0, uint64(hostabi.RegexBody), "", 64, "0,1,2"},
		{"unknown handle", 1, uint64(hostabi.RegexBytes), "a", 64, "-1"},
		{"unknown target", 0, 7, "a", 64, "-2"},
	}
	t.Run("too small: the length, nothing written", func(t *testing.T) {
		copy(mem.b[outAt<<6:], bytes.Repeat([]byte{0xAA}, 64))
		stack := []uint64{0, uint64(hostabi.RegexBody), 0, inAt, 0, outAt << 6, 8}
		patternsScan(b, mem, stack)
		if n := int32(uint32(stack[0])); n != 12 || !bytes.Equal(mem.b[outAt<<6:outAt<<6+16], bytes.Repeat([]byte{0xAA}, 16)) {
			t.Fatalf("patterns_scan with 8 bytes: %d, %x", n, mem.b[outAt<<6:outAt<<6+16])
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scan(tt.h, tt.target, tt.data, tt.limit); got != tt.want {
				t.Fatalf("patterns_scan: %s, want %s", got, tt.want)
			}
		})
	}
}
