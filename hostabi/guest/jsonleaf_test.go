package guest

import (
	"encoding/binary"
	"testing"
)

func record(t JSONType, off, n int, path, value string) []byte {
	b := []byte{byte(t)}
	for _, v := range []int{off, n, len(path), len(value)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return append(append(b, path...), value...)
}

func TestNextLeaf(t *testing.T) {
	two := append(record(JSONKey, 1, 3, "a", "a"), record(JSONNumber, 5, 2, "a", "10")...)
	tests := []struct {
		name string
		in   []byte
		want []JSONLeaf
		rest int // bytes left undecoded
	}{
		{"two records", two, []JSONLeaf{{JSONKey, 1, 3, []byte("a"), []byte("a")}, {JSONNumber, 5, 2, []byte("a"), []byte("10")}}, 0},
		{"empty path and value", record(JSONString, 0, 2, "", ""), []JSONLeaf{{JSONString, 0, 2, []byte{}, []byte{}}}, 0},
		{"partial header", two[:16], nil, 16},
		{"value cut short", two[:len(two)-1], []JSONLeaf{{JSONKey, 1, 3, []byte("a"), []byte("a")}}, 19},
		{"lengths past the end", record(JSONString, 0, 0, "", "")[:13], nil, 13},
		{"huge length", append(record(JSONString, 0, 0, "", "")[:13], 0xff, 0xff, 0xff, 0xff), nil, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []JSONLeaf
			rest := tt.in
			for {
				l, r, ok := nextLeaf(rest)
				if !ok {
					break
				}
				got, rest = append(got, l), r
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d leaves, want %d", len(got), len(tt.want))
			}
			for i, l := range got {
				w := tt.want[i]
				if l.Type != w.Type || l.Offset != w.Offset || l.Len != w.Len || string(l.Path) != string(w.Path) || string(l.Value) != string(w.Value) {
					t.Errorf("leaf %d: %+v, want %+v", i, l, w)
				}
			}
			if len(rest) != tt.rest {
				t.Errorf("%d bytes left, want %d", len(rest), tt.rest)
			}
		})
	}
}
