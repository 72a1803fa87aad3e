package wasmbin

import (
	"bytes"
	"math"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmtest"
)

func TestLEBRoundTrip(t *testing.T) {
	for _, v := range []uint32{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, math.MaxUint32} {
		r := Reader{B: AppendU32(nil, v)}
		if got := r.U32(); got != v || r.Err != nil || !r.Done() {
			t.Errorf("U32 of %d: %d, %v", v, got, r.Err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, math.MaxInt32, math.MinInt32} {
		r := Reader{B: AppendSLEB(nil, v)}
		if got := r.SLEB(32); got != v || r.Err != nil || !r.Done() {
			t.Errorf("SLEB of %d: %d, %v", v, got, r.Err)
		}
	}
	r := Reader{B: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}}
	if r.U32(); r.Err == nil {
		t.Error("a six-byte u32 was read")
	}
}

func TestParseEncodeRoundTrip(t *testing.T) {
	wasm := wasmtest.ABIGuest(nil, wasmtest.Const(1)).Encode()
	m, err := Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if out := m.Encode(); !bytes.Equal(out, wasm) {
		t.Fatal("Encode(Parse(m)) is not m")
	}
	// A section put where the order says: data count before code.
	m.Put(SecDataCount).Payload = AppendU32(nil, 0)
	var ids []byte
	for _, s := range m.Sections {
		ids = append(ids, s.ID)
	}
	want := []byte{SecType, SecFunction, SecMemory, SecExport, SecDataCount, SecCode}
	if !bytes.Equal(ids, want) {
		t.Fatalf("sections %v, want %v", ids, want)
	}
	if err := m.AppendEntries(SecExport, AppendName(nil, "x"), 0); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(wasmtest.ABIGuest(nil, wasmtest.Const(1)).Encode())
	f.Fuzz(func(t *testing.T, wasm []byte) {
		m, err := Parse(wasm)
		if err != nil {
			return
		}
		if out := m.Encode(); !bytes.Equal(out, wasm) {
			// Sizes may be written longer than needed in the input;
			// what Encode writes must read back the same.
			again, err := Parse(out)
			if err != nil || !bytes.Equal(again.Encode(), out) {
				t.Fatalf("Encode's output does not read back: %v", err)
			}
		}
	})
}
