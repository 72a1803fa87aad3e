package proxywasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// Traps: a guest pointer outside its memory traps with host.ErrGuestPointer,
// as in the other dialects (the specification's INVALID_MEMORY_ACCESS is
// never returned: a guest that passes such a pointer is not trusted with
// the rest of the request). These are the other traps.
var (
	// ErrAlloc: the guest's allocator returned no memory, or memory
	// outside the guest's, for what a host function returns.
	ErrAlloc = errors.New("proxy-wasm: the guest's proxy_on_memory_allocate failed")
	// ErrNoBinding: a host function ran without a Binding in its
	// context: a host bug, never the guest's.
	ErrNoBinding = errors.New("proxy-wasm: host function called without a binding")
)

type hostFunc func(ctx context.Context, b *Binding, m api.Module, stack []uint64)

// handlers implements each implemented function of the table (funcs);
// the others answer StatusUnimplemented. TestHandlersMatchTable keeps the
// two in step.
var handlers = map[string]hostFunc{
	FuncDone:                  done,
	FuncSetEffectiveContext:   setEffectiveContext,
	FuncLog:                   logWrite,
	FuncGetLogLevel:           getLogLevel,
	FuncGetCurrentTimeNanos:   currentTime,
	FuncSetTickPeriod:         setTickPeriod,
	FuncSetBufferBytes:        setBufferBytes,
	FuncGetBufferBytes:        getBufferBytes,
	FuncGetBufferStatus:       getBufferStatus,
	FuncGetHeaderMapSize:      getHeaderMapSize,
	FuncGetHeaderMapPairs:     getHeaderMapPairs,
	FuncSetHeaderMapPairs:     setHeaderMapPairs,
	FuncGetHeaderMapValue:     getHeaderMapValue,
	FuncAddHeaderMapValue:     addHeaderMapValue,
	FuncReplaceHeaderMapValue: replaceHeaderMapValue,
	FuncRemoveHeaderMapValue:  removeHeaderMapValue,
	FuncContinueStream:        continueStream,
	FuncCloseStream:           closeStream,
	FuncSendLocalResponse:     sendLocalResponse,
	FuncSetSharedData:         setSharedData,
	FuncGetSharedData:         getSharedData,
	FuncDefineMetric:          defineMetric,
	FuncRecordMetric:          recordMetric,
	FuncIncrementMetric:       incrementMetric,
	FuncGetMetric:             getMetric,
	FuncGetProperty:           getProperty,
}

// Instantiate defines the host module in r. Every guest instantiated in r
// afterwards finds its Binding in the context of each call.
func Instantiate(ctx context.Context, r wazero.Runtime) (api.Module, error) {
	mb := r.NewHostModuleBuilder(ModuleName)
	for _, f := range funcs {
		h, ok := handlers[f.Name]
		switch {
		case f.Unimplemented && ok, !f.Unimplemented && !ok:
			return nil, fmt.Errorf("host function %s.%s: handler and table disagree", ModuleName, f.Name)
		case f.Unimplemented:
			mb.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(answerUnimplemented), f.Params, f.Results).Export(f.Name)
		default:
			mb.NewFunctionBuilder().WithGoModuleFunction(adapt(h), f.Params, f.Results).Export(f.Name)
		}
	}
	m, err := mb.Instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiating host module %q: %w", ModuleName, err)
	}
	return m, nil
}

func answerUnimplemented(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = uint64(StatusUnimplemented)
}

func adapt(h hostFunc) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, stack []uint64) {
		b := bindingFrom(ctx)
		if b == nil || b.Host == nil {
			panic(ErrNoBinding)
		}
		h(ctx, b, m, stack)
	}
}

func result(stack []uint64, s Status) { stack[0] = uint64(s) }

// putU32 writes v at the guest pointer ptr, trapping when it is outside
// the guest's memory.
func putU32(mem api.Memory, ptr uint64, v uint32) {
	binary.LittleEndian.PutUint32(host.Read(mem, ptr, 4), v)
}

func putU64(mem api.Memory, ptr uint64, v uint64) {
	binary.LittleEndian.PutUint64(host.Read(mem, ptr, 8), v)
}

