//go:build wasip1

package guest

import (
	"slices"
	"unsafe"

	"github.com/gojinn/gojinn/hostabi"
)

// Filter holds a filter's handlers. OnRequest is required.
type Filter struct {
	// Configure receives the filter's config (the raw bytes of the
	// Caddyfile's config or config_file) once per instance. An error
	// refuses the configuration and fails the load with its text.
	Configure func(config []byte) error
	// OnRequest runs for every request that reaches the filter.
	OnRequest func() Action
	// OnResponse, when set, runs on the response of every request whose
	// OnRequest continued.
	OnResponse func() Action
	// BufferResponseBody asks the host to hold the response body so that
	// Response.Body and Response.SetBody work in OnResponse. Leave it off
	// for header-only hooks: the response then streams through.
	BufferResponseBody bool
	// ReadsRequestBody declares that OnRequest reads the request body.
	// The host then reads the body before the call, bounded by its body
	// limit and its own deadline, so that a client sending slowly waits
	// on the host rather than holding one of the filter's instances and
	// eating into its time limit. Request.Body works without it, reading
	// the body during the call.
	ReadsRequestBody bool
	// CarryResponseHeaders sends the Response.Header fields OnRequest set
	// with the route's response when it continues (the route may replace
	// them); without it they are only for a response OnRequest answers
	// with. A filter that adds a header to every response then needs no
	// OnResponse, which costs a hook around the route and a second call.
	CarryResponseHeaders bool
}

var registered Filter

// Register installs the filter's handlers. Call it from init; Configure
// may call it again to choose handlers by config.
func Register(f Filter) {
	if f.OnRequest == nil {
		panic("guest.Register: OnRequest is required")
	}
	registered = f
}

//go:wasmexport gojinn_abi_v1
func abiV1() {}

//go:wasmexport gojinn_configure
func configure() int32 {
	if registered.Configure != nil {
		if err := registered.Configure(Config()); err != nil {
			Log(LevelError, "configure: "+err.Error())
			return 1
		}
	}
	// Declared after Configure, which may Register again to pick its
	// handlers by config (a response hook only when one is asked for).
	var flags hostabi.Feature
	if registered.ReadsRequestBody {
		flags |= hostabi.FeatureRequestBody
	}
	if registered.CarryResponseHeaders {
		flags |= hostabi.FeatureCarryResponseHeaders
	}
	if registered.OnResponse != nil {
		flags |= hostabi.FeatureResponse
		if registered.BufferResponseBody {
			flags |= hostabi.FeatureResponseBody
		}
	}
	if flags != 0 {
		if r := featuresSet(uint32(flags)); r < 0 {
			Log(LevelError, "features_set refused: "+resultError(r).Error())
			return 1
		}
	}
	return 0
}

//go:wasmexport gojinn_on_request
func onRequest() int32 {
	return int32(registered.OnRequest())
}

//go:wasmexport gojinn_on_response
func onResponse() int32 {
	if registered.OnResponse == nil {
		return int32(Continue)
	}
	return int32(registered.OnResponse())
}

// scratch is the buffer the host copies into. One wasm instance runs one
// call at a time, so one buffer serves every call.
var scratch = make([]byte, 2048)

// strs holds the strings the SDK returns (see stringArena).
var strs stringArena

func bufPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

func strPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// fetch runs a buffer-limit host call until the value fits, returning the
// value's bytes (aliasing scratch) or the host's negative result.
func fetch(call func(buf unsafe.Pointer, limit uint32) int32) ([]byte, int32) {
	for {
		n := call(bufPtr(scratch), uint32(len(scratch)))
		if n < 0 {
			return nil, n
		}
		if int(n) <= len(scratch) {
			return scratch[:n], n
		}
		scratch = make([]byte, int(n))
	}
}

// appendFetch is fetch into dst's spare capacity, growing dst as the
// value needs. The Append functions that need arguments besides the
// buffer write this loop out instead of passing a closure: they run on
// every request, and in wasm the closure's indirect call measured slower
// (BenchmarkWasmCachedToken, +4-7% over three interleaved runs).
func appendFetch(dst []byte, call func(buf unsafe.Pointer, limit uint32) int32) ([]byte, int32) {
	for {
		spare := dst[len(dst):cap(dst)]
		n := call(bufPtr(spare), uint32(len(spare)))
		if n < 0 {
			return dst, n
		}
		if int(n) <= len(spare) {
			return dst[:len(dst)+int(n)], n
		}
		dst = slices.Grow(dst, int(n))
	}
}

