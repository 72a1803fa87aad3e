package host

import (
	"strings"
	"testing"
)

func TestInternValue(t *testing.T) {
	long := strings.Repeat("v", maxInternedValueLen+1)
	tests := []struct {
		name     string
		value    string
		interned bool
	}{
		{"short", "nosniff", true},
		{"empty", "", true},
		{"longest interned", strings.Repeat("v", maxInternedValueLen), true},
		{"too long", long, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Binding
			first := b.internValue([]byte(tt.value))
			again := b.internValue([]byte(tt.value))
			if first != tt.value || again != tt.value {
				t.Fatalf("internValue = %q, %q; want %q", first, again, tt.value)
			}
			_, kept := b.values[tt.value]
			if kept != tt.interned {
				t.Fatalf("interned = %v, want %v", kept, tt.interned)
			}
		})
	}
}

// TestInternValueIsBounded: a guest that sets a new value each time fills
// the table once; past it, values are still right, and still copies.
func TestInternValueIsBounded(t *testing.T) {
	var b Binding
	for i := range 2 * maxInternedValues {
		v := strings.Repeat("x", i%maxInternedValueLen) + string(rune('a'+i%26)) + strings.Repeat("y", i/26%10)
		if got := b.internValue([]byte(v)); got != v {
			t.Fatalf("internValue(%q) = %q", v, got)
		}
	}
	if len(b.values) > maxInternedValues {
		t.Fatalf("%d values interned, bound is %d", len(b.values), maxInternedValues)
	}
}

// TestValueSliceSharesNothing: the slices carved from one slab are
// separate headers' values; appending to one must not write into the next.
func TestValueSliceSharesNothing(t *testing.T) {
	var b Binding
	var got [][]string
	for i := range valueSlabLen + 3 { // past a slab boundary
		got = append(got, b.valueSlice(strings.Repeat("a", i+1)))
	}
	for i := range got {
		if len(got[i]) != 1 || cap(got[i]) != 1 {
			t.Fatalf("slice %d: len %d cap %d, want 1 and 1", i, len(got[i]), cap(got[i]))
		}
		got[i] = append(got[i], "added")
	}
	for i, vs := range got {
		if want := strings.Repeat("a", i+1); vs[0] != want || vs[1] != "added" {
			t.Fatalf("slice %d = %q, want [%q added]", i, vs, want)
		}
	}
}
