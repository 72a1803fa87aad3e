// Package patternset holds the literal sets guests compile with
// patterns_compile: many byte strings in one Aho-Corasick automaton, so
// that a scan finds every one of them in a single pass over its input,
// with ASCII case folding when asked. A set is compiled once, at
// configure, and shared read-only by every instance restored from the
// configured one.
//
// A scan costs one step per input byte plus, at most once per automaton
// state, the walk of that state's matches: linear in the input and the
// set, whatever the input holds.
package patternset

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gojinn/gojinn/hostabi"
)

// Errors of Compile.
var (
	ErrTooLarge = errors.New("patternset: over a limit")
	ErrInvalid  = errors.New("patternset: not a pattern")
)

// edge is a transition of the trie.
type edge struct {
	c  byte
	to int32
}

// Set is a compiled set of literals, safe for concurrent use.
type Set struct {
	fold  bool
	n     int        // patterns
	root  [256]int32 // the root's transitions, dense: most steps start there
	edges []edge     // every other state's transitions, sorted by byte
	first []int32    // state s's edges are edges[first[s]:first[s+1]]
	fail  []int32    // the longest proper suffix that is a trie state
	dict  []int32    // the nearest state on the fail chain with patterns, -1 if none
	outs  []uint32   // pattern ids, by state: outs[outAt[s]:outAt[s+1]]
	outAt []int32    //
	lower [256]byte  // the input's bytes as the automaton reads them
}

// Compile builds the automaton of patterns; fold makes it match ASCII
// letters in either case.
func Compile(patterns [][]byte, fold bool) (*Set, error) {
	if len(patterns) == 0 || len(patterns) > hostabi.MaxPatterns {
		return nil, fmt.Errorf("%w: %d patterns, 1 to %d allowed", ErrTooLarge, len(patterns), hostabi.MaxPatterns)
	}
	s := &Set{fold: fold, n: len(patterns)}
	for c := range 256 {
		s.lower[c] = byte(c)
		if fold && c >= 'A' && c <= 'Z' {
			s.lower[c] = byte(c) + 'a' - 'A'
		}
	}
	// The trie, with its transitions in a map while it grows.
	type key struct {
		from int32
		c    byte
	}
	next := map[key]int32{}
	states := int32(1)
	own := [][]uint32{nil} // patterns ending at each state
	total := 0
	for id, p := range patterns {
		total += len(p)
		switch {
		case len(p) == 0:
			return nil, fmt.Errorf("%w: pattern %d is empty", ErrInvalid, id)
		case len(p) > hostabi.MaxPatternLen || total > hostabi.MaxPatternSetLen:
			return nil, fmt.Errorf("%w: pattern %d makes the set %d bytes long (a pattern at most %d, a set %d)",
				ErrTooLarge, id, total, hostabi.MaxPatternLen, hostabi.MaxPatternSetLen)
		}
		at := int32(0)
		for _, c := range p {
			k := key{at, s.lower[c]}
			to, ok := next[k]
			if !ok {
				to = states
				states++
				next[k] = to
				own = append(own, nil)
			}
			at = to
		}
		own[at] = append(own[at], uint32(id))
	}
	// Flatten: each state's edges sorted by byte.
	children := make([][]edge, states)
	for k, to := range next {
		children[k.from] = append(children[k.from], edge{k.c, to})
	}
	s.first = make([]int32, states+1)
	for st, es := range children {
		slices.SortFunc(es, func(a, b edge) int { return int(a.c) - int(b.c) })
		s.first[st] = int32(len(s.edges))
		s.edges = append(s.edges, es...)
	}
	s.first[states] = int32(len(s.edges))
	for _, e := range children[0] {
		s.root[e.c] = e.to
	}
	s.outAt = make([]int32, states+1)
	for st, ids := range own {
		s.outAt[st] = int32(len(s.outs))
		s.outs = append(s.outs, ids...)
	}
	s.outAt[states] = int32(len(s.outs))
	// Fail and dictionary links, breadth first.
	s.fail = make([]int32, states)
	s.dict = make([]int32, states)
	s.dict[0] = -1
	queue := make([]int32, 0, states)
	for _, e := range children[0] {
		s.dict[e.to] = -1
		queue = append(queue, e.to)
	}
	for i := 0; i < len(queue); i++ {
		st := queue[i]
		for _, e := range children[st] {
			f := s.step(s.fail[st], e.c)
			s.fail[e.to] = f
			if s.outAt[f] < s.outAt[f+1] {
				s.dict[e.to] = f
			} else {
				s.dict[e.to] = s.dict[f]
			}
			queue = append(queue, e.to)
		}
	}
	return s, nil
}

// child is st's transition on c, 0 when there is none.
func (s *Set) child(st int32, c byte) int32 {
	if st == 0 {
		return s.root[c]
	}
	es := s.edges[s.first[st]:s.first[st+1]]
	if len(es) <= 8 {
		for _, e := range es {
			if e.c == c {
				return e.to
			}
		}
		return 0
	}
	i, found := slices.BinarySearchFunc(es, c, func(e edge, c byte) int { return int(e.c) - int(c) })
	if found {
		return es[i].to
	}
	return 0
}

// step is the automaton's move from st on c.
func (s *Set) step(st int32, c byte) int32 {
	for {
		if to := s.child(st, c); to != 0 || st == 0 {
			return to
		}
		st = s.fail[st]
	}
}

// Len is the number of patterns in the set.
func (s *Set) Len() int { return s.n }

// States is the number of the automaton's states, the size of a Scratch.
func (s *Set) States() int { return len(s.fail) }

// Scratch is a scan's memory of the states whose matches it reported.
// One per scanning goroutine (the host keeps one per instance and set);
// the zero value is ready.
type Scratch struct {
	done    []uint64
	touched []int32
}

// Scan appends to ids the id of every pattern found in subject, each
// once, in the order their first occurrences end, and stops once ids
// holds max of them (a scan's ids past max are not reported).
func (s *Set) Scan(ids []uint32, subject []byte, max int, sc *Scratch) []uint32 {
	if words := (len(s.fail) + 63) / 64; len(sc.done) < words {
		sc.done = make([]uint64, words)
	}
	defer func() {
		for _, st := range sc.touched {
			sc.done[st/64] = 0
		}
		sc.touched = sc.touched[:0]
	}()
	found := 0
	st := int32(0)
	for _, c := range subject {
		if st == 0 {
			st = s.root[s.lower[c]] // most steps
		} else {
			st = s.step(st, s.lower[c])
		}
		// The state's own patterns, then those of its dictionary chain,
		// each state once a scan: a state reported before has reported
		// its whole chain.
		m := st
		if s.outAt[m] == s.outAt[m+1] {
			m = s.dict[m]
		}
		for ; m > 0; m = s.dict[m] {
			if sc.done[m/64]&(1<<(m%64)) != 0 {
				break
			}
			sc.done[m/64] |= 1 << (m % 64)
			sc.touched = append(sc.touched, m)
			for _, id := range s.outs[s.outAt[m]:s.outAt[m+1]] {
				if found == max {
					return ids
				}
				ids = append(ids, id)
				found++
			}
		}
	}
	return ids
}
