package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// The response phase. Hooks run in reverse chain order (the last filter to
// see the request is the first to see the response), each on the same
// response: the status, the real header map before it is sent, and the
// body when a filter asked for it. A hook that answers stops the others.
//
// Without a body hook, the response streams: the hooks run when the route
// writes its header, and every write and flush after that goes straight
// through, so Server-Sent Events and large downloads are not held back.
// With one, the body is held up to the chain's limit, then the hooks run
// and the (maybe rewritten) response is sent with a true Content-Length.
// A body over the limit is sent whole and unchanged after the hooks ran on
// the header alone, their body_read answering ERR_TOO_LARGE: nothing is
// ever cut.

// serveWithHooks passes the request on through a writer that runs the
// response hooks.
func (c *Chain) serveWithHooks(w http.ResponseWriter, ex *Exchange, next Next, hold bool) error {
	r := ex.req
	if hold {
		// A body hook must see the whole, plain body: a ranged or
		// compressed answer would let a redaction be bypassed. Caddy's
		// encode, which wraps the chain, compresses afterwards.
		r.Header.Del("Range")
		r.Header.Del("If-Range")
		r.Header.Del("Accept-Encoding")
	}
	if ex.reqState == bodyUnread {
		// The route reads what no filter did: a hook that asked for the
		// request body then would get what the route left, so it gets
		// ERR_PHASE instead.
		ex.reqState = bodyAbsent
	}
	// The Exchange's own writer, not a new one: a request with hooks
	// allocates nothing for it (reset clears it).
	hw := &ex.hooks
	*hw = hookWriter{w: w, c: c, ex: ex, ctx: r.Context(), head: r.Method == http.MethodHead, hold: hold}
	if err := next(hw, r); err != nil {
		if !hw.started {
			// Nothing reached the client: the host's error handling
			// answers, as it would without the chain.
			return err
		}
		hw.finish()
		return err
	}
	hw.finish()
	if hw.failure != nil {
		return hw.failure
	}
	return nil
}

// hookWriter is the http.ResponseWriter the route writes to when the chain
// has response hooks.
type hookWriter struct {
	w    http.ResponseWriter
	c    *Chain
	ex   *Exchange
	ctx  context.Context
	head bool // a HEAD request: no body goes out
	hold bool // a hook wants the body: hold it

	started  bool // the route wrote its header (or first byte)
	decided  bool // the hooks ran and the header went out
	status   int
	buf      bytes.Buffer
	overflow bool // over the limit: held bytes went out, the rest streams
	discard  bool // a hook replaced the body: drop the route's bytes
	failure  *Failure
}

func (hw *hookWriter) Header() http.Header { return hw.w.Header() }

func (hw *hookWriter) WriteHeader(code int) {
	if hw.started {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Interim responses (100 Continue, 103 Early Hints) pass as they
		// are; the hooks see the final one.
		hw.w.WriteHeader(code)
		return
	}
	hw.started, hw.status = true, code
	if !hw.hold {
		hw.decide(bodyAbsent)
	}
}

func (hw *hookWriter) Write(p []byte) (int, error) {
	if !hw.started {
		hw.WriteHeader(http.StatusOK)
	}
	switch {
	case hw.discard || hw.failure != nil:
		// A hook's answer replaced the route's: its bytes go nowhere,
		// by the filter's choice.
		return len(p), nil
	case !hw.hold || hw.overflow:
		return hw.w.Write(p)
	}
	if int64(hw.buf.Len()+len(p)) <= hw.c.maxBody {
		return hw.buf.Write(p)
	}
	// Over the limit: the hooks get the header only, then what was held
	// goes out first and the rest streams behind it.
	hw.overflow = true
	hw.decide(bodyTooLarge)
	if hw.discard || hw.failure != nil {
		return len(p), nil
	}
	if _, err := hw.w.Write(hw.buf.Bytes()); err != nil {
		return 0, err
	}
	hw.buf.Reset()
	return hw.w.Write(p)
}

// Flush implements http.Flusher: streaming responses stay streaming when
// no hook holds the body.
func (hw *hookWriter) Flush() { _ = hw.FlushError() }

