package detect

import "strings"

// lexicon is a set of lower-case names, for word lists too long to run
// as a regexp alternation (Go's regexp walks every branch at every byte).
// An entry ending in '*' names a family: "jsonb_*" holds jsonb_set.
//
// Most words looked up are not in the set, and string hashing is slow
// inside wasm, so a small signature of (length, first byte, last byte)
// answers most misses before the map is consulted.
type lexicon struct {
	names map[string]bool
	sig   [lexiconSigBits / 64]uint64
	// prefixes holds the families by their first byte.
	prefixes [256][]string
}

const lexiconSigBits = 4096

func signature(w string) uint {
	return (uint(len(w))*131 + uint(w[0])*31 + uint(w[len(w)-1])) % lexiconSigBits
}

func newLexicon(lists ...string) *lexicon {
	l := &lexicon{names: map[string]bool{}}
	for _, list := range lists {
		for _, w := range strings.Fields(list) {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				l.prefixes[p[0]] = append(l.prefixes[p[0]], p)
				continue
			}
			l.names[w] = true
			k := signature(w)
			l.sig[k/64] |= 1 << (k % 64)
		}
	}
	return l
}

// lexiconWords turns a lexicon list into keywords: each name, and each
// family's prefix.
func lexiconWords(list string) []string {
	ws := strings.Fields(list)
	for i, w := range ws {
		ws[i] = strings.TrimSuffix(w, "*")
	}
	return ws
}

func (l *lexicon) has(name string) bool {
	if name == "" {
		return false
	}
	if k := signature(name); l.sig[k/64]&(1<<(k%64)) != 0 && l.names[name] {
		return true
	}
	for _, p := range l.prefixes[name[0]] {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// lowerName returns name in lower case, without allocating when it
// already is.
func lowerName(name string) string {
	for i := 0; i < len(name); i++ {
		if 'A' <= name[i] && name[i] <= 'Z' {
			return strings.ToLower(name)
		}
	}
	return name
}

// gapKind says what may stand between a function name and its '('.
type gapKind uint8

const (
	gapNone  gapKind = iota // name(
	gapSpace                // name (
	gapCode                 // name /* c */ #c\n //c\n (   (PHP)
)

// skipGap returns the index after the gap starting at i.
func skipGap(s string, i int, kind gapKind) int {
	if kind == gapNone {
		return i
	}
	for i < len(s) {
		switch c := s[i]; {
		case isSpace(c):
			i++
		case kind == gapCode && c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return len(s)
			}
			i += end + 4
		case kind == gapCode && (c == '#' || (c == '/' && i+1 < len(s) && s[i+1] == '/')):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return len(s)
			}
			i += end + 1
		default:
			return i
		}
	}
	return i
}

// hasCall reports whether s calls a function of lex: a name standing on
// its own (not a method, a property or the tail of a longer name)
// followed, past a gap of the given kind, by '('.
func hasCall(s string, lex *lexicon, kind gapKind) bool {
	return hasCallGap(s, lex, kind, nil)
}

// hasCallGap is hasCall for lists that hold English words too. Names
// that distinct accepts are calls with any gap and any arguments; the
// others only written tight against their parenthesis and not with a
// parenthesised word after them: "copy (see below)" and "file(s)" are
// prose, "copy(" and "file($x)" are calls.
func hasCallGap(s string, lex *lexicon, kind gapKind, distinct func(name string) bool) bool {
	if kind == gapCode {
		return hasCallForward(s, lex, kind, distinct)
	}
	// Without comments a gap is only blanks, so each '(' is walked back
	// from to the one name it can belong to: far fewer steps than
	// reading every word, since most values hold few parentheses.
	for p := 0; p < len(s); p++ {
		k := indexByte(s[p:], '(')
		if k < 0 {
			break
		}
		p += k
		j := p
		if kind == gapSpace {
			for j > 0 && isSpace(s[j-1]) {
				j--
			}
		}
		i := j
		for i > 0 && isIdentByte(s[i-1]) {
			i--
		}
		if i < j && (i == 0 || !callPrefix(s[i-1])) && isCall(s, i, j, p, lex, distinct) {
			return true
		}
	}
	return false
}

// hasCallForward is hasCallGap reading every word, for gaps that can
// hold comments.
func hasCallForward(s string, lex *lexicon, kind gapKind, distinct func(name string) bool) bool {
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) || (i > 0 && (isIdentByte(s[i-1]) || callPrefix(s[i-1]))) {
			continue
		}
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		k := skipGap(s, j, kind)
		if k < len(s) && s[k] == '(' && isCall(s, i, j, k, lex, distinct) {
			return true
		}
		i = j
	}
	return false
}

// callPrefix: a name after one of these is a variable, a method, a
// property or part of a longer name, not a function of the list.
func callPrefix(c byte) bool {
	return c == '$' || c == '>' || c == '.' || c == ':' || c == '\\' || c == '-'
}

// isCall decides for the name s[i:j] and the '(' at k.
func isCall(s string, i, j, k int, lex *lexicon, distinct func(name string) bool) bool {
	name := lowerName(s[i:j])
	return lex.has(name) && (distinct == nil || distinct(name) || codeGap(s[j:k]) || (k == j && !proseParens(s[k:])))
}

// endsWithCallFragment reports whether s ends in a name of lex, up to six
// non-word characters and '(': the open call a probe leaves dangling.
func endsWithCallFragment(s string, lex *lexicon) bool {
	if !strings.HasSuffix(s, "(") {
		return false
	}
	j := len(s) - 1
	for j > 0 && len(s)-1-j < 6 && !isIdentByte(s[j-1]) {
		j--
	}
	i := j
	for i > 0 && isIdentByte(s[i-1]) {
		i--
	}
	return i < j && lex.has(lowerName(s[i:j]))
}

// hasWord reports whether s holds a word of lex, alone or as "word.exe".
func hasWord(s string, lex *lexicon) bool {
	for i := 0; i < len(s); {
		if !isIdentByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		if lex.has(lowerName(s[i:j])) {
			return true
		}
		i = j
	}
	return false
}

// codeGap: a comment or a line break between a name and its
// parenthesis is code, never prose.
func codeGap(gap string) bool { return strings.ContainsAny(gap, "#/\n\r") }

// proseParens: s opens a parenthesis holding only letters and blanks,
// closed and not followed by code punctuation: the "(s)" of plurals and
// the asides of prose. A command name in it (system(whoami)) is code.
func proseParens(s string) bool {
	i := 1
	for i < len(s) && ('a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || s[i] == ' ') {
		i++
	}
	if i == 1 || i >= len(s) || s[i] != ')' || distinctCommands.has(lowerName(strings.TrimSpace(s[1:i]))) {
		return false
	}
	i++
	return i >= len(s) || strings.IndexByte(";(.[", s[i]) < 0
}