// returnBytes gives the guest a copy of data in memory of its own
// allocator, and writes where it is and its length to the guest pointers
// dataPtr and sizePtr (the ABI's uint8_t** and size_t*). Both pointers are
// checked before the guest allocates. Empty data is returned as a null
// pointer and a zero length, without allocating: the Go SDK's allocator
// cannot make an empty buffer.
func returnBytes(ctx context.Context, b *Binding, m api.Module, dataPtr, sizePtr uint64, data []byte) {
	mem := m.Memory()
	host.Read(mem, dataPtr, 4)
	host.Read(mem, sizePtr, 4)
	if len(data) == 0 {
		putU32(mem, dataPtr, 0)
		putU32(mem, sizePtr, 0)
		return
	}
	if len(data) > math.MaxInt32 {
		panic(fmt.Errorf("%w: %d bytes", ErrAlloc, len(data)))
	}
	if b.alloc == nil {
		if b.alloc = m.ExportedFunction(ExportMemoryAllocate); b.alloc == nil {
			b.alloc = m.ExportedFunction(ExportMalloc)
		}
		if b.alloc == nil {
			panic(fmt.Errorf("%w: the guest exports neither %s nor %s", ErrAlloc, ExportMemoryAllocate, ExportMalloc))
		}
	}
	b.allocStack[0] = uint64(len(data))
	if err := b.alloc.CallWithStack(ctx, b.allocStack[:]); err != nil {
		// The guest trapped (or ran out of time or memory) in its
		// allocator: the call fails with that.
		panic(err)
	}
	ptr := uint32(b.allocStack[0])
	if ptr == 0 || !mem.Write(ptr, data) {
		panic(fmt.Errorf("%w: %d bytes at %#x", ErrAlloc, len(data), ptr))
	}
	putU32(mem, dataPtr, ptr)
	putU32(mem, sizePtr, uint32(len(data)))
}

func done(_ context.Context, _ *Binding, _ api.Module, stack []uint64) {
	// Gojinn never leaves a context pending: a false from proxy_on_done
	// is taken as done (docs/ABI.md), so no context awaits proxy_done.
	result(stack, StatusNotFound)
}

func setEffectiveContext(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	id := uint32(stack[0])
	if id == 0 || (id != b.RootID && id != b.ContextID) {
		// Only the contexts of the call at hand: a guest cannot act on
		// another request.
		result(stack, StatusBadArgument)
		return
	}
	result(stack, StatusOK)
}

func zapLevel(l LogLevel) (zapcore.Level, bool) {
	switch l {
	case LogTrace, LogDebug:
		return zapcore.DebugLevel, true
	case LogInfo:
		return zapcore.InfoLevel, true
	case LogWarn:
		return zapcore.WarnLevel, true
	case LogError, LogCritical:
		return zapcore.ErrorLevel, true
	}
	return 0, false
}

func logWrite(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	msg := host.Read(m.Memory(), stack[1], stack[2])
	lvl, ok := zapLevel(LogLevel(uint32(stack[0])))
	if !ok {
		result(stack, StatusBadArgument)
		return
	}
	result(stack, StatusOK)
	if b.Host.Phase == hostabi.PhaseConfigure && lvl >= zapcore.WarnLevel {
		b.configureError = string(msg[:min(len(msg), hostabi.MaxLogLen)])
	}
	logger := b.Host.Logger
	if logger == nil {
		return
	}
	ce := logger.Check(lvl, "")
	if ce == nil {
		return
	}
	if len(msg) > hostabi.MaxLogLen {
		msg = msg[:hostabi.MaxLogLen]
	}
	if b.Host.TraceLogs && b.Host.Exchange != nil {
		b.Host.Exchange.TraceLog(lvl.String(), msg)
	}
	ce.Message = string(msg)
	ce.Write(zap.String("filter", b.Host.Filter))
}

// getLogLevel answers the lowest level the filter's logger writes.
func getLogLevel(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[0], 4)
	level := uint32(LogCritical)
	if l := b.Host.Logger; l != nil {
		for _, c := range []struct {
			zl zapcore.Level
			pl LogLevel
		}{{zapcore.DebugLevel, LogTrace}, {zapcore.InfoLevel, LogInfo}, {zapcore.WarnLevel, LogWarn}, {zapcore.ErrorLevel, LogError}} {
			if l.Core().Enabled(c.zl) {
				level = uint32(c.pl)
				break
			}
		}
	}
	putU32(mem, stack[0], level)
	result(stack, StatusOK)
}

