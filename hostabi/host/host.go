package host

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ErrGuestPointer is the trap a host function raises when a guest passes a
// (pointer, length) pair outside its memory. The runtime sees it wrapped in
// the call's error and closes the instance.
var ErrGuestPointer = errors.New("gojinn: guest pointer out of bounds")

// ErrNoBinding is the trap raised when a host function runs without a
// Binding in its context: a host bug, never the guest's.
var ErrNoBinding = errors.New("gojinn: host function called without a binding")

// hostFunc is a host function: the binding of the calling instance, its
// memory and the wasm stack (parameters in, results out).
type hostFunc func(b *Binding, mem api.Memory, stack []uint64)

// handlers implements each function of the ABI table (hostabi.HostFuncs).
// TestHandlersMatchTable keeps the two in step.
var handlers = map[string]hostFunc{
	hostabi.FuncMethodGet:       methodGet,
	hostabi.FuncMethodSet:       methodSet,
	hostabi.FuncURIGet:          uriGet,
	hostabi.FuncURISet:          uriSet,
	hostabi.FuncProtoGet:        protoGet,
	hostabi.FuncClientAddrGet:   clientAddrGet,
	hostabi.FuncHeaderGet:       headerGet,
	hostabi.FuncHeaderNames:     headerNames,
	hostabi.FuncHeaderSet:       headerSet,
	hostabi.FuncHeaderAdd:       headerAdd,
	hostabi.FuncHeaderRemove:    headerRemove,
	hostabi.FuncBodyRead:        bodyRead,
	hostabi.FuncBodyWrite:       bodyWrite,
	hostabi.FuncBodySize:        bodySize,
	hostabi.FuncStatusGet:       statusGet,
	hostabi.FuncStatusSet:       statusSet,
	hostabi.FuncVarGet:          varGet,
	hostabi.FuncVarSet:          varSet,
	hostabi.FuncConfigGet:       configGet,
	hostabi.FuncFeaturesSet:     featuresSet,
	hostabi.FuncLog:             logWrite,
	hostabi.FuncLogEnabled:      logEnabled,
	hostabi.FuncKeysetOpen:      keysetOpen,
	hostabi.FuncSignatureVerify: signatureVerify,
	hostabi.FuncJSONGet:         jsonGet,
	hostabi.FuncJSONLeaves:      jsonLeaves,
	hostabi.FuncRegexCompile:    regexCompile,
	hostabi.FuncRegexMatch:      regexMatch,
	hostabi.FuncRegexFind:       regexFind,
	hostabi.FuncPatternsCompile: patternsCompile,
	hostabi.FuncPatternsScan:    patternsScan,
	hostabi.FuncSQLiCheck:       sqliCheck,
	hostabi.FuncXSSCheck:        xssCheck,
	hostabi.FuncTraceContextGet: traceContextGet,
	hostabi.FuncKVOpen:          kvOpen,
	hostabi.FuncKVGet:           kvGet,
	hostabi.FuncKVSet:           kvSet,
	hostabi.FuncKVSetIfAbsent:   kvSetIfAbsent,
	hostabi.FuncKVCAS:           kvCAS,
	hostabi.FuncKVIncr:          kvIncr,
	hostabi.FuncKVDelete:        kvDelete,
}

// ParamTypes are the wasm parameter types of an ABI function: all i32.
func ParamTypes(f hostabi.HostFunc) []api.ValueType {
	p := make([]api.ValueType, len(f.Params))
	for i := range p {
		p[i] = api.ValueTypeI32
	}
	return p
}

// ResultTypes are the wasm result types of an ABI function: one i32, or
// none.
func ResultTypes(f hostabi.HostFunc) []api.ValueType {
	if f.Result {
		return []api.ValueType{api.ValueTypeI32}
	}
	return nil
}

// Instantiate defines the host module in r, every function of the ABI
// table. Every guest instantiated in r afterwards finds its Binding in
// the context of each call.
func Instantiate(ctx context.Context, r wazero.Runtime) (api.Module, error) {
	mb := r.NewHostModuleBuilder(hostabi.ModuleName)
	for _, f := range hostabi.HostFuncs() {
		h, ok := handlers[f.Name]
		if !ok {
			return nil, fmt.Errorf("host function %s has no handler", f.Name)
		}
		mb.NewFunctionBuilder().
			WithGoModuleFunction(adapt(h), ParamTypes(f), ResultTypes(f)).
			Export(f.Name)
	}
	m, err := mb.Instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiating host module %q: %w", hostabi.ModuleName, err)
	}
	return m, nil
}

