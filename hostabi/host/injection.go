package host

import (
	"unsafe"

	libinjection "github.com/corazawaf/libinjection-go"
	"github.com/gojinn/gojinn/hostabi"
	"github.com/tetratelabs/wazero/api"
)

// The injection checks: libinjection's SQL and XSS detectors, the ones
// ModSecurity's and Coraza's rule sets call, run natively over the same
// targets as the regular expressions. A WAF ported to any guest language
// then gets the verdicts of the Go engine's libinjection, byte for byte,
// without a port of libinjection of its own.

// injectionSubject reads what sqli_check and xss_check share: the
// target (stack[0]), kind (stack[1]) and data (stack[2], stack[3]), and
// the input bound. false when the result is set.
func injectionSubject(b *Binding, mem api.Memory, stack []uint64) (string, bool) {
	data := read(mem, stack[2], stack[3])
	subject, ok := targetSubject(b, stack, stack[0], stack[1], data)
	if !ok {
		return "", false
	}
	if len(subject) > hostabi.MaxInjectionInput {
		setResult(stack, hostabi.ErrTooLarge)
		return "", false
	}
	// Read in place: libinjection keeps nothing of its input, and neither
	// the guest's memory nor the host's buffers change during the call.
	return unsafe.String(unsafe.SliceData(subject), len(subject)), true
}

func sqliCheck(b *Binding, mem api.Memory, stack []uint64) {
	out := read(mem, stack[4], stack[5]) // a bad buffer traps whatever else is wrong
	s, ok := injectionSubject(b, mem, stack)
	if !ok {
		return
	}
	found, fingerprint := libinjection.IsSQLi(s)
	if !found {
		setResult(stack, 0)
		return
	}
	// A fingerprint is 1 to 5 token letters; an empty one would read as
	// "not found", so it is never passed on as such.
	if fingerprint == "" {
		fingerprint = "?"
	}
	fingerprint = fingerprint[:min(len(fingerprint), hostabi.MaxSQLiFingerprint)]
	if len(fingerprint) <= len(out) {
		copy(out, fingerprint)
	}
	setResult(stack, int32(len(fingerprint)))
}

func xssCheck(b *Binding, mem api.Memory, stack []uint64) {
	s, ok := injectionSubject(b, mem, stack)
	if !ok {
		return
	}
	if libinjection.IsXSS(s) {
		setResult(stack, 1)
	} else {
		setResult(stack, 0)
	}
}
