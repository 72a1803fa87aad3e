//go:build wasip1

package guest

import (
	"encoding/binary"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Patterns is a set of literals compiled by the host into one automaton
// (Aho-Corasick): a scan finds every one of them in a single pass, at
// native speed, over bytes or a message the host holds. Compile it in
// Configure: every instance restored from the configured one finds it by
// the same handle.
type Patterns int32

// CompilePatterns compiles words into one set; foldCase makes it match
// ASCII letters in either case. It works in Configure only (ErrPhase
// elsewhere); ErrInvalid is an empty word or one holding a NUL byte,
// ErrTooLarge a set past the host's limits (65,536 words of at most 1 KiB,
// 1 MiB in all, 64 sets an instance).
func CompilePatterns(words []string, foldCase bool) (Patterns, error) {
	for _, w := range words {
		if strings.IndexByte(w, 0) >= 0 {
			return -1, ErrInvalid
		}
	}
	list := strings.Join(words, "\x00")
	var flags uint32
	if foldCase {
		flags = hostabi.PatternsFoldCase
	}
	r := patternsCompile(strPtr(list), uint32(len(list)), flags)
	if r < 0 {
		return -1, resultError(r)
	}
	return Patterns(r), nil
}

func (p Patterns) scan(dst []int, target hostabi.RegexTarget, kind hostabi.Kind, data string) ([]int, error) {
	for {
		n := patternsScan(int32(p), uint32(target), uint32(kind), strPtr(data), uint32(len(data)), bufPtr(scratch), uint32(len(scratch)))
		if n < 0 {
			return dst, resultError(n)
		}
		if int(n) <= len(scratch) {
			for i := 0; i+4 <= int(n); i += 4 {
				dst = append(dst, int(binary.LittleEndian.Uint32(scratch[i:])))
			}
			return dst, nil
		}
		scratch = make([]byte, int(n))
	}
}

// Scan appends to dst the index (in CompilePatterns' order) of every word
// found in s, each once, in the order their first occurrences end; at
// most 1,024 of them.
func (p Patterns) Scan(dst []int, s string) ([]int, error) {
	return p.scan(dst, hostabi.RegexBytes, 0, s)
}

// ScanBody is Scan over m's body, which the host scans where it holds it.
// The errors are the body's (Message.Body).
func (p Patterns) ScanBody(dst []int, m Message) ([]int, error) {
	return p.scan(dst, hostabi.RegexBody, m.kind, "")
}

// ScanHeader is Scan over the values of m's header name, NUL-separated;
// ErrNotFound when it is absent.
func (p Patterns) ScanHeader(dst []int, m Message, name string) ([]int, error) {
	return p.scan(dst, hostabi.RegexHeader, m.kind, name)
}

// ScanURI is Scan over the request target.
func (p Patterns) ScanURI(dst []int) ([]int, error) {
	return p.scan(dst, hostabi.RegexURI, hostabi.KindRequest, "")
}