func adapt(h hostFunc) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, stack []uint64) {
		b := bindingFrom(ctx)
		if b == nil {
			panic(ErrNoBinding)
		}
		h(b, m.Memory(), stack)
	}
}

// read returns the guest bytes at (ptr, n), trapping when out of bounds.
func read(mem api.Memory, ptr, n uint64) []byte {
	v, ok := mem.Read(uint32(ptr), uint32(n))
	if !ok {
		panic(ErrGuestPointer)
	}
	return v
}

// writeOut implements the buffer-limit protocol: it always returns the
// full length of data and copies only when it fits in (buf, limit). The
// buffer is bounds-checked even when nothing is copied, so a bad pointer
// traps at once rather than on the retry.
func writeOut[T string | []byte](mem api.Memory, buf, limit uint64, data T) int32 {
	out := read(mem, buf, limit)
	if len(data) > math.MaxInt32 {
		return hostabi.ErrTooLarge
	}
	if len(data) <= len(out) {
		copy(out, data)
	}
	return int32(len(data))
}

func setResult(stack []uint64, r int32) { stack[0] = uint64(uint32(r)) }

// inExchange reports whether the call has an exchange to act on; when not,
// it answers hostabi.ErrPhase.
func inExchange(b *Binding, stack []uint64) bool {
	if b.Exchange == nil || b.Phase == hostabi.PhaseConfigure {
		setResult(stack, hostabi.ErrPhase)
		return false
	}
	return true
}

// canWriteRequest reports whether the request may still change: not in the
// response phase, when it has already gone on.
func canWriteRequest(b *Binding, stack []uint64) bool {
	if !inExchange(b, stack) {
		return false
	}
	if b.Phase == hostabi.PhaseResponse {
		setResult(stack, hostabi.ErrPhase)
		return false
	}
	return true
}

func methodGet(b *Binding, mem api.Memory, stack []uint64) {
	read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	if inExchange(b, stack) {
		setResult(stack, writeOut(mem, stack[0], stack[1], b.Exchange.Request().Method))
	}
}

