package httpwasm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// The http-wasm ABI has no result codes: a host function either does what
// it was asked or the guest made a mistake the host cannot answer, and the
// call traps. The traps wrap these errors; like a bad guest pointer
// (host.ErrGuestPointer), each costs the request and the instance.
var (
	// ErrOutsideRequest: a request or response function called during
	// start-up, when there is no request.
	ErrOutsideRequest = errors.New("http_handler: no request outside handle_request and handle_response")
	// ErrAfterNext: the request changed in handle_response, after the
	// next handler has had it.
	ErrAfterNext = errors.New("http_handler: the request cannot change after the next handler ran")
	// ErrNotBuffered: a body read that the features in force do not
	// allow (the response without buffer_response, the request after the
	// next handler without buffer_request).
	ErrNotBuffered = errors.New("http_handler: body not buffered (enable buffer_request or buffer_response)")
	// ErrTooLarge: a body over the chain's limit.
	ErrTooLarge = errors.New("http_handler: body over the host's limit")
	// ErrTrailers: a trailer function; Gojinn never grants the trailers
	// feature.
	ErrTrailers = errors.New("http_handler: trailers are not supported (enable_features refuses the trailers feature)")
	// ErrInvalid: a malformed method, URI, header name or value, status,
	// or an unknown kind.
	ErrInvalid = errors.New("http_handler: invalid argument")
	// ErrNoBinding: a host function ran without a Binding in its
	// context: a host bug, never the guest's.
	ErrNoBinding = errors.New("http_handler: host function called without a binding")
)

// trap stops the guest: the call fails with err and why.
func trap(fn string, err error, why string) {
	if why == "" {
		panic(fmt.Errorf("%s: %w", fn, err))
	}
	panic(fmt.Errorf("%s: %w: %s", fn, err, why))
}

type hostFunc func(b *Binding, mem api.Memory, stack []uint64)

// handlers implements each function of the table (funcs). TestHandlersMatchTable
// keeps the two in step.
var handlers = map[string]hostFunc{
	FuncEnableFeatures:     enableFeatures,
	FuncGetConfig:          getConfig,
	FuncLog:                logWrite,
	FuncLogEnabled:         logEnabled,
	FuncGetMethod:          getMethod,
	FuncSetMethod:          setMethod,
	FuncGetURI:             getURI,
	FuncSetURI:             setURI,
	FuncGetProtocolVersion: getProtocolVersion,
	FuncGetSourceAddr:      getSourceAddr,
	FuncGetHeaderNames:     getHeaderNames,
	FuncGetHeaderValues:    getHeaderValues,
	FuncSetHeaderValue:     setHeaderValue,
	FuncAddHeaderValue:     addHeaderValue,
	FuncRemoveHeader:       removeHeader,
	FuncReadBody:           readBody,
	FuncWriteBody:          writeBody,
	FuncGetStatusCode:      getStatusCode,
	FuncSetStatusCode:      setStatusCode,
}

// Instantiate defines the host module in r. Every guest instantiated in r
// afterwards finds its Binding in the context of each call.
func Instantiate(ctx context.Context, r wazero.Runtime) (api.Module, error) {
	mb := r.NewHostModuleBuilder(ModuleName)
	for _, f := range funcs {
		h, ok := handlers[f.Name]
		if !ok {
			return nil, fmt.Errorf("host function %s.%s has no handler", ModuleName, f.Name)
		}
		mb.NewFunctionBuilder().WithGoModuleFunction(adapt(h), f.Params, f.Results).Export(f.Name)
	}
	m, err := mb.Instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiating host module %q: %w", ModuleName, err)
	}
	return m, nil
}

func adapt(h hostFunc) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, stack []uint64) {
		b := bindingFrom(ctx)
		if b == nil || b.Host == nil {
			panic(ErrNoBinding)
		}
		h(b, m.Memory(), stack)
	}
}

// writeOut writes data to (buf, limit) when it fits and returns its
// length, whether it fitted or not: the guest retries with a larger
// buffer. The buffer is bounds-checked even when nothing is copied.
func writeOut(fn string, mem api.Memory, buf, limit uint64, data string) uint32 {
	out := host.Read(mem, buf, limit)
	if len(data) > math.MaxInt32 {
		trap(fn, ErrTooLarge, "")
	}
	if len(data) <= len(out) {
		copy(out, data)
	}
	return uint32(len(data))
}

// exchange returns the exchange of the call, trapping outside a request.
func exchange(fn string, b *Binding) host.Exchange {
	if b.Host.Exchange == nil || b.Host.Phase == hostabi.PhaseConfigure {
		trap(fn, ErrOutsideRequest, "")
	}
	return b.Host.Exchange
}