// fetchString is fetch into the string arena.
func fetchString(call func(buf unsafe.Pointer, limit uint32) int32) (string, int32) {
	for {
		free := strs.free()
		n := call(bufPtr(free), uint32(len(free)))
		if n < 0 {
			return "", n
		}
		if int(n) <= len(free) {
			return strs.take(int(n)), n
		}
		strs.room(int(n))
	}
}

// Method is the request method.
func Method() string {
	b, _ := fetch(methodGet)
	// The registered methods come back as constants: a filter that reads
	// the method on every request then allocates nothing for it.
	switch string(b) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "PATCH":
		return "PATCH"
	case "DELETE":
		return "DELETE"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(b)
}

// SetMethod changes the request method.
func SetMethod(m string) error { return resultError(methodSet(strPtr(m), uint32(len(m)))) }

// URI is the request target as received: path and raw query, encoded.
func URI() string {
	s, _ := fetchString(uriGet)
	return s
}

// AppendURI appends URI to dst, for a filter that keeps a buffer between
// requests (see Header.AppendValues).
func AppendURI(dst []byte) []byte {
	dst, _ = appendFetch(dst, uriGet)
	return dst
}

// SetURI replaces the request target (path and optional "?query").
func SetURI(uri string) error { return resultError(uriSet(strPtr(uri), uint32(len(uri)))) }

// Path is URI up to the query, still encoded.
func Path() string {
	u := URI()
	for i := 0; i < len(u); i++ {
		if u[i] == '?' {
			return u[:i]
		}
	}
	return u
}

// RawQuery is URI after the '?', still encoded; empty when there is none.
func RawQuery() string {
	u := URI()
	for i := 0; i < len(u); i++ {
		if u[i] == '?' {
			return u[i+1:]
		}
	}
	return ""
}

// Proto is the request protocol, like "HTTP/1.1".
func Proto() string {
	s, _ := fetchString(protoGet)
	return s
}

// ClientAddr is the client's address as "ip:port".
func ClientAddr() string {
	s, _ := fetchString(clientAddrGet)
	return s
}

// Header reads and writes the headers of one message.
type Header struct{ kind hostabi.Kind }

// Message is the request or the response: its headers and its body.
type Message struct {
	Header Header
	kind   hostabi.Kind
}

// ResponseMessage is the response: a Message with a status.
type ResponseMessage struct {
	Message
}

var (
	// Request is the request; in the response phase it is read-only in
	// effect, since it has already gone upstream.
	Request = Message{Header: Header{hostabi.KindRequest}, kind: hostabi.KindRequest}
	// Response is the response: the one a filter builds to answer, or,
	// in OnResponse, the one the rest of the route produced.
	Response = ResponseMessage{Message{Header: Header{hostabi.KindResponse}, kind: hostabi.KindResponse}}
)

// Get returns the first value of the named header, or "" when absent.
// Names are case-insensitive.
func (h Header) Get(name string) string {
	// Lookup's loop, written out: in wasm every call level costs (Go's
	// frames live in linear memory), and Get is the SDK's hottest path.
	for {
		free := strs.free()
		n := headerGet(uint32(h.kind), strPtr(name), uint32(len(name)), bufPtr(free), uint32(len(free)))
		if n < 0 {
			return ""
		}
		if int(n) <= len(free) {
			return strs.take(firstLen(free[:n]))
		}
		strs.room(int(n))
	}
}

// Lookup is Get that tells an absent header from an empty one.
func (h Header) Lookup(name string) (string, bool) {
	// The host writes the list into the string arena; the first value
	// is handed out where it lies, the rest is free space again.
	for {
		free := strs.free()
		n := headerGet(uint32(h.kind), strPtr(name), uint32(len(name)), bufPtr(free), uint32(len(free)))
		if n < 0 {
			return "", false
		}
		if int(n) <= len(free) {
			return strs.take(firstLen(free[:n])), true
		}
		strs.room(int(n))
	}
}

