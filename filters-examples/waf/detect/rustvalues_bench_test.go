//go:build !wasip1

package detect_test

import (
	"testing"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

func BenchmarkRustValuesGET(b *testing.B)        { detect.TimeRustValues(b, benchreq.GET()) }
func BenchmarkRustValuesJSONPOST4K(b *testing.B) { detect.TimeRustValues(b, benchreq.JSONPOST4K()) }
func BenchmarkRustValuesReviewPOST4K(b *testing.B) {
	detect.TimeRustValues(b, benchreq.ReviewPOST4K())
}
