package jsonwalk

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tidwall/gjson"
)

// doc16K is about 16 KiB of JSON records, the shape of an API response.
var doc16K = func() []byte {
	var recs []map[string]any
	for i := 0; ; i++ {
		recs = append(recs, map[string]any{"id": i, "email": fmt.Sprintf("user%d@mail.example.com", i),
			"created": 1732500000123, "note": "call ops@example.org if late", "card": "5555 5555 5555 4444"})
		if doc, _ := json.Marshal(recs); len(doc) > 16<<10 {
			doc, _ = json.Marshal(recs[:len(recs)-1])
			return doc
		}
	}
}()

func BenchmarkValid16K(b *testing.B) {
	b.SetBytes(int64(len(doc16K)))
	for b.Loop() {
		if err := Valid(doc16K); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWalk16K(b *testing.B) {
	b.SetBytes(int64(len(doc16K)))
	var w Walker
	leaves := 0
	for b.Loop() {
		w.Reset(doc16K)
		for {
			if _, ok := w.Next(); !ok {
				break
			}
		}
		leaves = w.Count()
	}
	b.ReportMetric(float64(leaves), "leaves/op")
}

// BenchmarkGJSONValid16K is gjson's own check of the same document, for
// scale.
func BenchmarkGJSONValid16K(b *testing.B) {
	b.SetBytes(int64(len(doc16K)))
	for b.Loop() {
		if !gjson.ValidBytes(doc16K) {
			b.Fatal("invalid")
		}
	}
}