// AppendValues appends the named header's values to dst, separated by
// NUL bytes as the host lists them, and returns the extended buffer; ok
// is false when the header is absent. It is for a filter that reads a
// header on every request: the host copies into dst's spare capacity, so
// a buffer kept between requests makes the read allocate nothing, and
// the list is neither searched nor split on the way.
func (h Header) AppendValues(dst []byte, name string) (_ []byte, ok bool) {
	for {
		spare := dst[len(dst):cap(dst)]
		n := headerGet(uint32(h.kind), strPtr(name), uint32(len(name)), bufPtr(spare), uint32(len(spare)))
		if n < 0 {
			return dst, false
		}
		if int(n) <= len(spare) {
			return dst[:len(dst)+int(n)], true
		}
		dst = slices.Grow(dst, int(n))
	}
}

// Values returns every value of the named header, nil when absent.
func (h Header) Values(name string) []string {
	for {
		free := strs.free()
		n := headerGet(uint32(h.kind), strPtr(name), uint32(len(name)), bufPtr(free), uint32(len(free)))
		if n < 0 {
			return nil
		}
		if n == 0 {
			return []string{""}
		}
		if int(n) <= len(free) {
			return splitValues(strs.take(int(n)))
		}
		strs.room(int(n))
	}
}

// Names lists the header names present, in canonical form.
func (h Header) Names() []string {
	s, _ := fetchString(func(buf unsafe.Pointer, limit uint32) int32 {
		return headerNames(uint32(h.kind), buf, limit)
	})
	return splitValues(s)
}

// AppendNames appends the names of the headers present to dst, in
// canonical form and separated by NUL bytes: Names for a filter that
// keeps a buffer between requests (see AppendValues).
func (h Header) AppendNames(dst []byte) []byte {
	for {
		spare := dst[len(dst):cap(dst)]
		n := headerNames(uint32(h.kind), bufPtr(spare), uint32(len(spare)))
		if n < 0 {
			return dst
		}
		if int(n) <= len(spare) {
			return dst[:len(dst)+int(n)]
		}
		dst = slices.Grow(dst, int(n))
	}
}

// Set replaces the named header's values with value.
func (h Header) Set(name, value string) error {
	// The result is mapped to an error only on failure: the common path
	// is one comparison.
	if r := headerSet(uint32(h.kind), strPtr(name), uint32(len(name)), strPtr(value), uint32(len(value))); r < 0 {
		return resultError(r)
	}
	return nil
}

// Add appends a value to the named header.
func (h Header) Add(name, value string) error {
	return resultError(headerAdd(uint32(h.kind), strPtr(name), uint32(len(name)), strPtr(value), uint32(len(value))))
}

// Remove deletes the named header.
func (h Header) Remove(name string) error {
	return resultError(headerRemove(uint32(h.kind), strPtr(name), uint32(len(name))))
}

// Body returns the message body. The host buffers it on first read, up to
// its limit, so later filters and the upstream still see it; ErrTooLarge
// means the body is over that limit and was left untouched.
func (m Message) Body() ([]byte, error) {
	var out []byte
	r := bodyRead(uint32(m.kind), bufPtr(scratch), uint32(len(scratch)))
	if r < 0 {
		return nil, resultError(r)
	}
	if int(r) <= len(scratch) {
		out = make([]byte, r)
		copy(out, scratch[:r])
		return out, nil
	}
	// Read straight into a buffer of the right size instead of growing
	// scratch to the largest body ever seen.
	for {
		out = make([]byte, r)
		n := bodyRead(uint32(m.kind), bufPtr(out), uint32(len(out)))
		if n < 0 {
			return nil, resultError(n)
		}
		if n <= r {
			return out[:n], nil
		}
		r = n
	}
}

