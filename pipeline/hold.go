package pipeline

import (
	"net/http"

	"github.com/gojinn/gojinn/filters"
)

// heldValue is something a filter keeps for the length of an exchange:
// an http-wasm filter's instance, from handle_request to handle_response.
type heldValue struct {
	key, v  any
	release func(any)
}

var (
	_ filters.Holder        = (*Exchange)(nil)
	_ filters.HeaderCarrier = (*Exchange)(nil)
)

// Hold implements filters.Holder.
func (e *Exchange) Hold(key, v any, release func(any)) {
	e.held = append(e.held, heldValue{key: key, v: v, release: release})
}

// Take implements filters.Holder. The last held under key comes first: a
// filter twice in a chain sees its responses in reverse order, as the
// hooks run.
func (e *Exchange) Take(key any) (any, bool) {
	for i := len(e.held) - 1; i >= 0; i-- {
		if h := e.held[i]; h.key == key {
			e.held = append(e.held[:i], e.held[i+1:]...)
			e.held[len(e.held) : len(e.held)+1][0] = heldValue{}
			return h.v, true
		}
	}
	return nil, false
}

// releaseHeld gives back what is still held when the exchange ends: the
// response phase never came for it.
func (e *Exchange) releaseHeld() {
	for i, h := range e.held {
		h.release(h.v)
		e.held[i] = heldValue{}
	}
	e.held = e.held[:0]
}

// CarryResponseHeader implements filters.HeaderCarrier.
func (e *Exchange) CarryResponseHeader() { e.carryHeader = true }

// carryResponseHeader puts the response header fields the request phase
// set into w's, before the route runs, when a filter asked for it: the
// route may replace them, as it would a header set by a handler before
// it. The fields' slices move rather than being copied: the Exchange's
// map is cleared here and each of its fields gets a fresh slice when next
// set (host.Binding.PutHeaderValue reuses a slice only while its field
// is in the map), so nothing of the Exchange points into w's header.
func (e *Exchange) carryResponseHeader(w http.ResponseWriter) {
	if !e.carryHeader || len(e.respHeader) == 0 {
		return
	}
	h := w.Header()
	for k, vs := range e.respHeader {
		h[k] = vs
	}
	clear(e.respHeader)
}