// beforeNext returns the exchange of a call that changes the request.
func beforeNext(fn string, b *Binding) host.Exchange {
	ex := exchange(fn, b)
	if b.Host.Phase == hostabi.PhaseResponse {
		trap(fn, ErrAfterNext, "")
	}
	return ex
}

func enableFeatures(b *Binding, _ api.Memory, stack []uint64) {
	// Trailers are refused; unknown bits are ignored: the result tells
	// the guest what it has.
	asked := Feature(uint32(stack[0])) & (FeatureBufferRequest | FeatureBufferResponse)
	switch {
	case b.Host.Phase == hostabi.PhaseConfigure:
		b.Host.SetFeatures(b.Host.Features() | toGojinn(asked))
	case b.Host.Phase == hostabi.PhaseRequest:
		// Within one request, the request body can be had on demand;
		// whether the response is held was decided for all requests at
		// start-up, when the chain was built.
		b.requestFeatures |= asked & FeatureBufferRequest
	}
	stack[0] = uint64(b.Features())
}

func getConfig(b *Binding, mem api.Memory, stack []uint64) {
	out := host.Read(mem, stack[0], stack[1])
	if len(b.Host.Config) <= len(out) {
		copy(out, b.Host.Config)
	}
	stack[0] = uint64(uint32(len(b.Host.Config)))
}

func zapLevel(level int32) (zapcore.Level, bool) {
	switch level {
	case LogDebug:
		return zapcore.DebugLevel, true
	case LogInfo:
		return zapcore.InfoLevel, true
	case LogWarn:
		return zapcore.WarnLevel, true
	case LogError:
		return zapcore.ErrorLevel, true
	}
	return 0, false // LogNone, and levels the ABI does not have
}

