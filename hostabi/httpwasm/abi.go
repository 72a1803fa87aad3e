// Package httpwasm is the host side of the http-wasm handler ABI
// (http-wasm.io): the host module "http_handler" that guests built for
// Traefik's or Dapr's wasm middleware import, implemented over the same
// host.Exchange as Gojinn's own ABI, so that such a guest runs in a Gojinn
// chain unchanged. docs/ABI.md ("Dialects") says what Gojinn decided
// where the specification leaves a choice to the host.
package httpwasm

import "github.com/tetratelabs/wazero/api"

// ModuleName is the host module http-wasm guests import from.
const ModuleName = "http_handler"

// Guest exports.
const (
	// ExportHandleRequest is func() i64: the low 32 bits are 1 to call
	// the next handler, 0 to answer with the response the guest set; the
	// high 32 bits are a context handed back to handle_response.
	ExportHandleRequest = "handle_request"
	// ExportHandleResponse is func(reqCtx i32, isError i32); optional.
	ExportHandleResponse = "handle_response"
	// ExportMemory is the guest's memory.
	ExportMemory = "memory"
	// ExportStart is a command module's entry point (TinyGo's), run once
	// at start-up like a reactor's _initialize.
	ExportStart = "_start"
)

// Feature is the http-wasm feature set a guest enables with
// enable_features.
type Feature uint32

const (
	// FeatureBufferRequest: the request body can be read, and the request
	// changed, by handle_request; the body is then sent on as read or
	// rewritten.
	FeatureBufferRequest Feature = 1 << 0
	// FeatureBufferResponse: the response (body included) is held until
	// handle_response has run, so that it can read and rewrite it.
	FeatureBufferResponse Feature = 1 << 1
	// FeatureTrailers: trailers can be read and written. Gojinn refuses
	// it (enable_features never grants it), as the specification allows.
	FeatureTrailers Feature = 1 << 2
)

// HeaderKind selects the header fields a function acts on.
type HeaderKind uint32

const (
	HeaderRequest          HeaderKind = 0
	HeaderResponse         HeaderKind = 1
	HeaderRequestTrailers  HeaderKind = 2
	HeaderResponseTrailers HeaderKind = 3
)

// BodyKind selects the body a function acts on.
type BodyKind uint32

const (
	BodyRequest  BodyKind = 0
	BodyResponse BodyKind = 1
)

// Log levels of log and log_enabled.
const (
	LogDebug int32 = -1
	LogInfo  int32 = 0
	LogWarn  int32 = 1
	LogError int32 = 2
	LogNone  int32 = 3
)

// Func is one host function of ModuleName: its name and wasm signature.
type Func struct {
	Name            string
	Params, Results []api.ValueType
}

// Function names.
const (
	FuncEnableFeatures     = "enable_features"
	FuncGetConfig          = "get_config"
	FuncLog                = "log"
	FuncLogEnabled         = "log_enabled"
	FuncGetMethod          = "get_method"
	FuncSetMethod          = "set_method"
	FuncGetURI             = "get_uri"
	FuncSetURI             = "set_uri"
	FuncGetProtocolVersion = "get_protocol_version"
	FuncGetSourceAddr      = "get_source_addr"
	FuncGetHeaderNames     = "get_header_names"
	FuncGetHeaderValues    = "get_header_values"
	FuncSetHeaderValue     = "set_header_value"
	FuncAddHeaderValue     = "add_header_value"
	FuncRemoveHeader       = "remove_header"
	FuncReadBody           = "read_body"
	FuncWriteBody          = "write_body"
	FuncGetStatusCode      = "get_status_code"
	FuncSetStatusCode      = "set_status_code"
)

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

func sig(name string, params []api.ValueType, results ...api.ValueType) Func {
	return Func{Name: name, Params: params, Results: results}
}

func i32s(n int) []api.ValueType {
	p := make([]api.ValueType, n)
	for i := range p {
		p[i] = i32
	}
	return p
}

// funcs is the ABI's table, in the specification's order.
var funcs = []Func{
	sig(FuncEnableFeatures, i32s(1), i32),
	sig(FuncGetConfig, i32s(2), i32),
	sig(FuncLog, i32s(3)),
	sig(FuncLogEnabled, i32s(1), i32),
	sig(FuncGetMethod, i32s(2), i32),
	sig(FuncSetMethod, i32s(2)),
	sig(FuncGetURI, i32s(2), i32),
	sig(FuncSetURI, i32s(2)),
	sig(FuncGetProtocolVersion, i32s(2), i32),
	sig(FuncGetSourceAddr, i32s(2), i32),
	sig(FuncGetHeaderNames, i32s(3), i64),
	sig(FuncGetHeaderValues, i32s(5), i64),
	sig(FuncSetHeaderValue, i32s(5)),
	sig(FuncAddHeaderValue, i32s(5)),
	sig(FuncRemoveHeader, i32s(3)),
	sig(FuncReadBody, i32s(3), i64),
	sig(FuncWriteBody, i32s(3)),
	sig(FuncGetStatusCode, nil, i32),
	sig(FuncSetStatusCode, i32s(1)),
}

// Funcs returns the ABI's host functions, a fresh copy on each call.
func Funcs() []Func {
	out := make([]Func, len(funcs))
	for i, f := range funcs {
		out[i] = Func{Name: f.Name, Params: append([]api.ValueType(nil), f.Params...),
			Results: append([]api.ValueType(nil), f.Results...)}
	}
	return out
}

// Lookup returns the host function named name.
func Lookup(name string) (Func, bool) {
	for _, f := range funcs {
		if f.Name == name {
			return f, true
		}
	}
	return Func{}, false
}
