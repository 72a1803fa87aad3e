package host

import (
	"errors"
	"net/http"
	"time"

	"github.com/gojinn/gojinn/hostabi"
)

// Exchange is the per-request state the host functions act on.
// pipeline.Exchange implements it; hostabi does not depend on pipeline, so
// that the ABI can be tested and reused without a chain.
type Exchange interface {
	// Request is the live request; header, method and URI changes are
	// made on it directly so the next handler sees them.
	Request() *http.Request
	// URI is the request target (path and raw query, encoded).
	URI() string
	// SetURI replaces the request target. uri is already validated.
	SetURI(uri string) error
	// ClientAddr is the client's address, "ip:port".
	ClientAddr() string
	// Started is when the request began, as the host saw it.
	Started() time.Time
	// ServerValue is a value of the request its server knows beyond HTTP
	// (see ServerValue); ok is false when the server has none, as
	// outside a server that tells it.
	ServerValue(v ServerValue) (string, bool)
	// Header is the header map of the request or of the response.
	Header(k hostabi.Kind) http.Header
	// Body returns the body of the request or response, buffering it on
	// first use. It returns ErrBodyTooLarge over the exchange's limit and
	// ErrNotBuffered where the body cannot be had in this phase.
	Body(k hostabi.Kind) ([]byte, error)
	// SetBody replaces a body; the Exchange copies b.
	SetBody(k hostabi.Kind, b []byte) error
	// BodySize is the length of the body of the request or response
	// when it is known without reading it: from the framing, or because
	// the Exchange holds the body; 0 means there is none. It returns
	// ErrLengthUnknown when only reading the body would tell, and
	// ErrBodyTooLarge when the length is over the exchange's limit.
	BodySize(k hostabi.Kind) (int64, error)
	// Status is the response status, 0 when none is set.
	Status() int
	// SetStatus sets the response status.
	SetStatus(code int)
	// Var looks a chain variable up without allocating.
	Var(name []byte) (string, bool)
	// SetVar sets a chain variable; the Exchange copies name and value.
	SetVar(name, value []byte) error
	// AppendTraceParent appends to dst the W3C traceparent
	// (hostabi.TraceParentLen bytes) of the trace the call runs in, and
	// reports whether the request is traced at all.
	AppendTraceParent(dst []byte) ([]byte, bool)
	// TraceLog records a guest's log line, at a level named as zap
	// names it, as an event of the call's span when the host traces the
	// call, and does nothing otherwise. msg is the guest's memory: an
	// Exchange that keeps it copies it.
	TraceLog(level string, msg []byte)
}

// Errors an Exchange returns, mapped to result codes by the host functions.
var (
	ErrBodyTooLarge  = errors.New("gojinn: body over the limit")
	ErrNotBuffered   = errors.New("gojinn: body not available in this phase")
	ErrLengthUnknown = errors.New("gojinn: body length not known until the body is read")
	ErrTooManyVars   = errors.New("gojinn: too many chain variables")
)

// resultOf maps an Exchange error to a result code.
func resultOf(err error) int32 {
	switch {
	case err == nil:
		return hostabi.ResultOK
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, ErrTooManyVars):
		return hostabi.ErrTooLarge
	case errors.Is(err, ErrNotBuffered):
		return hostabi.ErrPhase
	case errors.Is(err, ErrLengthUnknown):
		return hostabi.ErrUnavailable
	}
	return hostabi.ErrInvalid
}
