package detect

import (
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// protocolCheck is a per-request check of the HTTP framing, where
// request smuggling and method tricks show.
type protocolCheck struct {
	id    string
	pl    int
	score int
	check func(r *Request, e *Engine) (where string, hit bool)
}

func protocolChecks() []protocolCheck {
	return []protocolCheck{
		{id: "protocol-method-not-allowed", pl: 1, score: critical, check: methodNotAllowed},
		{id: "protocol-cl-and-te", pl: 1, score: critical, check: lengthAndChunked},
		{id: "protocol-te-not-chunked", pl: 1, score: critical, check: oddTransferEncoding},
		{id: "protocol-content-length-conflict", pl: 1, score: critical, check: conflictingLengths},
		{id: "protocol-header-line-break", pl: 1, score: critical, check: lineBreakInHeader},
		{id: "protocol-body-without-type", pl: 1, score: notice, check: bodyWithoutType},
	}
}

// methodNotAllowed: a method outside the allowed list, or one that is
// not even a token (a request line split by a smuggled CR or space).
func methodNotAllowed(r *Request, e *Engine) (string, bool) {
	return "request", !hostabi.IsToken(r.Method) || !e.methods[r.Method]
}

// lengthAndChunked: Content-Length and Transfer-Encoding together let a
// front end and a back end disagree on where the request ends.
func lengthAndChunked(r *Request, _ *Engine) (string, bool) {
	_, cl := r.header("content-length")
	_, te := r.header("transfer-encoding")
	return "header:Transfer-Encoding", cl && te
}

// oddTransferEncoding: anything but a plain "chunked" (obfuscated
// spellings, stacked codings) is how TE.TE smuggling starts.
func oddTransferEncoding(r *Request, _ *Engine) (string, bool) {
	n := 0
	odd := false
	for _, h := range r.Headers {
		if equalFold(h.Name, "transfer-encoding") {
			n++
			if !strings.EqualFold(h.Value, "chunked") {
				odd = true
			}
		}
	}
	return "header:Transfer-Encoding", odd || n > 1
}

// conflictingLengths: several Content-Length values that differ, or one
// that is not a number.
func conflictingLengths(r *Request, _ *Engine) (string, bool) {
	first := ""
	for _, h := range r.Headers {
		if !equalFold(h.Name, "content-length") {
			continue
		}
		for rest, more := h.Value, true; more; {
			var v string
			v, rest, more = strings.Cut(rest, ",")
			v = strings.TrimSpace(v)
			if v == "" || strings.Trim(v, "0123456789") != "" {
				return "header:Content-Length", true
			}
			if first == "" {
				first = v
			} else if v != first {
				return "header:Content-Length", true
			}
		}
	}
	return "", false
}

// lineBreakInHeader: a CR or LF inside a value is header injection, or a
// second request hidden in the first.
func lineBreakInHeader(r *Request, _ *Engine) (string, bool) {
	for _, h := range r.Headers {
		// Control bytes are rare: the exact tests run on the few
		// values and names that hold one (or a space, in a name).
		if hasByteBelow(h.Value, ' ') && strings.ContainsAny(h.Value, "\r\n") ||
			hasByteBelow(h.Name, ' '+1) && strings.ContainsAny(h.Name, "\r\n ") ||
			indexByte(h.Name, ':') >= 0 {
			return "header:" + h.Name, true
		}
	}
	return "", false
}

// bodyWithoutType: a body nobody declared a type for. Browsers and API
// clients always declare one; hand-made probes often do not. A notice
// alone, it lets weak signals in the body add up to a block.
func bodyWithoutType(r *Request, _ *Engine) (string, bool) {
	_, ok := r.header("content-type")
	return "header:Content-Type", len(r.Body) > 0 && !ok
}
