//go:build wasip1

package guest

import (
	"errors"

	"github.com/gojinn/gojinn/hostabi"
)

// The injection checks run libinjection's detectors on the host, at
// native speed, over bytes or a message the host holds: the verdicts a Go
// program linking github.com/corazawaf/libinjection-go gets, for a
// fraction of what its tokenizers cost compiled into wasm. They read the
// text as it is: decode it first (URL, entities) when that is what the
// filter inspects. A text over 1 MiB is ErrTooLarge, which a filter
// should treat as an injection it could not rule out.

func sqli(target hostabi.RegexTarget, kind hostabi.Kind, data string) (bool, error) {
	// Limit 0: the verdict alone, nothing written, nothing allocated.
	n := sqliCheck(uint32(target), uint32(kind), strPtr(data), uint32(len(data)), nil, 0)
	if n < 0 {
		return false, resultError(n)
	}
	return n > 0, nil
}

func xss(target hostabi.RegexTarget, kind hostabi.Kind, data string) (bool, error) {
	n := xssCheck(uint32(target), uint32(kind), strPtr(data), uint32(len(data)))
	if n < 0 {
		return false, resultError(n)
	}
	return n == 1, nil
}

// IsSQLi reports whether libinjection reads s as SQL injection, in any
// quoting context.
func IsSQLi(s string) (bool, error) { return sqli(hostabi.RegexBytes, 0, s) }

// IsSQLiBody is IsSQLi over m's body, which the host reads where it holds
// it. The errors are the body's (Message.Body).
func IsSQLiBody(m Message) (bool, error) { return sqli(hostabi.RegexBody, m.kind, "") }

// IsSQLiHeader is IsSQLi over the values of m's header name,
// NUL-separated; ErrNotFound when it is absent.
func IsSQLiHeader(m Message, name string) (bool, error) {
	return sqli(hostabi.RegexHeader, m.kind, name)
}

// SQLiFingerprint is libinjection's fingerprint of s when it reads s as
// SQL injection (the token types it matched, such as "s&sos"), and ""
// when it does not: what a filter logs or keys an exception on.
func SQLiFingerprint(s string) (string, error) {
	var fp [hostabi.MaxSQLiFingerprint]byte
	n := sqliCheck(uint32(hostabi.RegexBytes), 0, strPtr(s), uint32(len(s)), bufPtr(fp[:]), uint32(len(fp)))
	switch {
	case n < 0:
		return "", resultError(n)
	case int(n) > len(fp):
		return "", errors.New("gojinn: sqli_check wrote a fingerprint over its bound")
	}
	return string(fp[:n]), nil
}

// IsXSS reports whether s holds HTML or script that would run, as
// libinjection's HTML5 tokenizer reads it in every context.
func IsXSS(s string) (bool, error) { return xss(hostabi.RegexBytes, 0, s) }

// IsXSSBody is IsXSS over m's body. The errors are the body's.
func IsXSSBody(m Message) (bool, error) { return xss(hostabi.RegexBody, m.kind, "") }

// IsXSSHeader is IsXSS over the values of m's header name,
// NUL-separated; ErrNotFound when it is absent.
func IsXSSHeader(m Message, name string) (bool, error) { return xss(hostabi.RegexHeader, m.kind, name) }
