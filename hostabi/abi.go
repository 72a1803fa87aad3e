// Package hostabi defines Gojinn's host ABI: the names, numbers and limits
// shared by the host and its guests. It imports nothing, so that a guest
// built with the SDK (hostabi/guest) links none of the host's code; the
// host functions themselves are in hostabi/host.
//
// docs/ABI.md is the specification; this file holds the same names and
// numbers in code, and nothing else in the project spells them out.
package hostabi

// ModuleName is the import module of every Gojinn host function.
const ModuleName = "gojinn"

// Version is the ABI version this host implements. A guest declares the
// version it was built for by exporting a function named ExportABIVersion.
const Version = 1

// Guest exports.
const (
	// ExportABIVersion marks a guest built for ABI v1: an exported func()
	// that is never called. Its presence, not a call, is the check.
	ExportABIVersion = "gojinn_abi_v1"
	// ExportOnRequest is func() i32, returning an Action. Required.
	ExportOnRequest = "gojinn_on_request"
	// ExportOnResponse is func() i32, returning an Action. Optional; called
	// only when the guest declared FeatureResponse.
	ExportOnResponse = "gojinn_on_response"
	// ExportConfigure is func() i32, called once per instance before any
	// request; non-zero refuses the configuration. Optional.
	ExportConfigure = "gojinn_configure"
	// ExportMemory is the guest's linear memory. Required.
	ExportMemory = "memory"
	// ExportInitialize is the WASI reactor initialiser, called once per
	// instance when present (Go c-shared and clang -mexec-model=reactor).
	ExportInitialize = "_initialize"
)

// Function exports. A function is not a filter: it imports no host
// function, reads one request as JSON on stdin and writes one response as
// JSON on stdout (docs/ABI.md, "Functions"). Its module is one of two
// kinds, told apart by these exports.
const (
	// ExportStart is a WASI command's entry point, func(): it runs the
	// program once, so every request gets an instance of its own.
	ExportStart = "_start"
	// ExportFunction is a function reactor's entry point, func(): each
	// call serves one request, on the same instance as the last. The Go
	// SDK for functions (hostabi/function) exports it.
	ExportFunction = "gojinn_function"
)

// WASIModuleName is the only other import module a guest may use: the
// toolchains' runtimes need clocks, random and fd_write for stderr.
const WASIModuleName = "wasi_snapshot_preview1"

// Action is what gojinn_on_request and gojinn_on_response return.
type Action int32

const (
	// ActionContinue passes the exchange to the next filter, or on.
	ActionContinue Action = 0
	// ActionRespond stops the chain and sends the response the guest set
	// with status_set, header_* on KindResponse and body_write.
	ActionRespond Action = 1
)

// Kind selects which message a header or body function acts on.
type Kind uint32

const (
	KindRequest  Kind = 0
	KindResponse Kind = 1
)

// Phase is what a guest call is doing. Host functions check it: each has
// the phases it works in (docs/ABI.md, "Phases").
type Phase uint8

const (
	// PhaseConfigure is gojinn_configure (and the instance's start-up):
	// no request is bound.
	PhaseConfigure Phase = iota
	// PhaseRequest is gojinn_on_request.
	PhaseRequest
	// PhaseResponse is gojinn_on_response.
	PhaseResponse
)

// String is the phase's name as logs and metrics spell it.
func (p Phase) String() string {
	switch p {
	case PhaseConfigure:
		return "configure"
	case PhaseRequest:
		return "request"
	case PhaseResponse:
		return "response"
	}
	return "unknown"
}

// Feature flags a guest declares with features_set, once, during configure.
type Feature uint32

const (
	// FeatureResponse asks for gojinn_on_response to be called.
	FeatureResponse Feature = 1 << 0
	// FeatureResponseBody asks the host to buffer the response body so
	// that body_read and body_write work on KindResponse in the response
	// phase. Without it the response streams through untouched.
	FeatureResponseBody Feature = 1 << 1
	// FeatureRequestBody announces that the guest reads the request body,
	// so that the host reads it before the guest's call takes an
	// instance: a slow client then waits on the host, not inside the
	// guest's time limit. body_read works without it, reading lazily.
	FeatureRequestBody Feature = 1 << 2
	// FeatureCarryResponseHeaders sends the response header fields the
	// guest set in its request phase with the route's response when it
	// continues (the route may replace them), where they are otherwise
	// only for a response the guest answers with. A header-only answer
	// to every request (a rate limit's counts, a request id) then needs
	// no response phase: no hook around the route, no second call.
	FeatureCarryResponseHeaders Feature = 1 << 3

	// KnownFeatures is every flag this version defines.
	KnownFeatures Feature = FeatureResponse | FeatureResponseBody | FeatureRequestBody | FeatureCarryResponseHeaders
)

