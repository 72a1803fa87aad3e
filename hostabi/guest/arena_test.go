package guest

import (
	"strings"
	"testing"
)

// fill is the host's side of the buffer-limit protocol, for the tests:
// it writes v into buf when it fits and returns its length.
func fill(buf []byte, v string) int {
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return len(v)
}

// read is how the SDK reads a value through the arena.
func (a *stringArena) read(v string) string {
	for {
		n := fill(a.free(), v)
		if n <= len(a.free()) {
			return a.take(firstLen(a.free()[:n]))
		}
		a.room(n)
	}
}

func TestStringArenaKeepsWhatItHandsOut(t *testing.T) {
	var a stringArena
	long := strings.Repeat("x", stringBlock+10)
	values := []string{"", "a", "some-value-1234", "first\x00second", long, "after-long", strings.Repeat("y", stringBlock-3), "z"}
	var got []string
	for range 3 { // past several block boundaries
		for _, v := range values {
			got = append(got, a.read(v))
		}
	}
	for i, s := range got {
		v := values[i%len(values)]
		want := v[:firstLen([]byte(v))]
		if s != want {
			t.Fatalf("value %d: got %.20q (len %d), want %.20q (len %d)", i, s, len(s), want, len(want))
		}
	}
}

func TestStringArenaOverwritesNothingHandedOut(t *testing.T) {
	var a stringArena
	// A list whose later elements the host writes past the first: they
	// are free space again, and the next value overwrites them.
	first := a.read("abc\x00defgh")
	second := a.read("12345678")
	if first != "abc" || second != "12345678" {
		t.Fatalf("got %q and %q", first, second)
	}
}

func TestFirstLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{{"", 0}, {"a", 1}, {"\x00", 0}, {"ab\x00c", 2}, {"abc", 3}}
	for _, tt := range tests {
		if got := firstLen([]byte(tt.in)); got != tt.want {
			t.Errorf("firstLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
