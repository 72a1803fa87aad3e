package detect_test

import (
	"testing"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

func benchmarkInspect(b *testing.B, r *detect.Request) {
	e, err := detect.New(detect.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if res := e.Inspect(r); res.Attack {
		b.Fatalf("benchmark request flagged: %+v", res.Matches)
	}
	b.SetBytes(int64(len(r.URI) + len(r.Body)))
	b.ReportAllocs()
	for b.Loop() {
		e.Inspect(r)
	}
}

func BenchmarkInspectGET(b *testing.B)          { benchmarkInspect(b, benchreq.GET()) }
func BenchmarkInspectJSONPOST4K(b *testing.B)   { benchmarkInspect(b, benchreq.JSONPOST4K()) }
func BenchmarkInspectReviewPOST4K(b *testing.B) { benchmarkInspect(b, benchreq.ReviewPOST4K()) }

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := detect.New(detect.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
