package host

import "net/http"

// ServerValue names a value of a request that its server knows and HTTP
// does not carry: the dialects ask the Exchange for one (ServerValue),
// and a server that knows it answers, so that the engine needs no import
// of any server's.
type ServerValue uint8

const (
	// ServerConnectionID is the downstream connection's id, a decimal
	// uint64, unique within the process.
	ServerConnectionID ServerValue = iota
	// ServerUpstreamAddress is the host:port of the upstream a proxy
	// sent the request to, known once the response is back.
	ServerUpstreamAddress
)

// ServerValues answers a server's values of r; ok is false for a value
// the server does not know (of this request, or at all). A host hands
// one to its chains (pipeline.Options.ServerValues).
type ServerValues func(r *http.Request, v ServerValue) (value string, ok bool)
