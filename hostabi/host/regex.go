package host

import (
	"bytes"
	"errors"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/regexset"
	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"
)

// The regular expressions: compiled at configure into sets held by the
// binding (and handed to restored instances with the rest of what
// configure left), matched against guest bytes or a message's header,
// body or URI without copying the message into wasm.

func regexCompile(b *Binding, mem api.Memory, stack []uint64) {
	list := read(mem, stack[0], stack[1])
	switch {
	case b.Phase != hostabi.PhaseConfigure:
		setResult(stack, hostabi.ErrPhase)
		return
	case len(b.regexes) >= hostabi.MaxRegexSets:
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	s, err := regexset.Compile(bytes.Split(list, []byte{0}))
	if err != nil {
		if b.Logger != nil {
			b.Logger.Error("regex_compile refused", zap.String("filter", b.Filter), zap.Error(err))
		}
		if errors.Is(err, regexset.ErrTooLarge) {
			setResult(stack, hostabi.ErrTooLarge)
		} else {
			setResult(stack, hostabi.ErrInvalid)
		}
		return
	}
	b.regexes = append(b.regexes, s)
	setResult(stack, int32(len(b.regexes)-1))
}

// regexArgs reads what regex_match and regex_find share: the set, and the
// subject the target names. false when the result is set.
func regexArgs(b *Binding, mem api.Memory, stack []uint64) (*regexset.Set, []byte, bool) {
	data := read(mem, stack[3], stack[4])
	read(mem, stack[5], stack[6]) // a bad buffer traps whatever else is wrong
	h := int32(uint32(stack[0]))
	if h < 0 || int(h) >= len(b.regexes) {
		setResult(stack, hostabi.ErrNotFound)
		return nil, nil, false
	}
	subject, ok := targetSubject(b, stack, stack[1], stack[2], data)
	return b.regexes[h], subject, ok
}

// targetSubject is what a match, scan or check reads: the guest's data,
// or a message's body, header values or URI where the host holds them.
// false when the result is set.
func targetSubject(b *Binding, stack []uint64, targetArg, kindArg uint64, data []byte) ([]byte, bool) {
	target := hostabi.RegexTarget(uint32(targetArg))
	if target == hostabi.RegexBytes {
		return data, true
	}
	if !inExchange(b, stack) {
		return nil, false
	}
	k := hostabi.Kind(kindArg)
	if k != hostabi.KindRequest && k != hostabi.KindResponse {
		setResult(stack, hostabi.ErrInvalid)
		return nil, false
	}
	switch target {
	case hostabi.RegexBody:
		body, err := b.Exchange.Body(k)
		if err != nil {
			setResult(stack, resultOf(err))
			return nil, false
		}
		return body, true
	case hostabi.RegexURI:
		if k != hostabi.KindRequest {
			setResult(stack, hostabi.ErrInvalid)
			return nil, false
		}
		b.subject = append(b.subject[:0], b.Exchange.URI()...)
		return b.subject, true
	case hostabi.RegexHeader:
		var ok bool
		if b.keyBuf, ok = canonicalKey(b.keyBuf, data); !ok {
			setResult(stack, hostabi.ErrInvalid)
			return nil, false
		}
		if k == hostabi.KindRequest {
			if v, present, pseudo := requestPseudo(b.Exchange.Request(), b.keyBuf); pseudo {
				if !present {
					setResult(stack, hostabi.ErrNotFound)
					return nil, false
				}
				b.subject = append(b.subject[:0], v...)
				return b.subject, true
			}
		}
		vs, found := b.Exchange.Header(k)[string(b.keyBuf)]
		if !found {
			setResult(stack, hostabi.ErrNotFound)
			return nil, false
		}
		b.subject = b.subject[:0]
		for i, v := range vs {
			if i > 0 {
				b.subject = append(b.subject, 0)
			}
			b.subject = append(b.subject, v...)
		}
		return b.subject, true
	}
	setResult(stack, hostabi.ErrInvalid)
	return nil, false
}

func regexMatch(b *Binding, mem api.Memory, stack []uint64) {
	set, subject, ok := regexArgs(b, mem, stack)
	if !ok {
		return
	}
	ids, err := set.Match(b.regexIDs[:0], subject)
	b.regexIDs = ids
	if err != nil {
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	out := read(mem, stack[5], stack[6])
	if n := 4 * len(ids); n <= len(out) {
		for i, id := range ids {
			putU32(out[4*i:], id)
		}
	}
	setResult(stack, int32(4*len(ids)))
}

func regexFind(b *Binding, mem api.Memory, stack []uint64) {
	set, subject, ok := regexArgs(b, mem, stack)
	if !ok {
		return
	}
	id, start, end, found, err := set.Find(subject)
	switch {
	case err != nil:
		setResult(stack, hostabi.ErrTooLarge)
	case !found:
		setResult(stack, hostabi.ErrNotFound)
	default:
		if out := read(mem, stack[5], stack[6]); len(out) >= 12 {
			putU32(out, uint32(id))
			putU32(out[4:], uint32(start))
			putU32(out[8:], uint32(end))
		}
		setResult(stack, 12)
	}
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
