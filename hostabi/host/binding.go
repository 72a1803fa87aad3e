package host

import (
	"context"
	"net/http"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/patternset"
	"github.com/gojinn/gojinn/internal/regexset"
	"go.uber.org/zap"
)

// KeySets opens the key sets a guest asks for with keyset_open.
type KeySets interface {
	Open(spec []byte) (Verifier, error)
}

// Verifier is a key set held by the host. Verify returns hostabi.ResultOK or one
// of the ABI's error results.
type Verifier interface {
	Verify(alg, kid string, msg, sig []byte) int32
}

// Binding is one guest instance's view of the host: what its host calls
// act on. The filter runtime owns one per instance and sets Exchange and
// Phase around each call; a Binding is never shared between instances, so
// its scratch space needs no lock.
type Binding struct {
	// Filter names the filter in logs.
	Filter string
	// Config is what config_get returns.
	Config []byte
	// Logger receives the guest's log calls; nil discards them.
	Logger *zap.Logger
	// KeySets serves keyset_open; nil makes it answer
	// hostabi.ErrUnavailable.
	KeySets KeySets
	// KVStores are the stores kv_open may open; nil grants none.
	KVStores KVStores
	// TraceLogs hands each log line the Logger writes during a call to
	// the Exchange's TraceLog too. Off by default: logs may hold data
	// that a trace backend should not see.
	TraceLogs bool

	// Exchange and Phase are set by the runtime for each call.
	Exchange Exchange
	Phase    hostabi.Phase

	features       hostabi.Feature
	keysets        []Verifier
	keysetSpecs    [][]byte // what keyset_open was asked, by handle
	regexes        []*regexset.Set
	patterns       []*patternset.Set
	kvStores       []*KVStore // what kv_open opened, by handle
	configureError string
	kvRefusal      string // why kv_open refused a name

	keyBuf     []byte            // canonical form of the header name at hand
	headerKeys map[string]string // canonical header names seen, to set without allocating
	values     map[string]string // short header values set, to set them again without allocating
	valueSlab  []string          // unused one-value slices for header_set (see valueSlice)
	names      []string          // header_names' sort buffer
	leaves     leafWalk          // json_leaves' walk in progress
	subject    []byte            // a header or URI a regex matches
	regexIDs   []uint32          // regex_match's and patterns_scan's result
	// patternScratch is each pattern set's scan memory, this instance's.
	patternScratch []patternset.Scratch

	traceParent [hostabi.TraceParentLen]byte // trace_context_get's
}

// Features is what the guest declared with features_set during configure.
func (b *Binding) Features() hostabi.Feature { return b.features }

// ConfigureError is the last error the guest logged during configure: the
// reason to report when gojinn_configure refuses its config.
// A store that kv_open refused comes first: a guest that refuses its
// configuration for it logs less than the host knows.
func (b *Binding) ConfigureError() string {
	switch {
	case b.kvRefusal == "":
		return b.configureError
	case b.configureError == "":
		return b.kvRefusal
	}
	return b.kvRefusal + "; " + b.configureError
}

// Configured is the host-side state a guest's configure leaves in its
// binding: the features it declared, the key sets it opened (by handle)
// and the specs it opened them with, the regular expressions it compiled
// (by handle) and the pattern sets likewise. An instance restored from a
// snapshot of a configured one must find the same state in its own
// binding, or the handles in its memory would point at nothing.
type Configured struct {
	Features    hostabi.Feature
	KeySets     []Verifier
	KeySetSpecs [][]byte
	// Regexes are immutable and safe for concurrent use: every instance
	// restored from the snapshot shares them, whichever filter it serves.
	Regexes  []*regexset.Set
	Patterns []*patternset.Set
	// KVStores are the stores kv_open opened, by handle. An instance
	// restored for another filter needs them reopened by name from that
	// filter's grants (KVStoreNames).
	KVStores []*KVStore
}

// KVStoreNames are the names of the stores c holds, by handle.
func (c Configured) KVStoreNames() []string {
	names := make([]string, len(c.KVStores))
	for i, s := range c.KVStores {
		names[i] = s.Name
	}
	return names
}

// Configured returns what configure left in b.
func (b *Binding) Configured() Configured {
	return Configured{Features: b.features, KeySets: b.keysets, KeySetSpecs: b.keysetSpecs, Regexes: b.regexes,
		Patterns: b.patterns, KVStores: b.kvStores}
}

// Restore gives b the state that configure left in another binding: the
// binding of an instance restored from a snapshot, whose configure does
// not run again. The key sets must have been opened from the same specs,
// in the same order, so that the guest's handles find them.
func (b *Binding) Restore(c Configured) {
	b.features = c.Features
	// Full slices: an append (there is none outside configure) would
	// copy rather than write into a slice other bindings share.
	b.keysets = c.KeySets[:len(c.KeySets):len(c.KeySets)]
	b.keysetSpecs = c.KeySetSpecs[:len(c.KeySetSpecs):len(c.KeySetSpecs)]
	b.regexes = c.Regexes[:len(c.Regexes):len(c.Regexes)]
	b.patterns = c.Patterns[:len(c.Patterns):len(c.Patterns)]
	b.kvStores = c.KVStores[:len(c.KVStores):len(c.KVStores)]
}

// internKey returns a string for a canonical header name held in keyBuf,
// allocating only the first time this instance meets the name. The table
// is bounded so that a guest inventing names cannot grow it without end.
func (b *Binding) internKey(canon []byte) string {
	if k, ok := b.headerKeys[string(canon)]; ok {
		return k
	}
	k := http.CanonicalHeaderKey(string(canon))
	if b.headerKeys == nil {
		b.headerKeys = make(map[string]string)
	}
	if len(b.headerKeys) < maxInternedKeys {
		b.headerKeys[k] = k
	}
	return k
}

const maxInternedKeys = 512

// internValue returns v as a string, allocating only the first time this
// instance sets a short value: filters set the same few values again and
// again ("nosniff", "yes", a content type). Long values and those past
// the table's bound are copied each time, so that a guest setting unique
// values (request ids) costs what it would without the table.
func (b *Binding) internValue(v []byte) string {
	if len(v) > maxInternedValueLen {
		return string(v)
	}
	if s, ok := b.values[string(v)]; ok {
		return s
	}
	s := string(v)
	if b.values == nil {
		b.values = make(map[string]string)
	}
	if len(b.values) < maxInternedValues {
		b.values[s] = s
	}
	return s
}

const (
	maxInternedValues   = 256
	maxInternedValueLen = 64
)

// valueSlice returns a slice holding v, of length and capacity 1, for a
// header that had no values: carved from a slab so that a header set
// allocates its []string once per valueSlabLen sets. The capacity is
// capped, so an append to the header copies rather than writes into the
// next slot, and no two headers share a slot. A slab stays alive while
// any header holds one of its slots, at most valueSlabLen strings.
func (b *Binding) valueSlice(v string) []string {
	if len(b.valueSlab) == 0 {
		b.valueSlab = make([]string, valueSlabLen)
	}
	vs := b.valueSlab[:1:1]
	b.valueSlab = b.valueSlab[1:]
	vs[0] = v
	return vs
}

const valueSlabLen = 32

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