// Result codes. Functions that return data return its full length (>= 0)
// or one of these; functions that only act return ResultOK or one of these.
const (
	ResultOK = 0
	// ErrNotFound: no such header, variable or key.
	ErrNotFound int32 = -1
	// ErrInvalid: a malformed name, value, status or argument.
	ErrInvalid int32 = -2
	// ErrTooLarge: the value is over the host's limit (see Limits).
	ErrTooLarge int32 = -3
	// ErrPhase: the function does not apply in this phase (for example
	// a request body read during configure).
	ErrPhase int32 = -4
	// ErrSignature: a signature did not verify.
	ErrSignature int32 = -5
	// ErrUnavailable: the resource exists but cannot be had now (a key
	// set whose source has not answered yet, the length of a body that
	// only reading it would tell).
	ErrUnavailable int32 = -6
)

// Log levels for the log function.
const (
	LogDebug int32 = 0
	LogInfo  int32 = 1
	LogWarn  int32 = 2
	LogError int32 = 3
)

// Limits the host enforces on what a guest writes. Reads are bounded by
// what the request holds and by the body limit of the chain.
const (
	// MaxNameLen bounds header and variable names.
	MaxNameLen = 1 << 10
	// MaxHeaderValueLen bounds one header value written by a guest.
	MaxHeaderValueLen = 64 << 10
	// MaxVarValueLen bounds one chain variable.
	MaxVarValueLen = 64 << 10
	// MaxVars bounds how many variables one exchange holds.
	MaxVars = 256
	// MaxURILen bounds the request target a guest sets.
	MaxURILen = 8 << 10
	// MaxLogLen bounds one log message; longer ones are cut.
	MaxLogLen = 8 << 10
	// DefaultMaxBodyBytes is the body limit of a chain that sets none.
	DefaultMaxBodyBytes = 1 << 20
)

// Host function names in ModuleName. Their parameters are in the ABI
// table (HostFuncs), from which the host registers them and against which
// docs/ABI.md, gojinn.h and the Go SDK's imports are checked.
const (
	FuncMethodGet       = "method_get"
	FuncMethodSet       = "method_set"
	FuncURIGet          = "uri_get"
	FuncURISet          = "uri_set"
	FuncProtoGet        = "proto_get"
	FuncClientAddrGet   = "client_addr_get"
	FuncHeaderGet       = "header_get"
	FuncHeaderNames     = "header_names"
	FuncHeaderSet       = "header_set"
	FuncHeaderAdd       = "header_add"
	FuncHeaderRemove    = "header_remove"
	FuncBodyRead        = "body_read"
	FuncBodyWrite       = "body_write"
	FuncBodySize        = "body_size"
	FuncStatusGet       = "status_get"
	FuncStatusSet       = "status_set"
	FuncVarGet          = "var_get"
	FuncVarSet          = "var_set"
	FuncConfigGet       = "config_get"
	FuncFeaturesSet     = "features_set"
	FuncLog             = "log"
	FuncLogEnabled      = "log_enabled"
	FuncKeysetOpen      = "keyset_open"
	FuncSignatureVerify = "signature_verify"
	FuncTraceContextGet = "trace_context_get"
)

// TraceParentLen is the length of the W3C traceparent (version 00) that
// trace_context_get returns: "00-" trace id "-" parent id "-" flags, in
// lowercase hex.
const TraceParentLen = 55

// Names of headers and methods are RFC 9110 tokens (section 5.6.2): the
// host refuses any other, and a guest checks its config by the same rule.

// IsTokenByte reports whether c may appear in a token.
func IsTokenByte(c byte) bool {
	return c < 0x80 && tokenBytes[c]
}

// IsToken reports whether s is a non-empty token.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsTokenByte(s[i]) {
			return false
		}
	}
	return true
}

var tokenBytes = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