func currentTime(_ context.Context, _ *Binding, m api.Module, stack []uint64) {
	putU64(m.Memory(), stack[0], uint64(time.Now().UnixNano()))
	result(stack, StatusOK)
}

// buffer returns the buffer at hand of type t and the Exchange kind it is
// a body of (a configuration is not a body), or a status.
func buffer(b *Binding, t BufferType) (data []byte, kind hostabi.Kind, body bool, s Status) {
	switch t {
	case BufferPluginConfiguration:
		if b.Host.Phase != hostabi.PhaseConfigure {
			return nil, 0, false, StatusNotFound
		}
		return b.Host.Config, 0, false, StatusOK
	case BufferVMConfiguration:
		if b.Host.Phase != hostabi.PhaseConfigure {
			return nil, 0, false, StatusNotFound
		}
		return nil, 0, false, StatusOK // Gojinn has no VM configuration
	case BufferHTTPRequestBody, BufferHTTPResponseBody:
		kind = hostabi.KindRequest
		want := hostabi.PhaseRequest
		if t == BufferHTTPResponseBody {
			kind, want = hostabi.KindResponse, hostabi.PhaseResponse
		}
		ex := b.Host.Exchange
		if ex == nil || b.Host.Phase != want {
			return nil, 0, false, StatusNotFound
		}
		body, err := ex.Body(kind)
		if err != nil {
			return nil, 0, false, StatusNotFound
		}
		return body, kind, true, StatusOK
	case BufferDownstreamData, BufferUpstreamData, BufferHTTPCallResponseBody, BufferGRPCCallMessage,
		BufferForeignFunctionArgs:
		return nil, 0, false, StatusNotFound // never there in an HTTP filter of Gojinn's
	}
	return nil, 0, false, StatusBadArgument
}

func getBufferBytes(ctx context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[3], 4)
	host.Read(mem, stack[4], 4)
	data, _, _, s := buffer(b, BufferType(uint32(stack[0])))
	if s != StatusOK {
		result(stack, s)
		return
	}
	start, max := int64(uint32(stack[1])), int64(uint32(stack[2]))
	if start > int64(len(data)) {
		result(stack, StatusBadArgument)
		return
	}
	end := min(start+max, int64(len(data)))
	returnBytes(ctx, b, m, stack[3], stack[4], data[start:end])
	result(stack, StatusOK)
}

func getBufferStatus(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[1], 4)
	host.Read(mem, stack[2], 4)
	data, _, _, s := buffer(b, BufferType(uint32(stack[0])))
	if s != StatusOK {
		result(stack, s)
		return
	}
	putU32(mem, stack[1], uint32(len(data)))
	putU32(mem, stack[2], 0)
	result(stack, StatusOK)
}

// setBufferBytes replaces size bytes at start of a body with the value:
// start at or past the end appends, (0, 0) prepends.
func setBufferBytes(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	value := host.Read(m.Memory(), stack[3], stack[4])
	data, kind, body, s := buffer(b, BufferType(uint32(stack[0])))
	switch {
	case s != StatusOK:
		result(stack, s)
		return
	case !body || b.InLog:
		result(stack, StatusBadArgument) // a configuration is read-only
		return
	}
	start := min(int(uint32(stack[1])), len(data))
	end := min(start+int(uint32(stack[2])), len(data))
	out := make([]byte, 0, len(data)-(end-start)+len(value))
	out = append(append(append(out, data[:start]...), value...), data[end:]...)
	if err := b.Host.Exchange.SetBody(kind, out); err != nil {
		// Over the chain's body limit, or a body this phase cannot set.
		result(stack, StatusBadArgument)
		return
	}
	result(stack, StatusOK)
}

