// Package proxywasm is the host side of the Proxy-Wasm ABI
// (github.com/proxy-wasm/spec, v0.2.0 and v0.2.1): the host functions
// that filters built for Envoy, Istio or Kong import from the module
// "env", implemented over the same host.Exchange as Gojinn's own ABI, so
// that an HTTP filter of that ABI runs in a Gojinn chain unchanged. Every
// host function the specification lists exists; those outside an HTTP
// filter's scope (gRPC, TCP streams, HTTP calls, foreign functions) answer
// StatusUnimplemented. docs/ABI.md ("Dialects") says what Gojinn decided
// where the specification leaves a choice to the host.
package proxywasm

import "github.com/tetratelabs/wazero/api"

// ModuleName is the host module Proxy-Wasm guests import from.
const ModuleName = "env"

// Guest exports: the ABI version marker, start-up, memory and the
// callbacks of an HTTP filter.
const (
	ExportABIVersion020     = "proxy_abi_version_0_2_0"
	ExportABIVersion021     = "proxy_abi_version_0_2_1"
	ExportMemory            = "memory"
	ExportInitialize        = "_initialize"
	ExportStart             = "_start"
	ExportMemoryAllocate    = "proxy_on_memory_allocate"
	ExportMalloc            = "malloc"
	ExportOnVMStart         = "proxy_on_vm_start"
	ExportOnConfigure       = "proxy_on_configure"
	ExportOnContextCreate   = "proxy_on_context_create"
	ExportOnRequestHeaders  = "proxy_on_request_headers"
	ExportOnRequestBody     = "proxy_on_request_body"
	ExportOnResponseHeaders = "proxy_on_response_headers"
	ExportOnResponseBody    = "proxy_on_response_body"
	ExportOnLog             = "proxy_on_log"
	ExportOnDone            = "proxy_on_done"
	ExportOnDelete          = "proxy_on_delete"
)

// FuncPrefix starts the name of every host function of the ABI.
const FuncPrefix = "proxy_"

// ABIVersionPrefix starts the name of every ABI version marker export.
const ABIVersionPrefix = "proxy_abi_version_"

// Status is a host function's result (proxy_status_t).
type Status uint32

const (
	StatusOK                   Status = 0
	StatusNotFound             Status = 1
	StatusBadArgument          Status = 2
	StatusSerializationFailure Status = 3
	StatusParseFailure         Status = 4
	StatusInvalidMemoryAccess  Status = 6
	StatusEmpty                Status = 7
	StatusCASMismatch          Status = 8
	StatusInternalFailure      Status = 10
	StatusUnimplemented        Status = 12
)

// Action is what an HTTP callback returns (proxy_action_t).
type Action uint32

const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)

// BufferType selects a buffer (proxy_buffer_type_t).
type BufferType uint32

const (
	BufferHTTPRequestBody      BufferType = 0
	BufferHTTPResponseBody     BufferType = 1
	BufferDownstreamData       BufferType = 2
	BufferUpstreamData         BufferType = 3
	BufferHTTPCallResponseBody BufferType = 4
	BufferGRPCCallMessage      BufferType = 5
	BufferVMConfiguration      BufferType = 6
	BufferPluginConfiguration  BufferType = 7
	BufferForeignFunctionArgs  BufferType = 8
)

// MapType selects a header map (proxy_map_type_t).
type MapType uint32

const (
	MapHTTPRequestHeaders       MapType = 0
	MapHTTPRequestTrailers      MapType = 1
	MapHTTPResponseHeaders      MapType = 2
	MapHTTPResponseTrailers     MapType = 3
	MapGRPCInitialMetadata      MapType = 4
	MapGRPCTrailingMetadata     MapType = 5
	MapHTTPCallResponseHeaders  MapType = 6
	MapHTTPCallResponseTrailers MapType = 7
)

// StreamType selects a stream (proxy_stream_type_t).
type StreamType uint32

const (
	StreamHTTPRequest  StreamType = 0
	StreamHTTPResponse StreamType = 1
	StreamDownstream   StreamType = 2
	StreamUpstream     StreamType = 3
)

// MetricType is a metric's kind (proxy_metric_type_t).
type MetricType uint32

const (
	MetricCounter   MetricType = 0
	MetricGauge     MetricType = 1
	MetricHistogram MetricType = 2
)

// LogLevel is a log line's level (proxy_log_level_t).
type LogLevel uint32

const (
	LogTrace    LogLevel = 0
	LogDebug    LogLevel = 1
	LogInfo     LogLevel = 2
	LogWarn     LogLevel = 3
	LogError    LogLevel = 4
	LogCritical LogLevel = 5
)

// Func is one host function of ModuleName: its name, wasm signature, and
// whether Gojinn implements it or answers StatusUnimplemented.
type Func struct {
	Name            string
	Params, Results []api.ValueType
	Unimplemented   bool
}

