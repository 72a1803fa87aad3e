package host

import (
	"bytes"
	"errors"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/internal/patternset"
	"github.com/tetratelabs/wazero/api"
	"go.uber.org/zap"
)

// The pattern sets: many literals compiled at configure into one
// automaton (shared, like the regex sets, by restored instances), scanned
// over the same targets as the regular expressions.

func patternsCompile(b *Binding, mem api.Memory, stack []uint64) {
	list := read(mem, stack[0], stack[1])
	flags := uint32(stack[2])
	switch {
	case b.Phase != hostabi.PhaseConfigure:
		setResult(stack, hostabi.ErrPhase)
		return
	case flags&^hostabi.PatternsFoldCase != 0:
		setResult(stack, hostabi.ErrInvalid)
		return
	case len(b.patterns) >= hostabi.MaxPatternSets:
		setResult(stack, hostabi.ErrTooLarge)
		return
	}
	s, err := patternset.Compile(bytes.Split(list, []byte{0}), flags&hostabi.PatternsFoldCase != 0)
	if err != nil {
		if b.Logger != nil {
			b.Logger.Error("patterns_compile refused", zap.String("filter", b.Filter), zap.Error(err))
		}
		if errors.Is(err, patternset.ErrTooLarge) {
			setResult(stack, hostabi.ErrTooLarge)
		} else {
			setResult(stack, hostabi.ErrInvalid)
		}
		return
	}
	b.patterns = append(b.patterns, s)
	setResult(stack, int32(len(b.patterns)-1))
}

func patternsScan(b *Binding, mem api.Memory, stack []uint64) {
	data := read(mem, stack[3], stack[4])
	read(mem, stack[5], stack[6])
	h := int32(uint32(stack[0]))
	if h < 0 || int(h) >= len(b.patterns) {
		setResult(stack, hostabi.ErrNotFound)
		return
	}
	subject, ok := targetSubject(b, stack, stack[1], stack[2], data)
	if !ok {
		return
	}
	// Scratch per set, made on the instance's first scan of it: a
	// restored instance does not pay for sets it never scans.
	if len(b.patternScratch) < len(b.patterns) {
		b.patternScratch = append(b.patternScratch, make([]patternset.Scratch, len(b.patterns)-len(b.patternScratch))...)
	}
	ids := b.patterns[h].Scan(b.regexIDs[:0], subject, hostabi.MaxPatternMatches, &b.patternScratch[h])
	b.regexIDs = ids
	out := read(mem, stack[5], stack[6])
	if n := 4 * len(ids); n <= len(out) {
		for i, id := range ids {
			putU32(out[4*i:], id)
		}
	}
	setResult(stack, int32(4*len(ids)))
}