func logWrite(b *Binding, mem api.Memory, stack []uint64) {
	msg := host.Read(mem, stack[1], stack[2])
	lvl, ok := zapLevel(int32(uint32(stack[0])))
	logger := b.Host.Logger
	if !ok || logger == nil {
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

func logEnabled(b *Binding, _ api.Memory, stack []uint64) {
	lvl, ok := zapLevel(int32(uint32(stack[0])))
	if ok && b.Host.Logger != nil && b.Host.Logger.Core().Enabled(lvl) {
		stack[0] = 1
		return
	}
	stack[0] = 0
}

func getMethod(b *Binding, mem api.Memory, stack []uint64) {
	host.Read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	ex := exchange(FuncGetMethod, b)
	stack[0] = uint64(writeOut(FuncGetMethod, mem, stack[0], stack[1], ex.Request().Method))
}

func setMethod(b *Binding, mem api.Memory, stack []uint64) {
	m := host.Read(mem, stack[0], stack[1])
	ex := beforeNext(FuncSetMethod, b)
	if len(m) == 0 || len(m) > hostabi.MaxNameLen {
		trap(FuncSetMethod, ErrInvalid, "empty or overlong method")
	}
	for _, c := range m {
		if !hostabi.IsTokenByte(c) {
			trap(FuncSetMethod, ErrInvalid, "a method is a token")
		}
	}
	if r := ex.Request(); r.Method != string(m) {
		r.Method = string(m)
	}
}

func getURI(b *Binding, mem api.Memory, stack []uint64) {
	host.Read(mem, stack[0], stack[1])
	ex := exchange(FuncGetURI, b)
	stack[0] = uint64(writeOut(FuncGetURI, mem, stack[0], stack[1], ex.URI()))
}

func setURI(b *Binding, mem api.Memory, stack []uint64) {
	u := host.Read(mem, stack[0], stack[1])
	ex := beforeNext(FuncSetURI, b)
	if len(u) == 0 || len(u) > hostabi.MaxURILen || u[0] != '/' {
		trap(FuncSetURI, ErrInvalid, "a URI is an origin-form target: a path starting with '/'")
	}
	for _, c := range u {
		if c <= ' ' || c == 0x7f {
			trap(FuncSetURI, ErrInvalid, "control character or space in the URI")
		}
	}
	s := string(u)
	if _, err := url.ParseRequestURI(s); err != nil {
		trap(FuncSetURI, ErrInvalid, err.Error())
	}
	if err := ex.SetURI(s); err != nil {
		trap(FuncSetURI, ErrInvalid, err.Error())
	}
}

func getProtocolVersion(b *Binding, mem api.Memory, stack []uint64) {
	host.Read(mem, stack[0], stack[1])
	ex := exchange(FuncGetProtocolVersion, b)
	stack[0] = uint64(writeOut(FuncGetProtocolVersion, mem, stack[0], stack[1], ex.Request().Proto))
}

func getSourceAddr(b *Binding, mem api.Memory, stack []uint64) {
	host.Read(mem, stack[0], stack[1])
	ex := exchange(FuncGetSourceAddr, b)
	stack[0] = uint64(writeOut(FuncGetSourceAddr, mem, stack[0], stack[1], ex.ClientAddr()))
}

// headerKind maps a header kind onto the Exchange's, trapping on trailers
// (never enabled) and on kinds the ABI does not have.
func headerKind(fn string, kind uint64) hostabi.Kind {
	switch HeaderKind(uint32(kind)) {
	case HeaderRequest:
		return hostabi.KindRequest
	case HeaderResponse:
		return hostabi.KindResponse
	case HeaderRequestTrailers, HeaderResponseTrailers:
		trap(fn, ErrTrailers, "")
	}
	trap(fn, ErrInvalid, fmt.Sprintf("header kind %d", uint32(kind)))
	return 0
}

// writeNULTerminated writes each value followed by a NUL to (buf, limit)
// when they all fit, lowercased when lower is set, and returns
// count<<32 | length, whether they fitted or not.
func writeNULTerminated(fn string, mem api.Memory, buf, limit uint64, vs []string, lower bool) uint64 {
	out := host.Read(mem, buf, limit)
	total := 0
	for _, v := range vs {
		total += len(v) + 1
	}
	if total > math.MaxInt32 || len(vs) > math.MaxInt32 {
		trap(fn, ErrTooLarge, "")
	}
	if total <= len(out) {
		n := 0
		for _, v := range vs {
			m := copy(out[n:], v)
			if lower {
				for i, c := range out[n : n+m] {
					if 'A' <= c && c <= 'Z' {
						out[n+i] = c + 'a' - 'A'
					}
				}
			}
			n += m
			out[n] = 0
			n++
		}
	}
	return uint64(len(vs))<<32 | uint64(total)
}

func getHeaderNames(b *Binding, mem api.Memory, stack []uint64) {
	buf, limit := stack[1], stack[2]
	host.Read(mem, buf, limit)
	ex := exchange(FuncGetHeaderNames, b)
	k := headerKind(FuncGetHeaderNames, stack[0])
	names := b.names[:0]
	if k == hostabi.KindRequest {
		names = host.AppendRequestNames(names, ex.Request())
	} else {
		for name := range ex.Header(k) {
			names = append(names, name)
		}
	}
	// Sorted, so that a retry with a larger buffer sees the same list;
	// written lowercase, as the specification has them (HTTP/2's form).
	slices.Sort(names)
	b.names = names
	stack[0] = writeNULTerminated(FuncGetHeaderNames, mem, buf, limit, names, true)
	clear(names) // hold no request's strings past the call
}

func getHeaderValues(b *Binding, mem api.Memory, stack []uint64) {
	name := host.Read(mem, stack[1], stack[2])
	buf, limit := stack[3], stack[4]
	host.Read(mem, buf, limit)
	ex := exchange(FuncGetHeaderValues, b)
	k := headerKind(FuncGetHeaderValues, stack[0])
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		// No header has an invalid name.
		stack[0] = writeNULTerminated(FuncGetHeaderValues, mem, buf, limit, nil, false)
		return
	}
	if k == hostabi.KindRequest {
		if v, present, pseudo := host.RequestPseudo(ex.Request(), b.keyBuf); pseudo {
			var one [1]string
			vs := one[:0]
			if present {
				vs = append(vs, v)
			}
			stack[0] = writeNULTerminated(FuncGetHeaderValues, mem, buf, limit, vs, false)
			return
		}
	}
	stack[0] = writeNULTerminated(FuncGetHeaderValues, mem, buf, limit, ex.Header(k)[string(b.keyBuf)], false)
}

// headerWrite is set_header_value and add_header_value.
func headerWrite(fn string, b *Binding, mem api.Memory, stack []uint64, add bool) {
	name := host.Read(mem, stack[1], stack[2])
	val := host.Read(mem, stack[3], stack[4])
	ex := exchange(fn, b)
	k := headerKind(fn, stack[0])
	if k == hostabi.KindRequest && b.Host.Phase == hostabi.PhaseResponse {
		trap(fn, ErrAfterNext, "")
	}
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		trap(fn, ErrInvalid, "a header name is a token")
	}
	if len(val) > hostabi.MaxHeaderValueLen || !host.ValidValue(val) {
		trap(fn, ErrInvalid, "a header value has no NUL, CR or LF and is at most 64 KiB")
	}
	if k == hostabi.KindRequest {
		switch {
		case string(b.keyBuf) == "Host":
			ex.Request().Host = string(val)
			return
		case host.IsFraming(b.keyBuf):
			// The host keeps the framing true to the body it sends.
			return
		}
	}
	b.Host.PutHeaderValue(ex.Header(k), b.keyBuf, val, add)
}

func setHeaderValue(b *Binding, mem api.Memory, stack []uint64) {
	headerWrite(FuncSetHeaderValue, b, mem, stack, false)
}