// headerMap resolves a map type for reading: the HTTP header maps of the
// exchange, the request's from any callback of a context, the response's
// from the response phase. ok false sets the status: trailers and the
// maps of calls Gojinn never makes read as empty (StatusOK, nothing) where
// asked for a whole map, and as not found where asked for a value.
func headerMap(b *Binding, t MapType) (ex host.Exchange, kind hostabi.Kind, s Status, ok bool) {
	ex = b.Host.Exchange
	switch t {
	case MapHTTPRequestHeaders:
		if ex == nil {
			return nil, 0, StatusNotFound, false
		}
		return ex, hostabi.KindRequest, StatusOK, true
	case MapHTTPResponseHeaders:
		if ex == nil || b.Host.Phase != hostabi.PhaseResponse {
			return nil, 0, StatusNotFound, false
		}
		return ex, hostabi.KindResponse, StatusOK, true
	case MapHTTPRequestTrailers, MapHTTPResponseTrailers, MapGRPCInitialMetadata, MapGRPCTrailingMetadata,
		MapHTTPCallResponseHeaders, MapHTTPCallResponseTrailers:
		return nil, 0, StatusNotFound, false
	}
	return nil, 0, StatusBadArgument, false
}

// writableMap is headerMap for a change: the request's in the request
// phase, the response's in the response phase, neither from
// proxy_on_log on.
func writableMap(b *Binding, t MapType) (host.Exchange, hostabi.Kind, Status) {
	ex, kind, s, ok := headerMap(b, t)
	switch {
	case !ok && s == StatusNotFound:
		return nil, 0, StatusBadArgument
	case !ok:
		return nil, 0, s
	case b.InLog, kind == hostabi.KindRequest && b.Host.Phase != hostabi.PhaseRequest:
		return nil, 0, StatusBadArgument
	}
	return ex, kind, StatusOK
}

// Pseudo-headers: Proxy-Wasm's header maps are HTTP/2's, with the
// request line and status as fields. They are read from, and written to,
// the request's and response's fields.
const (
	pseudoMethod    = ":method"
	pseudoPath      = ":path"
	pseudoAuthority = ":authority"
	pseudoScheme    = ":scheme"
	pseudoStatus    = ":status"
)

// pair is one field of a header map.
type pair struct{ name, value string }

// pairs lists a map's fields into dst, pseudo-headers first, then the
// others sorted by name, one pair per value; names is scratch space.
// Names are canonical: serialize writes them lowercase, as HTTP/2 has
// them.
func pairs(ex host.Exchange, kind hostabi.Kind, dst []pair, names []string) ([]pair, []string) {
	names = names[:0]
	if kind == hostabi.KindRequest {
		r := ex.Request()
		dst = append(dst, pair{pseudoAuthority, r.Host}, pair{pseudoPath, ex.URI()},
			pair{pseudoMethod, r.Method}, pair{pseudoScheme, scheme(r)})
		names = host.AppendRequestNames(names, r)
	} else {
		dst = append(dst, pair{pseudoStatus, strconv.Itoa(responseStatus(ex))})
		for n := range ex.Header(kind) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if kind == hostabi.KindRequest && n == "Host" {
			continue // :authority
		}
		for _, v := range values(ex, kind, n) {
			dst = append(dst, pair{n, v})
		}
	}
	clear(names) // hold no request's strings past the call
	return dst, names
}

// serializeMap appends the serialised header map of kind to dst, with
// b's scratch lists.
func (b *Binding) serializeMap(dst []byte, ex host.Exchange, kind hostabi.Kind) []byte {
	b.pairs, b.names = pairs(ex, kind, b.pairs[:0], b.names)
	dst = serialize(dst, b.pairs, true)
	clear(b.pairs)
	return dst
}

// CountHeaders is the number of fields of a header map as the guest
// sees it (proxy_on_request_headers' and proxy_on_response_headers'
// num_headers): pseudo-headers included, one per value.
func CountHeaders(ex host.Exchange, kind hostabi.Kind) int {
	n := 0
	if kind == hostabi.KindRequest {
		r := ex.Request()
		n = 4 // :authority, :path, :method, :scheme
		for name, vs := range r.Header {
			if name != "Host" && !host.IsFraming([]byte(name)) {
				n += len(vs)
			}
		}
		if r.ContentLength > 0 {
			n++
		}
		if len(r.TransferEncoding) > 0 {
			n++
		}
		return n
	}
	n = 1 // :status
	for _, vs := range ex.Header(kind) {
		n += len(vs)
	}
	return n
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func responseStatus(ex host.Exchange) int {
	if c := ex.Status(); c != 0 {
		return c
	}
	return http.StatusOK
}

// values are the values of the header canon (canonical) of a map.
func values(ex host.Exchange, kind hostabi.Kind, canon string) []string {
	if kind == hostabi.KindRequest {
		if v, present, pseudo := host.RequestPseudo(ex.Request(), []byte(canon)); pseudo {
			if !present {
				return nil
			}
			return []string{v}
		}
	}
	return ex.Header(kind)[canon]
}

// serialize appends the map serialisation of ps to dst: the count, each
// pair's lengths, then each name (lowercased with lower) and value
// followed by a NUL.
func serialize(dst []byte, ps []pair, lower bool) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(ps)))
	for _, p := range ps {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p.name)))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p.value)))
	}
	for _, p := range ps {
		n := len(dst)
		dst = append(dst, p.name...)
		if lower {
			for i, c := range dst[n:] {
				if 'A' <= c && c <= 'Z' {
					dst[n+i] = c + 'a' - 'A'
				}
			}
		}
		dst = append(dst, 0)
		dst = append(append(dst, p.value...), 0)
	}
	return dst
}

