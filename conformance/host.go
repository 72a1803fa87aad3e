// Package conformance proves that a host implements the Gojinn host ABI:
// a table of cases, each driving one host function through a real chain,
// run by case-runner guests written in Go and in C, plus hostile guests
// that must fail cleanly.
//
// The suite talks to the host under test only through Host, so another
// implementation of the ABI (or a future dialect of it) runs it unchanged.
package conformance

import (
	"net/http"
	"time"
)

// Filter is one filter of a chain under test.
type Filter struct {
	// Name names the filter in the host's errors and logs.
	Name string
	// Wasm is the module.
	Wasm []byte
	// Config is what the guest reads with config_get.
	Config []byte
	// Timeout bounds each call into the guest; zero is the host's default.
	Timeout time.Duration
	// MemoryLimit bounds the guest's memory in bytes; zero is the host's
	// default.
	MemoryLimit uint64
	// PoolMax bounds the instances of the filter; zero is the host's
	// default. The cases use 1, so that every request of a case meets the
	// same instance unless a fault replaced it.
	PoolMax int
	// PoolWait bounds how long a request waits for an instance when all
	// are busy; zero is the host's default.
	PoolWait time.Duration
}

// Host is a host under test. It must be safe for concurrent use: Run
// runs the cases in parallel.
//
// The suite expects of it what docs/ABI.md and docs/CONFORMANCE.md say: a
// chain that answers a failed filter with 500 (trap, bad action, memory
// limit) or 504 (time limit), no key source for keyset_open, a request
// body limit of hostabi.DefaultMaxBodyBytes, the request body read before
// the call of a filter that declared hostabi.FeatureRequestBody, logs
// enabled from the info level up, and a request's trace taken from its
// W3C traceparent header, with no span of the host's own recorded: the
// guest's trace_context_get then answers the client's traceparent.
type Host interface {
	// Load builds a chain of filters, in order, in front of next. It
	// returns the chain as a handler and a function that releases it, or
	// the error that refused a filter.
	Load(filters []Filter, next http.Handler) (http.Handler, func(), error)
}