func addHeaderValue(b *Binding, mem api.Memory, stack []uint64) {
	headerWrite(FuncAddHeaderValue, b, mem, stack, true)
}

func removeHeader(b *Binding, mem api.Memory, stack []uint64) {
	name := host.Read(mem, stack[1], stack[2])
	ex := exchange(FuncRemoveHeader, b)
	k := headerKind(FuncRemoveHeader, stack[0])
	if k == hostabi.KindRequest && b.Host.Phase == hostabi.PhaseResponse {
		trap(FuncRemoveHeader, ErrAfterNext, "")
	}
	var ok bool
	if b.keyBuf, ok = host.CanonicalKey(b.keyBuf, name); !ok {
		return // no header has that name
	}
	if k == hostabi.KindRequest && (string(b.keyBuf) == "Host" || host.IsFraming(b.keyBuf)) {
		return // the host's
	}
	delete(ex.Header(k), string(b.keyBuf))
}

func bodyKind(fn string, kind uint64) hostabi.Kind {
	switch BodyKind(uint32(kind)) {
	case BodyRequest:
		return hostabi.KindRequest
	case BodyResponse:
		return hostabi.KindResponse
	}
	trap(fn, ErrInvalid, fmt.Sprintf("body kind %d", uint32(kind)))
	return 0
}

func bodyError(fn string, err error) {
	switch {
	case errors.Is(err, host.ErrBodyTooLarge):
		trap(fn, ErrTooLarge, "")
	case errors.Is(err, host.ErrNotBuffered):
		trap(fn, ErrNotBuffered, "")
	}
	trap(fn, ErrInvalid, err.Error())
}

// readBody reads the body from where the last read of this phase ended
// and returns eof<<32 | length.
func readBody(b *Binding, mem api.Memory, stack []uint64) {
	out := host.Read(mem, stack[1], stack[2])
	ex := exchange(FuncReadBody, b)
	k := bodyKind(FuncReadBody, stack[0])
	if k == hostabi.KindResponse && b.Host.Phase == hostabi.PhaseResponse &&
		b.Features()&FeatureBufferResponse == 0 && !b.writing[k] {
		trap(FuncReadBody, ErrNotBuffered, "")
	}
	if b.dirty[k] {
		// What this call wrote reads back.
		if err := b.flush(k); err != nil {
			trap(FuncReadBody, err, "")
		}
	}
	body, err := ex.Body(k)
	if err != nil {
		bodyError(FuncReadBody, err)
	}
	off := min(b.read[k], len(body))
	n := copy(out, body[off:])
	b.read[k] = off + n
	var eof uint64
	if b.read[k] == len(body) {
		eof = 1
	}
	stack[0] = eof<<32 | uint64(n)
}

// writeBody replaces the body on its first call in a phase and appends on
// the next ones. The Exchange gets the body when the call returns (or
// when the guest reads it back): see Binding.FlushBodies.
func writeBody(b *Binding, mem api.Memory, stack []uint64) {
	data := host.Read(mem, stack[1], stack[2])
	exchange(FuncWriteBody, b)
	k := bodyKind(FuncWriteBody, stack[0])
	if k == hostabi.KindRequest && b.Host.Phase == hostabi.PhaseResponse {
		trap(FuncWriteBody, ErrAfterNext, "")
	}
	if !b.writing[k] {
		b.writing[k], b.written[k] = true, nil
	}
	if k == hostabi.KindResponse && b.Host.Phase == hostabi.PhaseRequest {
		b.answered = true
	}
	b.written[k] = append(b.written[k], data...)
	b.dirty[k] = true
	if len(b.written[k]) >= 2*max(b.flushed[k], minEagerFlush) {
		// The Exchange sees the body each time it has doubled, so that it
		// applies the chain's limit before the host holds twice that: the
		// copies still add up to twice the body at most.
		if err := b.flush(k); err != nil {
			trap(FuncWriteBody, err, "")
		}
	}
}

// minEagerFlush is the size under which write_body's pieces are only
// gathered until the call returns.
const minEagerFlush = 64 << 10

func getStatusCode(b *Binding, _ api.Memory, stack []uint64) {
	code := exchange(FuncGetStatusCode, b).Status()
	if code == 0 {
		code = http.StatusOK // what the response will be unless set
	}
	stack[0] = uint64(uint32(code))
}

func setStatusCode(b *Binding, _ api.Memory, stack []uint64) {
	ex := exchange(FuncSetStatusCode, b)
	code := uint32(stack[0])
	// 1xx are interim responses the host cannot send as a final answer.
	if code < 200 || code > 999 {
		trap(FuncSetStatusCode, ErrInvalid, fmt.Sprintf("status %d", code))
	}
	ex.SetStatus(int(code))
	if b.Host.Phase == hostabi.PhaseRequest {
		b.answered = true
	}
}