// FlushError is what http.ResponseController calls. The flush goes
// through a controller too, since the writer below (Caddy's encode, say)
// may offer only FlushError, or only through Unwrap.
func (hw *hookWriter) FlushError() error {
	if hw.hold && !hw.overflow {
		return nil
	}
	if !hw.started {
		hw.WriteHeader(http.StatusOK)
	}
	if hw.discard || hw.failure != nil {
		return nil
	}
	return http.NewResponseController(hw.w).Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (hw *hookWriter) Unwrap() http.ResponseWriter { return hw.w }

// Hijack is refused: upgrades bypass the hooks before they get here.
func (hw *hookWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("gojinn: a response with hooks cannot be hijacked")
}

// finish runs the hooks if the route never wrote, and sends what was held.
func (hw *hookWriter) finish() {
	if !hw.started {
		hw.started, hw.status = true, http.StatusOK
	}
	if !hw.decided {
		hw.decide(bodyBuffered)
	}
}

// decide runs the hooks on the response so far and sends the header, and
// the body when it was held or replaced. state is what the hooks can have
// of the body.
func (hw *hookWriter) decide(state bodyState) {
	hw.decided = true
	ex := hw.ex
	ex.status = hw.status
	ex.respHeader, ex.borrowedHeader = hw.w.Header(), true
	ex.respState = state
	if state == bodyBuffered {
		ex.respBody = hw.buf.Bytes()
	}
	// Read after the rest of the route ran; then each hook's end is the
	// next one's start.
	now := filters.Now()
	for j := len(ex.hooked) - 1; j >= 0; j-- {
		i := ex.hooked[j]
		var action hostabi.Action
		var err error
		action, now, err = hw.c.call(hw.ctx, i, PhaseResponse, ex, now)
		if err != nil {
			if hw.c.stages[i].OnError == Allow {
				continue
			}
			// Nothing was sent yet: the failure replaces the response,
			// and none of the route's headers (cookies, encodings)
			// may go out with it.
			clear(hw.w.Header())
			hw.failure = &Failure{Status: statusFor(err), Err: err}
			return
		}
		if action == hostabi.ActionRespond {
			break
		}
	}
	h := hw.w.Header()
	status := ex.status
	if ex.respReplaced {
		// The body is the filter's now: its length, and no validator
		// of the route's body still holds.
		hw.discard = state != bodyBuffered
		for _, k := range staleAfterRewrite {
			h.Del(k)
		}
		h.Del("Transfer-Encoding")
		if bodyAllowed(status) {
			h["Content-Length"] = []string{strconv.Itoa(len(ex.respBody))}
		}
	} else if state == bodyBuffered && bodyAllowed(status) && !hw.head {
		setBufferedLength(h, len(ex.respBody))
	}
	hw.w.WriteHeader(status)
	if (ex.respReplaced || state == bodyBuffered) && bodyAllowed(status) && !hw.head {
		_, _ = hw.w.Write(ex.respBody)
	}
}

// setBufferedLength gives h the length n of the route's body, which the
// route has finished writing. An empty body is left to net/http, which
// sends "Content-Length: 0" for a handler that wrote nothing (over
// HTTP/1.1 and HTTP/2 alike): a hook on a route that answered with its
// header alone then allocates nothing for it. A length the route declared
// is still put right. (The key is written canonical: not canonicalised
// again.)
func setBufferedLength(h http.Header, n int) {
	if _, declared := h["Content-Length"]; n == 0 && !declared {
		return
	}
	h["Content-Length"] = []string{strconv.Itoa(n)}
}

// staleAfterRewrite are the headers that describe a body a filter has
// replaced.
var staleAfterRewrite = []string{"ETag", "Content-MD5", "Digest", "Content-Digest", "Repr-Digest", "Accept-Ranges", "Content-Range"}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

// isUpgrade reports a protocol upgrade (WebSocket): the connection is
// handed over, so there is no response for hooks to see. The keys are
// looked up as written, canonical, as Header.Get would after
// canonicalising them: this runs on every request with hooks.
func isUpgrade(r *http.Request) bool {
	if up := r.Header["Upgrade"]; len(up) == 0 || up[0] == "" {
		return false
	}
	for _, v := range r.Header["Connection"] {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return true
			}
		}
	}
	return false
}