// errBadMap is a malformed serialised map.
var errBadMap = errors.New("malformed serialised map")

// deserialize parses a serialised map, whose strings alias data. An empty
// map is empty data or a single zero byte.
func deserialize(data []byte) ([]pair, error) {
	if len(data) == 0 || (len(data) == 1 && data[0] == 0) {
		return nil, nil
	}
	if len(data) < 4 {
		return nil, errBadMap
	}
	n := binary.LittleEndian.Uint32(data)
	// Each pair takes 8 bytes of lengths and 2 of NULs at least.
	if uint64(n)*10 > uint64(len(data)-4) {
		return nil, errBadMap
	}
	lens := data[4 : 4+8*n]
	rest := data[4+8*n:]
	out := make([]pair, 0, n)
	for i := range n {
		kl := uint64(binary.LittleEndian.Uint32(lens[8*i:]))
		vl := uint64(binary.LittleEndian.Uint32(lens[8*i+4:]))
		if kl+vl+2 > uint64(len(rest)) || rest[kl] != 0 || rest[kl+1+vl] != 0 {
			return nil, errBadMap
		}
		out = append(out, pair{string(rest[:kl]), string(rest[kl+1 : kl+1+vl])})
		rest = rest[kl+vl+2:]
	}
	return out, nil
}

func getHeaderMapPairs(ctx context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[1], 4)
	host.Read(mem, stack[2], 4)
	ex, kind, s, ok := headerMap(b, MapType(uint32(stack[0])))
	if !ok {
		if s == StatusNotFound {
			// Maps that are not there read as empty.
			returnBytes(ctx, b, m, stack[1], stack[2], nil)
			s = StatusOK
		}
		result(stack, s)
		return
	}
	b.scratch = b.serializeMap(b.scratch[:0], ex, kind)
	returnBytes(ctx, b, m, stack[1], stack[2], b.scratch)
	result(stack, StatusOK)
}

func getHeaderMapSize(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[1], 4)
	ex, kind, s, ok := headerMap(b, MapType(uint32(stack[0])))
	size := 0
	switch {
	case !ok && s != StatusNotFound:
		result(stack, s)
		return
	case ok:
		b.scratch = b.serializeMap(b.scratch[:0], ex, kind)
		size = len(b.scratch)
	}
	putU32(mem, stack[1], uint32(size))
	result(stack, StatusOK)
}

func getHeaderMapValue(ctx context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	name := host.Read(mem, stack[1], stack[2])
	host.Read(mem, stack[3], 4)
	host.Read(mem, stack[4], 4)
	ex, kind, s, ok := headerMap(b, MapType(uint32(stack[0])))
	if !ok {
		result(stack, s)
		return
	}
	v, found := headerValue(b, ex, kind, name)
	if !found {
		result(stack, StatusNotFound)
		return
	}
	b.scratch = append(b.scratch[:0], v...)
	returnBytes(ctx, b, m, stack[3], stack[4], b.scratch)
	result(stack, StatusOK)
}

