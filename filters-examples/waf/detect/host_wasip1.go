//go:build wasip1

package detect

import (
	"errors"
	"slices"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/guest"
)

// Inside Gojinn the rules' regular expressions also run on the host
// (guest.CompileRegex: Go's regexp, the engine the guest runs, so every
// match is the same), where a long text costs a native scan instead of
// one inside wasm: a regexp over a 4 KiB value is the WAF's most
// expensive step by far (docs/BENCHMARKS.md, "WAF"). Whenever the host
// refuses (outside configure, over a limit), the in-guest regexp decides.

// hostPattern is where a rule's expression is on the host: one of the
// expressions of a set, which are matched together.
type hostPattern struct {
	set guest.Regex
	// at is the rule's index in set.
	at int
}

// hostRegexMin is the shortest text a rule's expression is matched on
// the host for. A host call (about 0.15 us, plus the set's other
// expression) is dearer than the in-guest regexp on a few bytes and far
// cheaper on a long text; 64, 128 and 256 measured alike on the
// benchmark requests (docs/BENCHMARKS.md, "The WAF on the host
// primitives"), which hold either short values or a 3.8 KiB one.
const hostRegexMin = 128

// compileHostPatterns compiles the expressions of the enabled rules on
// the host. An instance has hostabi.MaxRegexSets sets, fewer than the
// rules, so rules that read the same view share a set, as few to a set
// as fit: a match runs every expression of the set, natively, which
// still costs a fraction of one in wasm. A rule the host refuses keeps
// its in-guest regexp alone.
func compileHostPatterns(rules []rule, enabled func(i int) bool) {
	var byView [numViews][]int
	total := 0
	for i := range rules {
		if r := &rules[i]; r.re != nil && enabled(i) && len(r.pattern) <= hostabi.MaxRegexLen {
			byView[r.view] = append(byView[r.view], i)
			total++
		}
	}
	// Each view's last set may be partly filled: with per rules to a
	// set, the sets are at most total/per + numViews.
	sets := hostabi.MaxRegexSets - int(numViews)
	per := max(1, (total+sets-1)/sets)
	for _, list := range byView {
		for chunk := range slices.Chunk(list, per) {
			patterns := make([]string, len(chunk))
			for k, i := range chunk {
				patterns[k] = rules[i].pattern
			}
			set, err := guest.CompileRegex(patterns...)
			if errors.Is(err, guest.ErrPhase) {
				return // not in configure: everything stays in wasm
			}
			if err != nil {
				continue // over the set's size: these rules stay in wasm
			}
			for k, i := range chunk {
				rules[i].host = &hostPattern{set: set, at: k}
			}
		}
	}
}

// matchPattern is r.re.MatchString(s), on the host when r's expression
// is there and s is long enough for that to be cheaper.
func (r *rule) matchPattern(f *forms, s string) bool {
	if r.host != nil && len(s) >= hostRegexMin {
		ids, err := r.host.set.Which(f.hostIDs[:0], s)
		f.hostIDs = ids[:0]
		if err == nil {
			return slices.Contains(ids, r.host.at)
		}
		// Past the host's work limit: the in-guest regexp decides, as it
		// does for every text the host does not see.
	}
	return r.re.MatchString(s)
}
