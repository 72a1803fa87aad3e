//go:build wasip1

package guest

import (
	"encoding/binary"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Regex is a set of regular expressions compiled by the host (Go's
// regexp, RE2 syntax: matching is linear in the input, so no input can
// make it backtrack for ever). A set of one is a plain expression.
// Compile them in Configure: every instance restored from the
// configured one finds them by the same handle.
type Regex int32

// CompileRegex compiles patterns into one set. It works in Configure
// only (ErrPhase elsewhere); ErrInvalid is a pattern Go's regexp refuses
// (the host logs why), ErrTooLarge a set past the host's limits (256
// expressions, 4 KiB each, 64 KiB in all, 64 sets an instance). A pattern
// may not hold a NUL byte (write \x00).
func CompileRegex(patterns ...string) (Regex, error) {
	list := strings.Join(patterns, "\x00")
	r := regexCompile(strPtr(list), uint32(len(list)))
	if r < 0 {
		return -1, resultError(r)
	}
	return Regex(r), nil
}

// match asks which expressions match the target; n is the host's result
// (4 bytes an id), ids the ids it wrote into scratch.
func (r Regex) match(target hostabi.RegexTarget, kind hostabi.Kind, data string) (n int32, ids []byte) {
	for {
		n = regexMatch(int32(r), uint32(target), uint32(kind), strPtr(data), uint32(len(data)), bufPtr(scratch), uint32(len(scratch)))
		if n < 0 || int(n) <= len(scratch) {
			return n, scratch[:max(n, 0)]
		}
		scratch = make([]byte, int(n))
	}
}

func (r Regex) matched(target hostabi.RegexTarget, kind hostabi.Kind, data string) (bool, error) {
	n := regexMatch(int32(r), uint32(target), uint32(kind), strPtr(data), uint32(len(data)), nil, 0)
	if n < 0 {
		return false, resultError(n)
	}
	return n > 0, nil
}

// Match reports whether any expression of the set matches s. The errors
// are ErrNotFound for a handle the host never gave and ErrTooLarge for a
// match past the host's work limit (s's length times the set's program
// size), which a filter should treat as a match it could not rule out.
func (r Regex) Match(s string) (bool, error) { return r.matched(hostabi.RegexBytes, 0, s) }

// MatchURI reports whether any expression matches the request target
// (path and raw query, as URI returns it), without copying it into wasm.
func (r Regex) MatchURI() (bool, error) { return r.matched(hostabi.RegexURI, hostabi.KindRequest, "") }

// MatchHeader reports whether any expression matches the values of m's
// header name, NUL-separated as Header.AppendValues lists them;
// ErrNotFound when the header is absent.
func (r Regex) MatchHeader(m Message, name string) (bool, error) {
	return r.matched(hostabi.RegexHeader, m.kind, name)
}

// MatchBody reports whether any expression matches m's body, read by the
// host and never copied into wasm. The errors are the body's (Message.Body).
func (r Regex) MatchBody(m Message) (bool, error) { return r.matched(hostabi.RegexBody, m.kind, "") }

// Which appends to dst the index (in CompileRegex's order) of every
// expression of the set that matches s: the set form, for a filter with
// many rules that needs to know which of them hit.
func (r Regex) Which(dst []int, s string) ([]int, error) {
	n, ids := r.match(hostabi.RegexBytes, 0, s)
	if n < 0 {
		return dst, resultError(n)
	}
	for i := 0; i+4 <= len(ids); i += 4 {
		dst = append(dst, int(binary.LittleEndian.Uint32(ids[i:])))
	}
	return dst, nil
}

// Find returns the leftmost match in s of any expression of the set:
// the expression's index and the match's bounds, s[start:end]. ok is
// false when nothing matches.
func (r Regex) Find(s string) (id, start, end int, ok bool, err error) {
	var out [12]byte
	n := regexFind(int32(r), uint32(hostabi.RegexBytes), 0, strPtr(s), uint32(len(s)), bufPtr(out[:]), uint32(len(out)))
	switch {
	case n == hostabi.ErrNotFound:
		return 0, 0, 0, false, nil
	case n < 0:
		return 0, 0, 0, false, resultError(n)
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint32(out[i:])) }
	return u(0), u(4), u(8), true, nil
}