// headerValue is a field's value, several values joined with commas.
func headerValue(b *Binding, ex host.Exchange, kind hostabi.Kind, name []byte) (string, bool) {
	switch string(name) {
	case pseudoStatus:
		if kind == hostabi.KindResponse {
			return strconv.Itoa(responseStatus(ex)), true
		}
		return "", false
	case pseudoMethod, pseudoPath, pseudoAuthority, pseudoScheme:
		if kind != hostabi.KindRequest {
			return "", false
		}
		r := ex.Request()
		switch string(name) {
		case pseudoMethod:
			return r.Method, true
		case pseudoPath:
			return ex.URI(), true
		case pseudoAuthority:
			return r.Host, r.Host != ""
		}
		return scheme(r), true
	}
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		return "", false // no field has an invalid name
	}
	vs := values(ex, kind, string(b.keyBuf))
	switch len(vs) {
	case 0:
		return "", false
	case 1:
		return vs[0], true
	}
	return strings.Join(vs, ","), true
}

// putHeader sets (or adds) one field of a writable map; pseudo-headers
// set the request line or the status. It answers StatusBadArgument for an
// invalid name or value.
func putHeader(b *Binding, ex host.Exchange, kind hostabi.Kind, name, val []byte, add bool) Status {
	if len(val) > hostabi.MaxHeaderValueLen || !host.ValidValue(val) {
		return StatusBadArgument
	}
	if len(name) > 0 && name[0] == ':' {
		return putPseudo(ex, kind, string(name), string(val))
	}
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		return StatusBadArgument
	}
	if kind == hostabi.KindRequest {
		switch {
		case string(b.keyBuf) == "Host":
			ex.Request().Host = string(val)
			return StatusOK
		case host.IsFraming(b.keyBuf):
			return StatusOK // the host keeps the framing true to the body
		}
	}
	b.Host.PutHeaderValue(ex.Header(kind), b.keyBuf, val, add)
	return StatusOK
}

func putPseudo(ex host.Exchange, kind hostabi.Kind, name, val string) Status {
	if kind == hostabi.KindResponse {
		if name != pseudoStatus {
			return StatusBadArgument
		}
		code, err := strconv.Atoi(val)
		if err != nil || code < 200 || code > 999 {
			return StatusBadArgument
		}
		ex.SetStatus(code)
		return StatusOK
	}
	r := ex.Request()
	switch name {
	case pseudoMethod:
		if val == "" || len(val) > hostabi.MaxNameLen {
			return StatusBadArgument
		}
		for i := range len(val) {
			if !hostabi.IsTokenByte(val[i]) {
				return StatusBadArgument
			}
		}
		r.Method = val
	case pseudoPath:
		if len(val) == 0 || len(val) > hostabi.MaxURILen || val[0] != '/' || strings.ContainsAny(val, " \t\x7f") {
			return StatusBadArgument
		}
		if _, err := url.ParseRequestURI(val); err != nil {
			return StatusBadArgument
		}
		if err := ex.SetURI(val); err != nil {
			return StatusBadArgument
		}
	case pseudoAuthority:
		r.Host = val
	case pseudoScheme:
		if val != scheme(r) {
			return StatusBadArgument // the connection's, not the guest's
		}
	default:
		return StatusBadArgument
	}
	return StatusOK
}

func headerWrite(b *Binding, m api.Module, stack []uint64, add bool) {
	mem := m.Memory()
	name := host.Read(mem, stack[1], stack[2])
	val := host.Read(mem, stack[3], stack[4])
	ex, kind, s := writableMap(b, MapType(uint32(stack[0])))
	if s != StatusOK {
		result(stack, s)
		return
	}
	result(stack, putHeader(b, ex, kind, name, val, add))
}

func addHeaderMapValue(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	headerWrite(b, m, stack, true)
}

func replaceHeaderMapValue(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	headerWrite(b, m, stack, false)
}

func removeHeaderMapValue(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	name := host.Read(m.Memory(), stack[1], stack[2])
	ex, kind, s := writableMap(b, MapType(uint32(stack[0])))
	if s != StatusOK {
		result(stack, s)
		return
	}
	result(stack, StatusOK)
	if len(name) > 0 && name[0] == ':' {
		return // the request line and status stay
	}
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		return
	}
	if kind == hostabi.KindRequest && (string(b.keyBuf) == "Host" || host.IsFraming(b.keyBuf)) {
		return // the host's
	}
	delete(ex.Header(kind), string(b.keyBuf))
}

