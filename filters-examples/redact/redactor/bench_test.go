package redactor

import (
	"bytes"
	"testing"
)

// doc16K is a 16 KiB JSON array of records, each with an address, an
// address in free text, a timestamp and an order id, a quarter of them
// with a card as a string and a quarter with one as a number.
var doc16K = func() []byte {
	d := sampleDoc(200)
	i := bytes.LastIndex(d[:16<<10], []byte(`},{`))
	return append(d[:i+1:i+1], ']')
}()

func BenchmarkJSON16K(b *testing.B) {
	r := New(defaults)
	b.SetBytes(int64(len(doc16K)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		_, n = r.JSON(doc16K)
	}
	b.ReportMetric(float64(n), "matches/op")
}

// BenchmarkJSON16KClean is the same size with nothing to redact: the cost
// every response of a redacted type pays.
func BenchmarkJSON16KClean(b *testing.B) {
	r := New(defaults)
	clean := bytes.ReplaceAll(doc16K, []byte("@"), []byte("#"))
	clean = bytes.ReplaceAll(clean, []byte(`"card":4111111111111111`), []byte(`"card":4111111111111112`))
	clean = bytes.ReplaceAll(clean, []byte("5555 5555 5555 4444"), []byte("5555 5555 5555 4445"))
	if _, n := r.JSON(clean); n != 0 {
		b.Fatalf("%d matches in the clean document", n)
	}
	b.SetBytes(int64(len(clean)))
	b.ReportAllocs()
	for b.Loop() {
		r.JSON(clean)
	}
}

func BenchmarkText16K(b *testing.B) {
	r := New(defaults)
	b.SetBytes(int64(len(doc16K)))
	b.ReportAllocs()
	for b.Loop() {
		r.Text(doc16K)
	}
}
