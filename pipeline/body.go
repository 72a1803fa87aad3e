package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// DefaultBodyTimeout is how long a chain waits for a request body it reads
// ahead when Options.BodyTimeout is zero: a minute, as long as Caddy waits
// by default for a request's header.
const DefaultBodyTimeout = time.Minute

// Errors of a request body the chain reads ahead for a filter. A Failure's
// Err wraps one of them; the client gets only the status.
var (
	// ErrBodyTooLarge: the body is over the chain's MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("request body over the chain's body limit")
	// ErrBodyTimeout: the body did not arrive within BodyTimeout (408).
	ErrBodyTimeout = errors.New("request body not received within the chain's body timeout")
	// ErrBodyRead: the body could not be read, for example broken chunks
	// or a client gone mid-body (400).
	ErrBodyRead = errors.New("request body could not be read")
)

// readBodyAhead reads the request body into ex before the call of a filter
// that declared it reads the body (hostabi.FeatureRequestBody), so that
// the wait for a slow client is spent here, bounded by the chain's body
// limit and its own deadline, and not inside the filter's call: there it
// would hold one of the filter's instances and count against the filter's
// time limit, and a few slow clients would exhaust the pool for everyone.
//
// It returns a *Failure when the body is refused: over the limit (413, at
// once when Content-Length says so), too slow (408), unreadable (400).
func (c *Chain) readBodyAhead(w http.ResponseWriter, ex *Exchange) error {
	r := ex.req
	switch ex.reqState {
	case bodyBuffered:
		return nil // an earlier filter read or replaced it
	case bodyTooLarge:
		// An earlier filter read it lazily and found it over the
		// limit: a filter that declared it reads bodies must not be
		// handed one it cannot see.
		return c.refuseBody(w, r, http.StatusRequestEntityTooLarge,
			fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, ex.maxBody))
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		ex.reqState = bodyBuffered // no body (see Exchange.BodySize)
		return nil
	}
	if r.ContentLength > ex.maxBody {
		return c.refuseBody(w, r, http.StatusRequestEntityTooLarge,
			fmt.Errorf("%w: Content-Length %d, limit %d bytes", ErrBodyTooLarge, r.ContentLength, ex.maxBody))
	}
	body := r.Body
	// The deadline stays the server's until it passes: only then is the
	// read cut short, by a read deadline in the past (the connection is
	// then not reused, a stream of HTTP/2 reset) or, where the writer
	// offers none, by closing the body. Caddy's own server timeouts are
	// left as they are.
	timer := time.AfterFunc(c.bodyTimeout, func() {
		if err := http.NewResponseController(w).SetReadDeadline(time.Now()); err != nil {
			_ = body.Close()
		}
	})
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(body, ex.maxBody+1))
	if !timer.Stop() {
		// The deadline passed, even if the last byte came in just
		// before it: the connection's reads are cut from now on.
		return c.refuseBody(w, r, http.StatusRequestTimeout,
			fmt.Errorf("%w (%v, %d bytes received)", ErrBodyTimeout, c.bodyTimeout, n))
	}
	switch {
	case n > ex.maxBody:
		return c.refuseBody(w, r, http.StatusRequestEntityTooLarge,
			fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, ex.maxBody))
	case err != nil:
		return c.refuseUnread(w, r, n, err)
	}
	ex.setRequestBody(buf.Bytes())
	return nil
}

// refuseUnread refuses a body whose read failed after n bytes.
func (c *Chain) refuseUnread(w http.ResponseWriter, r *http.Request, n int64, err error) *Failure {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// A limit the route set before the chain (Caddy's request_body).
		return c.refuseBody(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: %w", ErrBodyTooLarge, err))
	}
	return c.refuseBody(w, r, http.StatusBadRequest, fmt.Errorf("%w after %d bytes: %w", ErrBodyRead, n, err))
}

// refuseBody logs a refused request body and returns the Failure that
// answers it. It is the client's doing, not a filter's: logged at info,
// with the client's address, and not counted as a filter call.
func (c *Chain) refuseBody(w http.ResponseWriter, r *http.Request, status int, err error) *Failure {
	if r.ProtoMajor == 1 {
		// What is left of the body is still on the connection: it must
		// not be read as the next request.
		w.Header().Set("Connection", "close")
	}
	c.logger.Info("request body refused",
		zap.String("client", r.RemoteAddr),
		zap.Int("status", status),
		zap.Error(err))
	return &Failure{Status: status, Err: err}
}