func methodSet(b *Binding, mem api.Memory, stack []uint64) {
	m := read(mem, stack[0], stack[1])
	if !canWriteRequest(b, stack) {
		return
	}
	if len(m) == 0 || len(m) > hostabi.MaxNameLen {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	for _, c := range m {
		if !hostabi.IsTokenByte(c) {
			setResult(stack, hostabi.ErrInvalid)
			return
		}
	}
	r := b.Exchange.Request()
	if r.Method != string(m) {
		r.Method = string(m)
	}
	setResult(stack, hostabi.ResultOK)
}

func uriGet(b *Binding, mem api.Memory, stack []uint64) {
	read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	if inExchange(b, stack) {
		setResult(stack, writeOut(mem, stack[0], stack[1], b.Exchange.URI()))
	}
}

func uriSet(b *Binding, mem api.Memory, stack []uint64) {
	u := read(mem, stack[0], stack[1])
	if !canWriteRequest(b, stack) {
		return
	}
	if len(u) == 0 || len(u) > hostabi.MaxURILen || u[0] != '/' {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	for _, c := range u {
		if c <= ' ' || c == 0x7f {
			setResult(stack, hostabi.ErrInvalid)
			return
		}
	}
	s := string(u)
	if _, err := url.ParseRequestURI(s); err != nil {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	setResult(stack, resultOf(b.Exchange.SetURI(s)))
}

func protoGet(b *Binding, mem api.Memory, stack []uint64) {
	read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	if inExchange(b, stack) {
		setResult(stack, writeOut(mem, stack[0], stack[1], b.Exchange.Request().Proto))
	}
}

func clientAddrGet(b *Binding, mem api.Memory, stack []uint64) {
	read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	if inExchange(b, stack) {
		setResult(stack, writeOut(mem, stack[0], stack[1], b.Exchange.ClientAddr()))
	}
}

// headerKey reads and canonicalises a header name and checks its kind.
// It returns false after setting the result when either is invalid.
func headerKey(b *Binding, mem api.Memory, stack []uint64, kind, ptr, n uint64) (hostabi.Kind, bool) {
	name := read(mem, ptr, n)
	if !inExchange(b, stack) {
		return 0, false
	}
	k := hostabi.Kind(kind)
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return 0, false
	}
	var ok bool
	if b.keyBuf, ok = canonicalKey(b.keyBuf, name); !ok {
		setResult(stack, hostabi.ErrInvalid)
		return 0, false
	}
	return k, true
}

func headerGet(b *Binding, mem api.Memory, stack []uint64) {
	buf, limit := stack[3], stack[4]
	read(mem, buf, limit)
	k, ok := headerKey(b, mem, stack, stack[0], stack[1], stack[2])
	if !ok {
		return
	}
	if k == hostabi.KindRequest {
		if v, present, pseudo := requestPseudo(b.Exchange.Request(), b.keyBuf); pseudo {
			if !present {
				setResult(stack, hostabi.ErrNotFound)
				return
			}
			setResult(stack, writeOut(mem, buf, limit, v))
			return
		}
	}
	vs, found := b.Exchange.Header(k)[string(b.keyBuf)]
	if !found {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	setResult(stack, writeList(mem, buf, limit, vs))
}

// writeList writes values NUL-separated under the buffer-limit protocol,
// without building the joined string.
func writeList(mem api.Memory, buf, limit uint64, vs []string) int32 {
	out := read(mem, buf, limit)
	total := 0
	for i, v := range vs {
		if i > 0 {
			total++
		}
		total += len(v)
	}
	if total > math.MaxInt32 {
		return hostabi.ErrTooLarge
	}
	if total <= len(out) {
		n := 0
		for i, v := range vs {
			if i > 0 {
				out[n] = 0
				n++
			}
			n += copy(out[n:], v)
		}
	}
	return int32(total)
}

func headerNames(b *Binding, mem api.Memory, stack []uint64) {
	buf, limit := stack[1], stack[2]
	read(mem, buf, limit)
	if !inExchange(b, stack) {
		return
	}
	k := hostabi.Kind(stack[0])
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	names := b.names[:0]
	if k == hostabi.KindRequest {
		names = appendRequestNames(names, b.Exchange.Request())
	} else {
		for name := range b.Exchange.Header(k) {
			names = append(names, name)
		}
	}
	// Sorted, so that a guest's retry with a larger buffer and two calls
	// on the same headers see the same list.
	slices.Sort(names)
	b.names = names
	setResult(stack, writeList(mem, buf, limit, names))
}

// headerWrite is header_set and header_add.
func headerWrite(b *Binding, mem api.Memory, stack []uint64, add bool) {
	val := read(mem, stack[3], stack[4])
	k, ok := headerKey(b, mem, stack, stack[0], stack[1], stack[2])
	if !ok {
		return
	}
	if k == hostabi.KindRequest && b.Phase == hostabi.PhaseResponse {
		setResult(stack, hostabi.ErrPhase)
		return
	}
	if len(val) > hostabi.MaxHeaderValueLen {
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	if !validValue(val) {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	if k == hostabi.KindRequest {
		switch string(b.keyBuf) {
		case hostKey:
			b.Exchange.Request().Host = string(val)
			setResult(stack, hostabi.ResultOK)
			return
		case contentLengthKey, transferEncodingKey:
			// The host keeps the framing true to the body.
			setResult(stack, hostabi.ErrInvalid)
			return
		}
	}
	b.PutHeaderValue(b.Exchange.Header(k), b.keyBuf, val, add)
	setResult(stack, hostabi.ResultOK)
}

// PutHeaderValue sets val as the one value of the header named key
// (canonical) in h, or adds it with add: the name and short values are
// interned for the instance and the header's slice reused, so that a
// filter setting the same headers on every request allocates nothing.
// val is the guest's memory: it is copied.
func (b *Binding) PutHeaderValue(h http.Header, key, val []byte, add bool) {
	k := b.internKey(key)
	vs := h[k]
	switch {
	case add && len(vs) > 0:
		h[k] = append(vs, b.internValue(val))
	case len(vs) == 1 && vs[0] == string(val):
		// Unchanged: keep the slice and the string it holds.
	case len(vs) > 0:
		// Reuse the slice; values are replaced, never shared with the guest.
		vs = vs[:1]
		vs[0] = b.internValue(val)
		h[k] = vs
	default:
		h[k] = b.valueSlice(b.internValue(val))
	}
}

func headerSet(b *Binding, mem api.Memory, stack []uint64) { headerWrite(b, mem, stack, false) }

func headerAdd(b *Binding, mem api.Memory, stack []uint64) { headerWrite(b, mem, stack, true) }

func headerRemove(b *Binding, mem api.Memory, stack []uint64) {
	k, ok := headerKey(b, mem, stack, stack[0], stack[1], stack[2])
	if !ok {
		return
	}
	if k == hostabi.KindRequest {
		if b.Phase == hostabi.PhaseResponse {
			setResult(stack, hostabi.ErrPhase)
			return
		}
		switch string(b.keyBuf) {
		case hostKey, contentLengthKey, transferEncodingKey:
			setResult(stack, hostabi.ErrInvalid)
			return
		}
	}
	delete(b.Exchange.Header(k), string(b.keyBuf))
	setResult(stack, hostabi.ResultOK)
}

func bodyRead(b *Binding, mem api.Memory, stack []uint64) {
	buf, limit := stack[1], stack[2]
	read(mem, buf, limit)
	if !inExchange(b, stack) {
		return
	}
	k := hostabi.Kind(stack[0])
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	body, err := b.Exchange.Body(k)
	if err != nil {
		setResult(stack, resultOf(err))
		return
	}
	setResult(stack, writeOut(mem, buf, limit, body))
}

func bodyWrite(b *Binding, mem api.Memory, stack []uint64) {
	body := read(mem, stack[1], stack[2])
	if !inExchange(b, stack) {
		return
	}
	k := hostabi.Kind(stack[0])
	switch {
	case k != hostabi.KindRequest && k != hostabi.KindResponse:
		setResult(stack, hostabi.ErrInvalid)
	case k == hostabi.KindRequest && b.Phase == hostabi.PhaseResponse:
		setResult(stack, hostabi.ErrPhase)
	default:
		setResult(stack, resultOf(b.Exchange.SetBody(k, body)))
	}
}

// bodySize answers whether there is a body and how long it is, without
// reading it: a guest that sees no Content-Length cannot conclude there is
// no body (chunked and HTTP/2 bodies have none), and must not read one it
// cannot have.
func bodySize(b *Binding, _ api.Memory, stack []uint64) {
	if !inExchange(b, stack) {
		return
	}
	k := hostabi.Kind(stack[0])
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	n, err := b.Exchange.BodySize(k)
	switch {
	case err != nil:
		setResult(stack, resultOf(err))
	case n > math.MaxInt32:
		// body_read could not return it either.
		setResult(stack, hostabi.ErrTooLarge)
	default:
		setResult(stack, int32(n))
	}
}

func statusGet(b *Binding, _ api.Memory, stack []uint64) {
	if inExchange(b, stack) {
		setResult(stack, int32(b.Exchange.Status()))
	}
}

func statusSet(b *Binding, _ api.Memory, stack []uint64) {
	if !inExchange(b, stack) {
		return
	}
	code := uint32(stack[0])
	// 1xx are interim responses the host cannot send as a final answer.
	if code < 200 || code > 999 {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	b.Exchange.SetStatus(int(code))
	setResult(stack, hostabi.ResultOK)
}

func varName(mem api.Memory, ptr, n uint64) ([]byte, bool) {
	name := read(mem, ptr, n)
	return name, len(name) > 0 && len(name) <= hostabi.MaxNameLen
}

func varGet(b *Binding, mem api.Memory, stack []uint64) {
	name, ok := varName(mem, stack[0], stack[1])
	read(mem, stack[2], stack[3])
	if !inExchange(b, stack) {
		return
	}
	if !ok {
		setResult(stack, hostabi.ErrInvalid)
		return
	}
	v, found := b.Exchange.Var(name)
	if !found {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	setResult(stack, writeOut(mem, stack[2], stack[3], v))
}

func varSet(b *Binding, mem api.Memory, stack []uint64) {
	name, ok := varName(mem, stack[0], stack[1])
	val := read(mem, stack[2], stack[3])
	if !inExchange(b, stack) {
		return
	}
	switch {
	case !ok:
		setResult(stack, hostabi.ErrInvalid)
	case len(val) > hostabi.MaxVarValueLen:
		setResult(stack, hostabi.ErrTooLarge)
	default:
		setResult(stack, resultOf(b.Exchange.SetVar(name, val)))
	}
}

func configGet(b *Binding, mem api.Memory, stack []uint64) {
	setResult(stack, writeOut(mem, stack[0], stack[1], b.Config))
}

func featuresSet(b *Binding, _ api.Memory, stack []uint64) {
	f := hostabi.Feature(uint32(stack[0]))
	switch {
	case b.Phase != hostabi.PhaseConfigure:
		setResult(stack, hostabi.ErrPhase)
	case f&^hostabi.KnownFeatures != 0:
		setResult(stack, hostabi.ErrInvalid)
	default:
		b.features = f
		setResult(stack, hostabi.ResultOK)
	}
}

func zapLevel(level int32) (zapcore.Level, bool) {
	switch level {
	case hostabi.LogDebug:
		return zapcore.DebugLevel, true
	case hostabi.LogInfo:
		return zapcore.InfoLevel, true
	case hostabi.LogWarn:
		return zapcore.WarnLevel, true
	case hostabi.LogError:
		return zapcore.ErrorLevel, true
	}
	return 0, false
}

func logWrite(b *Binding, mem api.Memory, stack []uint64) {
	msg := read(mem, stack[1], stack[2])
	lvl, ok := zapLevel(int32(uint32(stack[0])))
	if !ok || b.Logger == nil && b.Phase != hostabi.PhaseConfigure {
		return
	}
	if len(msg) > hostabi.MaxLogLen {
		msg = msg[:hostabi.MaxLogLen]
	}
	if b.Phase == hostabi.PhaseConfigure && lvl >= zapcore.ErrorLevel {
		// Kept so that a refused configure fails the load with the
		// guest's own reason, whatever the log level.
		b.configureError = string(msg)
	}
	if b.Logger == nil {
		return
	}
	ce := b.Logger.Check(lvl, "")
	if ce == nil {
		return
	}
	if b.TraceLogs && b.Exchange != nil {
		b.Exchange.TraceLog(lvl.String(), msg)
	}
	ce.Message = string(msg)
	ce.Write(zap.String("filter", b.Filter))
}

func logEnabled(b *Binding, _ api.Memory, stack []uint64) {
	lvl, ok := zapLevel(int32(uint32(stack[0])))
	if ok && b.Logger != nil && b.Logger.Core().Enabled(lvl) {
		setResult(stack, 1)
		return
	}
	setResult(stack, 0)
}

func keysetOpen(b *Binding, mem api.Memory, stack []uint64) {
	spec := read(mem, stack[0], stack[1])
	switch {
	case b.Phase != hostabi.PhaseConfigure:
		setResult(stack, hostabi.ErrPhase)
	case b.KeySets == nil:
		setResult(stack, hostabi.ErrUnavailable)
	case len(b.keysets) >= maxKeysets:
		setResult(stack, hostabi.ErrTooLarge)
	default:
		v, err := b.KeySets.Open(spec)
		if err != nil {
			if b.Logger != nil {
				b.Logger.Error("keyset_open refused", zap.String("filter", b.Filter), zap.Error(err))
			}
			setResult(stack, hostabi.ErrInvalid)
			return
		}
		b.keysets = append(b.keysets, v)
		b.keysetSpecs = append(b.keysetSpecs, append([]byte(nil), spec...))
		setResult(stack, int32(len(b.keysets)-1))
	}
}

const maxKeysets = 64

func signatureVerify(b *Binding, mem api.Memory, stack []uint64) {
	alg := read(mem, stack[1], stack[2])
	kid := read(mem, stack[3], stack[4])
	msg := read(mem, stack[5], stack[6])
	sig := read(mem, stack[7], stack[8])
	h := int32(uint32(stack[0]))
	if h < 0 || int(h) >= len(b.keysets) {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	setResult(stack, b.keysets[h].Verify(string(alg), string(kid), msg, sig))
}

func traceContextGet(b *Binding, mem api.Memory, stack []uint64) {
	read(mem, stack[0], stack[1]) // a bad buffer traps in every phase
	if !inExchange(b, stack) {
		return
	}
	tp, ok := b.Exchange.AppendTraceParent(b.traceParent[:0])
	if !ok {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	setResult(stack, writeOut(mem, stack[0], stack[1], tp))
}
