package pipeline

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Exchange is the state of one request as it passes through a chain: the
// live request, its body once a filter reads it, the response a filter
// builds or the one the route produced, and the chain's variables. Host
// functions act on it directly; it is pooled and reset, not re-allocated.
type Exchange struct {
	req     *http.Request
	maxBody int64
	// started is the chain's first clock reading of the request, which
	// its calls' time limits start from too; server answers ServerValue
	// (the chain's Options.ServerValues).
	started filters.Instant
	server  host.ServerValues

	reqBody  []byte
	reqState bodyState

	status         int
	respHeader     http.Header
	borrowedHeader bool // respHeader is the route's, in the response phase
	respBody       []byte
	respState      bodyState
	respReplaced   bool

	// vars are the chain variables in the order first set. Their names
	// outlive release (values do not): a chain sets the same variables
	// in the same order on every request, so the name at a position is
	// usually the one being set, and reusing it saves an allocation in
	// a host call every filter makes.
	vars []chainVar
	// varIndex finds a variable once there are more than linearVars,
	// where scanning the slice would cost more than hashing the name.
	varIndex map[string]int
	hooked   []int // stages whose response hooks run, in chain order
	// held are what filters keep until the exchange ends (hold.go).
	held []heldValue
	// carryHeader: a filter that passed the request on asked for the
	// response header fields it set to go out with the route's response.
	carryHeader bool
	// hooks is the writer the route writes to when the chain has
	// response hooks (response.go).
	hooks hookWriter

	trace exchangeTrace
}

type chainVar struct{ name, value string }

// linearVars is how many variables are found by scanning; above it, by
// varIndex. Most chains set a handful.
const linearVars = 16

// bodyState tracks what the Exchange knows of a body.
type bodyState uint8

const (
	bodyUnread   bodyState = iota // nothing read yet
	bodyBuffered                  // held in full
	bodyTooLarge                  // over the limit, left to stream
	bodyAbsent                    // cannot be had in this phase
)

var _ host.Exchange = (*Exchange)(nil)

// reset readies e for the next request of its chain. Nothing of the
// request may be kept: the next one must not see it.
func (e *Exchange) reset() {
	e.releaseHeld()
	e.carryHeader = false
	e.req, e.server, e.started = nil, nil, 0
	e.reqBody = nil
	e.reqState = bodyUnread
	e.status = 0
	if e.borrowedHeader {
		// The route's header map, still read by the server and logs.
		e.respHeader, e.borrowedHeader = nil, false
	}
	clear(e.respHeader)
	e.respBody = nil
	e.respState = bodyUnread
	e.respReplaced = false
	for i := range e.vars {
		e.vars[i].value = ""
	}
	e.vars = e.vars[:0]
	clear(e.varIndex)
	e.hooked = e.hooked[:0]
	e.hooks = hookWriter{}
	e.trace = exchangeTrace{}
}

// Request implements host.Exchange.
func (e *Exchange) Request() *http.Request { return e.req }

// URI implements host.Exchange. Servers and Caddy's rewrites keep
// RequestURI in step with URL, so it is read without building a string.
func (e *Exchange) URI() string {
	if e.req.RequestURI != "" {
		return e.req.RequestURI
	}
	return e.req.URL.RequestURI()
}

// SetURI implements host.Exchange.
func (e *Exchange) SetURI(uri string) error {
	u, err := e.req.URL.Parse(uri)
	if err != nil {
		return err
	}
	// Keep scheme and host as they were: a filter rewrites the target
	// within this origin, it does not turn the request into a proxy one.
	u.Scheme, u.Host, u.User = e.req.URL.Scheme, e.req.URL.Host, e.req.URL.User
	e.req.URL = u
	e.req.RequestURI = uri
	return nil
}

// ClientAddr implements host.Exchange.
func (e *Exchange) ClientAddr() string { return e.req.RemoteAddr }

