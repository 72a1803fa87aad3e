package proxywasm

import (
	"context"

	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi/host"
)

// Binding is one guest instance's view of the host in this dialect. What
// every dialect shares (the exchange and phase of the call at hand, the
// filter's name, config and logger) is the instance's host.Binding;
// Binding adds what the Proxy-Wasm ABI keeps per plugin and per HTTP
// context. The filter runtime owns one per instance and calls
// StartContext around each request's callbacks; a Binding is never shared
// between instances, so it needs no lock.
type Binding struct {
	// Host is the instance's Gojinn binding; Host.Config is the plugin
	// configuration.
	Host *host.Binding
	// Shared is the key-value store the filter's shared data lives on
	// (shared.go); Metrics the metrics of every filter of the engine.
	// Either may be nil: its functions then answer StatusUnimplemented.
	Shared  *host.KVStore
	Metrics *Metrics
	// PluginName is the plugin_name property: the filter's name.
	PluginName string

	// RootID is the plugin (root) context's id; ContextID the HTTP
	// context's of the request at hand, 0 outside one.
	RootID, ContextID uint32
	// InLog is set while proxy_on_log and later callbacks run: the maps
	// are read-only then.
	InLog bool

	// local: the guest sent a local response in this context (see
	// LocalResponse); continued: it called proxy_continue_stream;
	// closed: it called proxy_close_stream.
	local, continued, closed bool

	// configureError is the last line the guest logged at warn or
	// above during start-up: why it refused its configuration.
	configureError string

	// tick is the tick period the plugin context asked for last.
	tick tickRequest

	alloc      api.Function // the guest's allocator, found on first use
	allocStack [1]uint64
	keyBuf     []byte
	scratch    []byte   // a serialised map or property, reused
	pairs      []pair   // a header map's fields, being serialised
	names      []string // a header map's names, being sorted
}

// ConfigureError is the last line the guest logged at warn or above
// during start-up: the reason to report when it refuses its
// configuration.
func (b *Binding) ConfigureError() string { return b.configureError }

// StartContext readies b for the callbacks of a new HTTP context.
func (b *Binding) StartContext(id uint32) {
	b.ContextID = id
	b.InLog = false
	b.local, b.continued, b.closed = false, false, false
}

// EndContext clears what b holds of the HTTP context.
func (b *Binding) EndContext() {
	b.ContextID = 0
	b.InLog = false
	b.scratch = b.scratch[:0]
}

// LocalResponse reports that the guest called proxy_send_local_response
// in this context: the response is the guest's.
func (b *Binding) LocalResponse() bool { return b.local }

// TakeContinued reports whether the guest called proxy_continue_stream
// since the last call, and clears it.
func (b *Binding) TakeContinued() bool {
	c := b.continued
	b.continued = false
	return c
}

// Closed reports that the guest called proxy_close_stream in this
// context: it asked for the stream to be reset.
func (b *Binding) Closed() bool { return b.closed }

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