// BodySize tells whether the message has a body and how long it is,
// without reading it or allocating:
//
//   - n >= 0, nil: the body is n bytes; 0 means there is no body;
//   - ErrUnavailable: there is a body whose length only reading it will
//     tell (a chunked request, HTTP/2 without content-length, a response
//     the host streams rather than holds);
//   - ErrTooLarge: the body is over the host's limit, so Body would not
//     return it.
//
// A missing Content-Length header does not mean there is no body: ask
// BodySize before skipping one.
func (m Message) BodySize() (n int, err error) {
	r := bodySize(uint32(m.kind))
	if r < 0 {
		return 0, resultError(r)
	}
	return int(r), nil
}

// AppendBody appends the message body to dst: Body for a filter that
// keeps a buffer between requests (see Header.AppendValues). On an error
// dst is returned as it was.
func (m Message) AppendBody(dst []byte) ([]byte, error) {
	for {
		spare := dst[len(dst):cap(dst)]
		n := bodyRead(uint32(m.kind), bufPtr(spare), uint32(len(spare)))
		if n < 0 {
			return dst, resultError(n)
		}
		if int(n) <= len(spare) {
			return dst[:len(dst)+int(n)], nil
		}
		dst = slices.Grow(dst, int(n))
	}
}

// SetBody replaces the message body.
func (m Message) SetBody(b []byte) error {
	return resultError(bodyWrite(uint32(m.kind), bufPtr(b), uint32(len(b))))
}

// Status is the response status, 0 before one is set.
func (ResponseMessage) Status() int { return int(statusGet()) }

// SetStatus sets the response status (200-999; 1xx are interim
// responses, which only the host sends).
func (ResponseMessage) SetStatus(code int) error {
	if code < 0 {
		return ErrInvalid
	}
	return resultError(statusSet(uint32(code)))
}

// RespondWith sets the response status and body and returns Respond, so
// a handler can end with `return guest.RespondWith(403, body)`. Headers go
// on Response.Header before it.
func RespondWith(status int, body []byte) Action {
	if err := Response.SetStatus(status); err != nil {
		Log(LevelError, "respond: status: "+err.Error())
	}
	if err := Response.SetBody(body); err != nil {
		Log(LevelError, "respond: body: "+err.Error())
	}
	return Respond
}

// Var returns a chain variable set by this or an earlier filter.
func Var(name string) (string, bool) {
	for {
		free := strs.free()
		n := varGet(strPtr(name), uint32(len(name)), bufPtr(free), uint32(len(free)))
		if n < 0 {
			return "", false
		}
		if int(n) <= len(free) {
			return strs.take(int(n)), true
		}
		strs.room(int(n))
	}
}

// SetVar sets a chain variable for later filters and for the host (Caddy
// shows it as the placeholder {gojinn.var.<name>}).
func SetVar(name, value string) error {
	return resultError(varSet(strPtr(name), uint32(len(name)), strPtr(value), uint32(len(value))))
}

// Config returns the filter's config bytes.
func Config() []byte {
	b, r := fetch(configGet)
	if r < 0 {
		return nil
	}
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// Log writes msg to the host's log at level, under the filter's name.
func Log(level int32, msg string) {
	logWrite(level, strPtr(msg), uint32(len(msg)))
}

// LogEnabled reports whether the host logs at level, so a filter can skip
// building a message nobody reads.
func LogEnabled(level int32) bool { return logEnabled(level) != 0 }

// Keyset is a set of verification keys held by the host.
type Keyset int32

// OpenKeyset asks the host to load a key set from spec (JSON, see
// docs/ABI.md): inline JWKS, a JWKS file or URL, PEM keys or an HMAC
// secret from the environment. Call it from Configure.
func OpenKeyset(spec []byte) (Keyset, error) {
	r := keysetOpen(bufPtr(spec), uint32(len(spec)))
	if r < 0 {
		return -1, resultError(r)
	}
	return Keyset(r), nil
}

// Verify checks sig over msg with the key named kid (empty: any key of
// the set that fits alg). The host refuses "none" and any alg the key is
// not bound to. nil means the signature holds.
func (k Keyset) Verify(alg, kid string, msg, sig []byte) error {
	return resultError(signatureVerify(int32(k), strPtr(alg), uint32(len(alg)), strPtr(kid), uint32(len(kid)),
		bufPtr(msg), uint32(len(msg)), bufPtr(sig), uint32(len(sig))))
}