// Started implements host.Exchange. The wall-clock time is derived from
// the chain's own first reading when a guest asks (a Proxy-Wasm
// property, rare), rather than read on every request.
func (e *Exchange) Started() time.Time {
	if e.started == 0 {
		return time.Time{}
	}
	return time.Now().Add(-filters.Now().Sub(e.started))
}

// ServerValue implements host.Exchange.
func (e *Exchange) ServerValue(v host.ServerValue) (string, bool) {
	if e.server == nil {
		return "", false
	}
	return e.server(e.req, v)
}

// Header implements host.Exchange.
func (e *Exchange) Header(k hostabi.Kind) http.Header {
	if k == hostabi.KindRequest {
		return e.req.Header
	}
	if e.respHeader == nil {
		e.respHeader = make(http.Header)
	}
	return e.respHeader
}

// Body implements host.Exchange.
func (e *Exchange) Body(k hostabi.Kind) ([]byte, error) {
	if k == hostabi.KindResponse {
		switch {
		case e.respReplaced:
			return e.respBody, nil
		case e.respState == bodyAbsent:
			return nil, host.ErrNotBuffered
		case e.respState == bodyTooLarge:
			return nil, host.ErrBodyTooLarge
		}
		return e.respBody, nil
	}
	switch e.reqState {
	case bodyUnread:
		e.bufferRequestBody()
		return e.Body(k)
	case bodyTooLarge:
		return nil, host.ErrBodyTooLarge
	case bodyAbsent:
		return nil, host.ErrNotBuffered
	}
	return e.reqBody, nil
}

// BodySize implements host.Exchange.
func (e *Exchange) BodySize(k hostabi.Kind) (int64, error) {
	if k == hostabi.KindResponse {
		switch {
		case e.respReplaced:
			return int64(len(e.respBody)), nil
		case e.respState == bodyAbsent:
			// Streamed to the client, not held: its length is the
			// route's business.
			return 0, host.ErrLengthUnknown
		case e.respState == bodyTooLarge:
			return 0, host.ErrBodyTooLarge
		}
		return int64(len(e.respBody)), nil
	}
	switch e.reqState {
	case bodyBuffered:
		return int64(len(e.reqBody)), nil
	case bodyTooLarge:
		return 0, host.ErrBodyTooLarge
	}
	// Unread, or passed on unread: the framing tells. A server request
	// with Content-Length: 0 has no body (HTTP/2's server refuses data
	// past the declared length), whatever r.Body is: Caddy wraps even an
	// empty one to count what is read.
	r := e.req
	switch {
	case r.Body == nil || r.Body == http.NoBody:
		return 0, nil
	case r.ContentLength > e.maxBody:
		return 0, host.ErrBodyTooLarge
	case r.ContentLength >= 0:
		return r.ContentLength, nil
	}
	return 0, host.ErrLengthUnknown
}

// bufferRequestBody reads the request body, up to the limit, so that
// filters can see it and the next handler still gets every byte. Over the
// limit, what was read is put back in front of the rest, unchanged.
func (e *Exchange) bufferRequestBody() {
	r := e.req
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		// No body (see BodySize): nothing to wait for.
		e.reqState = bodyBuffered
		return
	}
	if r.ContentLength > e.maxBody {
		e.reqState = bodyTooLarge
		return
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, e.maxBody+1))
	if err != nil || n > e.maxBody {
		// A read error is the next handler's to see and report, and an
		// over-long body is passed on whole: either way, what was read
		// goes back in front of what was not.
		r.Body = &rejoinedBody{Reader: io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), Closer: r.Body}
		e.reqState = bodyTooLarge
		return
	}
	e.setRequestBody(buf.Bytes())
}

// rejoinedBody is a request body made of bytes already read and the rest
// of the original, closing the original.
type rejoinedBody struct {
	io.Reader
	io.Closer
}