// Function names, in the specification's order.
const (
	FuncDone                  = "proxy_done"
	FuncSetEffectiveContext   = "proxy_set_effective_context"
	FuncLog                   = "proxy_log"
	FuncGetLogLevel           = "proxy_get_log_level"
	FuncGetCurrentTimeNanos   = "proxy_get_current_time_nanoseconds"
	FuncSetTickPeriod         = "proxy_set_tick_period_milliseconds"
	FuncSetBufferBytes        = "proxy_set_buffer_bytes"
	FuncGetBufferBytes        = "proxy_get_buffer_bytes"
	FuncGetBufferStatus       = "proxy_get_buffer_status"
	FuncGetHeaderMapSize      = "proxy_get_header_map_size"
	FuncGetHeaderMapPairs     = "proxy_get_header_map_pairs"
	FuncSetHeaderMapPairs     = "proxy_set_header_map_pairs"
	FuncGetHeaderMapValue     = "proxy_get_header_map_value"
	FuncAddHeaderMapValue     = "proxy_add_header_map_value"
	FuncReplaceHeaderMapValue = "proxy_replace_header_map_value"
	FuncRemoveHeaderMapValue  = "proxy_remove_header_map_value"
	FuncContinueStream        = "proxy_continue_stream"
	FuncCloseStream           = "proxy_close_stream"
	FuncGetStatus             = "proxy_get_status"
	FuncSendLocalResponse     = "proxy_send_local_response"
	FuncHTTPCall              = "proxy_http_call"
	FuncGRPCCall              = "proxy_grpc_call"
	FuncGRPCStream            = "proxy_grpc_stream"
	FuncGRPCSend              = "proxy_grpc_send"
	FuncGRPCCancel            = "proxy_grpc_cancel"
	FuncGRPCClose             = "proxy_grpc_close"
	FuncSetSharedData         = "proxy_set_shared_data"
	FuncGetSharedData         = "proxy_get_shared_data"
	FuncRegisterSharedQueue   = "proxy_register_shared_queue"
	FuncResolveSharedQueue    = "proxy_resolve_shared_queue"
	FuncEnqueueSharedQueue    = "proxy_enqueue_shared_queue"
	FuncDequeueSharedQueue    = "proxy_dequeue_shared_queue"
	FuncDefineMetric          = "proxy_define_metric"
	FuncRecordMetric          = "proxy_record_metric"
	FuncIncrementMetric       = "proxy_increment_metric"
	FuncGetMetric             = "proxy_get_metric"
	FuncGetProperty           = "proxy_get_property"
	FuncSetProperty           = "proxy_set_property"
	FuncCallForeignFunction   = "proxy_call_foreign_function"
)

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

func i32s(n int) []api.ValueType {
	p := make([]api.ValueType, n)
	for i := range p {
		p[i] = i32
	}
	return p
}

// status is a function returning a status, taking n i32 parameters.
func status(name string, n int) Func {
	return Func{Name: name, Params: i32s(n), Results: []api.ValueType{i32}}
}

// unimplemented is status for a function Gojinn answers
// StatusUnimplemented to.
func unimplemented(name string, n int) Func {
	f := status(name, n)
	f.Unimplemented = true
	return f
}

// funcs is the ABI's table: every host function of v0.2.1, in the
// specification's order.
var funcs = []Func{
	status(FuncDone, 0),
	status(FuncSetEffectiveContext, 1),
	status(FuncLog, 3),
	status(FuncGetLogLevel, 1),
	status(FuncGetCurrentTimeNanos, 1),
	status(FuncSetTickPeriod, 1),
	status(FuncSetBufferBytes, 5),
	status(FuncGetBufferBytes, 5),
	status(FuncGetBufferStatus, 3),
	status(FuncGetHeaderMapSize, 2),
	status(FuncGetHeaderMapPairs, 3),
	status(FuncSetHeaderMapPairs, 3),
	status(FuncGetHeaderMapValue, 5),
	status(FuncAddHeaderMapValue, 5),
	status(FuncReplaceHeaderMapValue, 5),
	status(FuncRemoveHeaderMapValue, 3),
	status(FuncContinueStream, 1),
	status(FuncCloseStream, 1),
	unimplemented(FuncGetStatus, 3),
	status(FuncSendLocalResponse, 8),
	unimplemented(FuncHTTPCall, 10),
	unimplemented(FuncGRPCCall, 12),
	unimplemented(FuncGRPCStream, 9),
	unimplemented(FuncGRPCSend, 4),
	unimplemented(FuncGRPCCancel, 1),
	unimplemented(FuncGRPCClose, 1),
	status(FuncSetSharedData, 5),
	status(FuncGetSharedData, 5),
	unimplemented(FuncRegisterSharedQueue, 3),
	unimplemented(FuncResolveSharedQueue, 5),
	unimplemented(FuncEnqueueSharedQueue, 3),
	unimplemented(FuncDequeueSharedQueue, 3),
	status(FuncDefineMetric, 4),
	{Name: FuncRecordMetric, Params: []api.ValueType{i32, i64}, Results: []api.ValueType{i32}},
	{Name: FuncIncrementMetric, Params: []api.ValueType{i32, i64}, Results: []api.ValueType{i32}},
	status(FuncGetMetric, 2),
	status(FuncGetProperty, 4),
	unimplemented(FuncSetProperty, 4),
	unimplemented(FuncCallForeignFunction, 6),
}

// Funcs returns the ABI's host functions, a fresh copy on each call.
func Funcs() []Func {
	out := make([]Func, len(funcs))
	for i, f := range funcs {
		out[i] = f
		out[i].Params = append([]api.ValueType(nil), f.Params...)
		out[i].Results = append([]api.ValueType(nil), f.Results...)
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