// setHeaderMapPairs replaces a map with the serialised one: every field
// goes, but the request's framing; pseudo-headers given set the request
// line or status, those not given stay.
func setHeaderMapPairs(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	data := host.Read(m.Memory(), stack[1], stack[2])
	ex, kind, s := writableMap(b, MapType(uint32(stack[0])))
	if s != StatusOK {
		result(stack, s)
		return
	}
	ps, err := deserialize(data)
	if err != nil {
		result(stack, StatusBadArgument)
		return
	}
	h := ex.Header(kind)
	for k := range h {
		if kind == hostabi.KindRequest && host.IsFraming([]byte(k)) {
			continue
		}
		delete(h, k)
	}
	for _, p := range ps {
		if s := putHeader(b, ex, kind, []byte(p.name), []byte(p.value), true); s != StatusOK {
			result(stack, s)
			return
		}
	}
	result(stack, StatusOK)
}

func continueStream(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	markStream(b, stack, &b.continued)
}

func closeStream(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	markStream(b, stack, &b.closed)
}

// markStream is proxy_continue_stream and proxy_close_stream: on the
// HTTP context's streams it sets flag, which the dialect reads when the
// callback returns; the connection's streams are out of scope.
func markStream(b *Binding, stack []uint64, flag *bool) {
	switch StreamType(uint32(stack[0])) {
	case StreamHTTPRequest, StreamHTTPResponse:
		if b.ContextID == 0 {
			result(stack, StatusNotFound)
			return
		}
		*flag = true
		result(stack, StatusOK)
	case StreamDownstream, StreamUpstream:
		result(stack, StatusUnimplemented)
	default:
		result(stack, StatusBadArgument)
	}
}

// sendLocalResponse makes the response the guest's: its status, headers
// and body replace whatever the response had, and the chain sends it
// (proxy_send_local_response ends the chain like a Gojinn answer).
func sendLocalResponse(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	code := uint32(stack[0])
	host.Read(mem, stack[1], stack[2]) // the details: for Envoy's access log
	body := host.Read(mem, stack[3], stack[4])
	hdrs := host.Read(mem, stack[5], stack[6])
	ex := b.Host.Exchange
	if ex == nil || b.ContextID == 0 || b.InLog {
		result(stack, StatusBadArgument)
		return
	}
	if code < 200 || code > 999 {
		result(stack, StatusBadArgument)
		return
	}
	ps, err := deserialize(hdrs)
	if err != nil {
		result(stack, StatusBadArgument)
		return
	}
	h := ex.Header(hostabi.KindResponse)
	clear(h)
	for _, p := range ps {
		if s := putHeader(b, ex, hostabi.KindResponse, []byte(p.name), []byte(p.value), true); s != StatusOK {
			result(stack, s)
			return
		}
	}
	if err := ex.SetBody(hostabi.KindResponse, body); err != nil {
		result(stack, StatusBadArgument)
		return
	}
	ex.SetStatus(int(code))
	b.local = true
	result(stack, StatusOK)
}

func defineMetric(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	name := host.Read(mem, stack[1], stack[2])
	host.Read(mem, stack[3], 4)
	if b.Metrics == nil {
		result(stack, StatusUnimplemented)
		return
	}
	if len(name) == 0 || len(name) > hostabi.MaxNameLen {
		result(stack, StatusBadArgument)
		return
	}
	id, s := b.Metrics.Define(MetricType(uint32(stack[0])), name)
	if s == StatusOK {
		putU32(mem, stack[3], id)
	}
	result(stack, s)
}

func recordMetric(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	if b.Metrics == nil {
		result(stack, StatusUnimplemented)
		return
	}
	result(stack, b.Metrics.Record(uint32(stack[0]), stack[1]))
}

func incrementMetric(_ context.Context, b *Binding, _ api.Module, stack []uint64) {
	if b.Metrics == nil {
		result(stack, StatusUnimplemented)
		return
	}
	result(stack, b.Metrics.Increment(uint32(stack[0]), int64(stack[1])))
}

func getMetric(_ context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	host.Read(mem, stack[1], 8)
	if b.Metrics == nil {
		result(stack, StatusUnimplemented)
		return
	}
	v, s := b.Metrics.Get(uint32(stack[0]))
	if s == StatusOK {
		putU64(mem, stack[1], v)
	}
	result(stack, s)
}

