// Package guest is the Go SDK for Gojinn filters: plain Go over the host
// ABI, with no pointers in sight.
//
// A filter is a main package built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o filter.wasm .
//
// It registers its handlers in init (a reactor's main never runs):
//
//	package main
//
//	import "github.com/gojinn/gojinn/hostabi/guest"
//
//	func init() {
//		guest.Register(guest.Filter{OnRequest: onRequest})
//	}
//
//	func onRequest() guest.Action {
//		if guest.Request.Header.Get("X-Api-Key") == "" {
//			guest.Response.Header.Set("Content-Type", "text/plain")
//			return guest.RespondWith(401, []byte("missing key\n"))
//		}
//		guest.Request.Header.Set("X-Checked", "yes")
//		guest.SetVar("api.checked", "1")
//		return guest.Continue
//	}
//
//	func main() {}
//
// Configure runs once per instance with the filter's config, so a filter
// parses its config there and never per request. OnResponse runs in the
// response phase, in reverse chain order, for filters whose OnRequest
// continued; a filter that sets it is declared to the host automatically,
// and BufferResponseBody asks for the response body as well. A filter that
// reads request bodies sets ReadsRequestBody, so that the host reads the
// body before the call (a slow client then holds no instance), and asks
// Message.BodySize whether there is one: a missing Content-Length is not
// a missing body.
//
// Strings returned by the SDK (header values, variables, the URI) are
// ordinary immutable Go strings, but they do not cost an allocation each:
// the host writes them into blocks of a few kilobytes that the SDK hands
// out piece by piece, and never writes a piece twice. A string kept past
// the request keeps its block alive, as a substring keeps its string;
// strings.Clone one that a filter holds for long. Slices (Body, Config)
// are fresh. Calls into the host share one scratch buffer, which is safe
// because a wasm instance runs one call at a time.
//
// A filter that reads the same parts of every request can allocate
// nothing at all: AppendURI, Header.AppendNames, Header.AppendValues and
// Message.AppendBody copy into buffers the filter keeps between requests
// (lists come NUL-separated, as the host sends them). In wasm this
// matters beyond the allocation itself: allocations bring on the
// collector, which marks the filter's whole heap each time, compiled
// rules and caches included. Strings viewed over such a buffer (with
// unsafe.String) are valid until the buffer is next written, so nothing
// may keep them past the request.
//
// Loops that would run over whole messages in wasm have host primitives,
// which run natively on what the host holds: Message.JSON reads one value
// of a JSON body by gjson path and Message.WalkJSON its leaves;
// CompileRegex compiles sets of RE2 expressions and CompilePatterns deny
// lists of literals, both in Configure, matched against strings or a
// message's header, body or URI. The host checks JSON before reading it
// and bounds every call by its input, so a hostile body costs an error.
package guest
