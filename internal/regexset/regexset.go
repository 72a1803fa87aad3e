// Package regexset holds the regular expressions guests compile with
// regex_compile: a set of one or more RE2 expressions (Go's regexp), each
// compiled once, at configure, and shared by every instance restored from
// the configured one.
//
// Go's regexp runs in time linear in its input, never backtracking, so no
// expression can be made to run for ever (no ReDoS). Linear is still
// input length times program size, and a host call cannot be stopped by
// the time limit, so a match refuses work past MaxWork.
package regexset

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"

	"github.com/gojinn/gojinn/hostabi"
)

// Errors of Compile and of matching.
var (
	ErrTooLarge = errors.New("regexset: over a limit")
	ErrInvalid  = errors.New("regexset: not a regular expression")
)

// Set is a compiled set of expressions, safe for concurrent use.
type Set struct {
	res []*regexp.Regexp
	// insts is the size of every expression's program: the work of a
	// match is at most input length times insts steps.
	insts int64
}

// Compile compiles patterns, the expressions of a set, in Go's syntax.
func Compile(patterns [][]byte) (*Set, error) {
	if len(patterns) == 0 || len(patterns) > hostabi.MaxRegexPatterns {
		return nil, fmt.Errorf("%w: %d expressions, 1 to %d allowed", ErrTooLarge, len(patterns), hostabi.MaxRegexPatterns)
	}
	s := &Set{res: make([]*regexp.Regexp, len(patterns))}
	total := 0
	for i, p := range patterns {
		total += len(p)
		if len(p) > hostabi.MaxRegexLen || total > hostabi.MaxRegexSetLen {
			return nil, fmt.Errorf("%w: expression %d makes the set %d bytes long (an expression at most %d, a set %d)",
				ErrTooLarge, i, total, hostabi.MaxRegexLen, hostabi.MaxRegexSetLen)
		}
		re, err := regexp.Compile(string(p))
		if err != nil {
			return nil, fmt.Errorf("%w: expression %d: %v", ErrInvalid, i, err)
		}
		n, err := programSize(string(p))
		if err != nil {
			return nil, fmt.Errorf("%w: expression %d: %v", ErrInvalid, i, err)
		}
		s.res[i], s.insts = re, s.insts+n
	}
	return s, nil
}

// programSize is the number of instructions of p's program, which bounds
// how many threads a match step runs.
func programSize(p string) (int64, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return 0, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, err
	}
	return int64(len(prog.Inst)), nil
}

// Len is the number of expressions in the set.
func (s *Set) Len() int { return len(s.res) }

// fits reports whether matching the set against n bytes is within MaxWork.
func (s *Set) fits(n int) bool {
	return int64(n+1)*s.insts <= hostabi.MaxRegexWork
}

// Match appends to ids the index of every expression that matches
// subject, in order. It returns ErrTooLarge, without matching, when the
// work could pass MaxWork.
func (s *Set) Match(ids []uint32, subject []byte) ([]uint32, error) {
	if !s.fits(len(subject)) {
		return ids, ErrTooLarge
	}
	for i, re := range s.res {
		if re.Match(subject) {
			ids = append(ids, uint32(i))
		}
	}
	return ids, nil
}

// Find returns the leftmost match of any expression in subject: the
// expression's index and the match's bounds (of two at the same place,
// the earlier expression's). ok is false when none matches.
func (s *Set) Find(subject []byte) (id, start, end int, ok bool, err error) {
	if !s.fits(len(subject)) {
		return 0, 0, 0, false, ErrTooLarge
	}
	for i, re := range s.res {
		loc := re.FindIndex(subject)
		if loc != nil && (!ok || loc[0] < start) {
			id, start, end, ok = i, loc[0], loc[1], true
		}
	}
	return id, start, end, ok, nil
}
