//go:build wasip1

package guest

import (
	"unsafe"

	"github.com/gojinn/gojinn/hostabi"
)

// TraceParent is the W3C traceparent of the trace the call runs in
// ("00-<trace id>-<parent id>-<flags>"), for the filter's own logs or to
// send on its own outbound calls; ok is false when the request is not
// traced (no tracing in the host, or none for this request).
func TraceParent() (traceparent string, ok bool) {
	var buf [hostabi.TraceParentLen]byte
	n := traceContextGet(unsafe.Pointer(&buf[0]), uint32(len(buf)))
	if n < 0 || int(n) > len(buf) {
		return "", false
	}
	return string(buf[:n]), true
}
