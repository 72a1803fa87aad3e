package httpwasm

import (
	"context"
	"errors"
	"fmt"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Binding is one guest instance's view of the host in this dialect. What
// both dialects share (the exchange and phase of the call at hand, the
// filter's name, config and logger, the features declared at start-up)
// is the instance's host.Binding; Binding adds what the http-wasm ABI
// keeps per request. The filter runtime owns one per instance and calls
// StartRequest and StartResponse around its calls; a Binding is never
// shared between instances, so it needs no lock.
type Binding struct {
	// Host is the instance's Gojinn binding.
	Host *host.Binding

	// requestFeatures are the features enable_features granted during
	// this request, beyond those enabled at start-up.
	requestFeatures Feature
	// read is how far read_body has read each body, by BodyKind.
	read [2]int
	// written is what write_body wrote to each body in this phase;
	// writing reports that a write has begun, so that the next one
	// appends; dirty that the Exchange has not been given it yet (see
	// FlushBodies).
	written [2][]byte
	writing [2]bool
	dirty   [2]bool
	flushed [2]int // the length of written the Exchange last got
	// answered: handle_request set the response's status or wrote its
	// body, which makes the response the guest's (see Answered).
	answered bool

	keyBuf []byte   // the canonical header name at hand
	names  []string // get_header_names' sort buffer
}

// Features are the features in force: those enabled at start-up and those
// granted during the request at hand.
func (b *Binding) Features() Feature { return fromGojinn(b.Host.Features()) | b.requestFeatures }

// StartRequest readies b for handle_request of a new request.
func (b *Binding) StartRequest() {
	b.requestFeatures = 0
	b.answered = false
	b.read = [2]int{}
	b.startWrites()
}

// Answered reports that handle_request set the response status or wrote
// the response body. The reference host sends them to the client at once,
// which commits the response before the next handler runs; Gojinn takes
// it as the guest's answer, sent whole, and skips the next handler
// whatever handle_request returned.
func (b *Binding) Answered() bool { return b.answered }

// StartResponse readies b for handle_response of the request whose
// handle_request it saw: the response body is read from its start, and a
// write replaces it.
func (b *Binding) StartResponse() {
	b.read[BodyResponse] = 0
	b.startWrites()
}

func (b *Binding) startWrites() {
	// Dropped rather than kept for reuse: nothing of one request stays
	// in the instance for the next.
	b.written = [2][]byte{}
	b.writing = [2]bool{}
	b.dirty = [2]bool{}
	b.flushed = [2]int{}
}

// FlushBodies gives the Exchange the bodies write_body wrote during the
// call, once each: a guest that writes a body in many pieces costs one
// copy of it, not one per piece. The runtime calls it after each call
// that returned; an error (a body over the host's limit, wrapping
// ErrTooLarge) fails the call.
func (b *Binding) FlushBodies() error {
	for k := range b.dirty {
		if b.dirty[k] {
			if err := b.flush(hostabi.Kind(k)); err != nil {
				return fmt.Errorf("write_body: %w", err)
			}
		}
	}
	return nil
}

func (b *Binding) flush(k hostabi.Kind) error {
	b.dirty[k], b.flushed[k] = false, len(b.written[k])
	if err := b.Host.Exchange.SetBody(k, b.written[k]); err != nil {
		if errors.Is(err, host.ErrBodyTooLarge) {
			return ErrTooLarge
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// toGojinn maps http-wasm features onto the Gojinn features that make a
// chain do the same: buffer_request reads the request body ahead,
// buffer_response holds the response for the response phase.
func toGojinn(f Feature) hostabi.Feature {
	var g hostabi.Feature
	if f&FeatureBufferRequest != 0 {
		g |= hostabi.FeatureRequestBody
	}
	if f&FeatureBufferResponse != 0 {
		g |= hostabi.FeatureResponseBody
	}
	return g
}

func fromGojinn(g hostabi.Feature) Feature {
	var f Feature
	if g&hostabi.FeatureRequestBody != 0 {
		f |= FeatureBufferRequest
	}
	if g&hostabi.FeatureResponseBody != 0 {
		f |= FeatureBufferResponse
	}
	return f
}

type bindingKey struct{}

// WithBinding returns a context that carries b to the host functions. The
// runtime builds one per instance, not per call.
func WithBinding(ctx context.Context, b *Binding) context.Context {
	return context.WithValue(ctx, bindingKey{}, b)
}

func bindingFrom(ctx context.Context) *Binding {
	b, _ := ctx.Value(bindingKey{}).(*Binding)
	return b
}
