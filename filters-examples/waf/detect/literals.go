package detect

import "strings"

// Builders of rule keywords, so that rule tables list what they look for
// rather than every spelling of it.

// words turns a space-separated list into keywords, so that rule tables
// stay readable.
func words(s string) []string { return strings.Fields(s) }

// followedBy builds keywords for a pattern of the shape `p\s*word`:
// each word right after p, and after p and one blank (views fold blank
// runs to one).
func followedBy(p string, list string) []string {
	var out []string
	for _, w := range strings.Fields(list) {
		out = append(out, p+w, p+" "+w)
	}
	return out
}

// calls builds keywords for function calls: each name with "(" right
// after it and after one blank.
func calls(list string) []string {
	var out []string
	for _, w := range strings.Fields(list) {
		out = append(out, w+"(", w+" (")
	}
	return out
}

// dollarNames are keywords for "$name": a '$' before a letter, '_', '{'
// or another '$' (and not a price like "$5").
func dollarNames() []string {
	out := []string{"$_", "${", "$ {", "$$"}
	for c := 'a'; c <= 'z'; c++ {
		out = append(out, "$"+string(c))
	}
	return out
}