func getProperty(ctx context.Context, b *Binding, m api.Module, stack []uint64) {
	mem := m.Memory()
	path := host.Read(mem, stack[0], stack[1])
	host.Read(mem, stack[2], 4)
	host.Read(mem, stack[3], 4)
	v, ok := property(b, b.scratch[:0], string(path))
	b.scratch = v
	if !ok {
		result(stack, StatusNotFound)
		return
	}
	returnBytes(ctx, b, m, stack[2], stack[3], v)
	result(stack, StatusOK)
}

// property appends the value of the property at path (its segments
// separated by NULs, as the SDKs send it) to dst: strings as their bytes,
// integers as 8 bytes little-endian (Envoy's encoding).
func property(b *Binding, dst []byte, path string) ([]byte, bool) {
	path = strings.TrimRight(path, "\x00")
	path = strings.ReplaceAll(path, "\x00", ".")
	str := func(s string) ([]byte, bool) { return append(dst, s...), true }
	num := func(n int64) ([]byte, bool) { return binary.LittleEndian.AppendUint64(dst, uint64(n)), true }
	switch path {
	case "plugin_name":
		return str(b.PluginName)
	case "plugin_root_id", "plugin_vm_id":
		return str("")
	}
	ex := b.Host.Exchange
	if ex == nil {
		return dst, false
	}
	r := ex.Request()
	switch path {
	case "request.path":
		return str(ex.URI())
	case "request.url_path":
		return str(r.URL.Path)
	case "request.query":
		return str(r.URL.RawQuery)
	case "request.host":
		return str(r.Host)
	case "request.scheme":
		return str(scheme(r))
	case "request.method":
		return str(r.Method)
	case "request.protocol":
		if r.ProtoMajor >= 2 {
			return str(fmt.Sprintf("HTTP/%d", r.ProtoMajor))
		}
		return str(r.Proto)
	case "request.referer":
		return optional(dst, r.Header.Get("Referer"))
	case "request.useragent":
		return optional(dst, r.Header.Get("User-Agent"))
	case "request.id":
		return optional(dst, r.Header.Get("X-Request-Id"))
	case "request.size":
		n, err := ex.BodySize(hostabi.KindRequest)
		if err != nil {
			return dst, false
		}
		return num(n)
	case "request.time":
		return num(ex.Started().UnixNano())
	case "request.duration":
		return num(int64(time.Since(ex.Started())))
	case "connection.id":
		v, ok := ex.ServerValue(host.ServerConnectionID)
		if !ok {
			return dst, false
		}
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return dst, false
		}
		return binary.LittleEndian.AppendUint64(dst, id), true
	case "source.address":
		return str(ex.ClientAddr())
	case "source.port":
		return port(dst, ex.ClientAddr())
	case "destination.address", "destination.port":
		a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !ok {
			return dst, false
		}
		if path == "destination.address" {
			return str(a.String())
		}
		return port(dst, a.String())
	case "connection.tls_version":
		if r.TLS == nil {
			return dst, false
		}
		return str(tlsVersion(r.TLS.Version))
	case "connection.requested_server_name":
		if r.TLS == nil {
			return dst, false
		}
		return str(r.TLS.ServerName)
	}
	if b.Host.Phase != hostabi.PhaseResponse {
		return dst, false
	}
	switch path {
	case "response.code":
		return num(int64(responseStatus(ex)))
	case "upstream.address":
		v, ok := ex.ServerValue(host.ServerUpstreamAddress)
		if !ok || v == "" {
			return dst, false
		}
		return str(v)
	case "response.size":
		n, err := ex.BodySize(hostabi.KindResponse)
		if err != nil {
			return dst, false
		}
		return num(n)
	}
	return dst, false
}

func optional(dst []byte, v string) ([]byte, bool) {
	if v == "" {
		return dst, false
	}
	return append(dst, v...), true
}

func port(dst []byte, addr string) ([]byte, bool) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return dst, false
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return dst, false
	}
	return binary.LittleEndian.AppendUint64(dst, n), true
}

func tlsVersion(v uint16) string {
	switch v {
	case 0x0301:
		return "TLSv1"
	case 0x0302:
		return "TLSv1.1"
	case 0x0303:
		return "TLSv1.2"
	case 0x0304:
		return "TLSv1.3"
	}
	return ""
}