func (e *Exchange) setRequestBody(b []byte) {
	e.reqBody = b
	e.reqState = bodyBuffered
	// A reader of its own, not one pooled with the Exchange: the next
	// handler may hold the body past the chain's return.
	e.req.Body = io.NopCloser(bytes.NewReader(b))
	e.req.ContentLength = int64(len(b))
	// A server keeps the client's Content-Length in the map too, where
	// handlers and placeholders read it: it must not tell another length.
	// It usually says the right length already (a body read whole), and
	// then costs nothing.
	if vs, ok := e.req.Header["Content-Length"]; ok {
		if n, err := strconv.ParseInt(firstOf(vs), 10, 64); err != nil || n != int64(len(b)) || len(vs) != 1 {
			e.req.Header["Content-Length"] = []string{strconv.Itoa(len(b))}
		}
	}
	// The length is known now: the next hop gets Content-Length, not
	// chunks.
	e.req.TransferEncoding = nil
	e.req.Header.Del("Transfer-Encoding")
	// The client's Expect: 100-continue was the host's to answer, and it
	// has the body: the next hop is not to be asked again (a proxy would
	// pass its 100 Continue on to a client that is past it).
	if strings.EqualFold(e.req.Header.Get("Expect"), "100-continue") {
		e.req.Header.Del("Expect")
	}
	// GetBody lets a retrying client or proxy send it again.
	e.req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// SetBody implements host.Exchange.
func (e *Exchange) SetBody(k hostabi.Kind, b []byte) error {
	if int64(len(b)) > e.maxBody {
		return host.ErrBodyTooLarge
	}
	own := make([]byte, len(b))
	copy(own, b)
	if k == hostabi.KindResponse {
		// Allowed in every state: in the response phase, a body the host
		// did not hold is replaced whole by this one.
		e.respBody = own
		e.respReplaced = true
		return nil
	}
	e.setRequestBody(own)
	return nil
}

// Status implements host.Exchange.
func (e *Exchange) Status() int { return e.status }

// SetStatus implements host.Exchange.
func (e *Exchange) SetStatus(code int) { e.status = code }

// Var implements host.Exchange.
func (e *Exchange) Var(name []byte) (string, bool) {
	if i := e.findVar(name); i >= 0 {
		return e.vars[i].value, true
	}
	return "", false
}

// findVar returns the index of the named variable, or -1. It takes the
// name as the guest's bytes: comparing and indexing a map with
// string(name) converts without allocating, passing string(name) on
// would not.
func (e *Exchange) findVar(name []byte) int {
	if len(e.vars) > linearVars {
		if i, ok := e.varIndex[string(name)]; ok {
			return i
		}
		return -1
	}
	for i := range e.vars {
		if e.vars[i].name == string(name) {
			return i
		}
	}
	return -1
}

// SetVar implements host.Exchange.
func (e *Exchange) SetVar(name, value []byte) error {
	if i := e.findVar(name); i >= 0 {
		if v := &e.vars[i]; v.value != string(value) {
			v.value = string(value)
		}
		return nil
	}
	n := len(e.vars)
	if n >= hostabi.MaxVars {
		return host.ErrTooManyVars
	}
	if n < cap(e.vars) {
		e.vars = e.vars[:n+1] // the position keeps its last name
	} else {
		e.vars = append(e.vars, chainVar{})
	}
	v := &e.vars[n]
	if v.name != string(name) {
		v.name = string(name)
	}
	v.value = string(value)
	switch {
	case n+1 == linearVars+1:
		if e.varIndex == nil {
			e.varIndex = make(map[string]int, hostabi.MaxVars)
		}
		for i := range e.vars {
			e.varIndex[e.vars[i].name] = i
		}
	case n+1 > linearVars+1:
		e.varIndex[v.name] = n
	}
	return nil
}

// Vars calls fn for each chain variable, in the order they were first set.
func (e *Exchange) Vars(fn func(name, value string)) {
	for _, v := range e.vars {
		fn(v.name, v.value)
	}
}
