package detect

import (
	"strings"
	"unsafe"
)

// forms holds the normalised views of one inspected value. Each attack
// class looks at the view its payloads survive in: SQL comments split
// keywords, shell quotes split command names, and so on. The decoded
// view is built for every value; the others when a rule first asks, since
// most values interest no rule (the keyword scan reads the decoded view
// as if it were lower-cased and blank-folded). Views are shared by every
// rule.
type forms struct {
	// dec is the fully decoded value, NUL bytes removed, case kept.
	dec string
	// cls are the classes of dec's bytes.
	cls charClass
	// comment says dec holds "/*", so that the sql view differs.
	comment bool
	// low is dec lower-cased with every whitespace run made one space.
	low string
	// sql is low with /* */ comments replaced by a space.
	sql string
	// cmd is low with shell and cmd.exe quoting removed: quotes,
	// backslashes, carets, empty expansions ($@, $*, ${x}) and $IFS.
	cmd string
	// built has a bit per lazy view (1<<viewLow...) already built.
	built uint8

	// sqlShape caches sqlShaped: 0 unknown, 1 no, 2 yes.
	sqlShape uint8
	// sqlWords is sqlWordsAbsent when the keyword scan found no word of
	// sqlGateList in the sql view, sqlWordsUnknown otherwise.
	sqlWords uint8

	// Base64 decodings, built on demand (see base64Plains).
	b64done        bool
	b64raw, b64low [][]byte
	// b64buf is decodeRun's scratch for the encoded text.
	b64buf []byte

	// arena holds the bytes of the views and decodings built for the
	// values of one request, so that a request allocates a few chunks
	// rather than an object per view (allocation is dear inside wasm).
	// Bytes below len(arena) are never written again, which is what
	// makes strings over them safe.
	arena []byte
	// hostIDs is the scratch of the rules' matches on the host.
	hostIDs []int
}

const (
	sqlWordsUnknown = iota
	sqlWordsAbsent
)

// minArena is the size of the first arena chunk: enough for the views of
// a typical request's values.
const minArena = 1024

// room returns the arena's free tail with capacity for at least n bytes.
// What is appended to it stays uncommitted until keep.
func (f *forms) room(n int) []byte {
	if cap(f.arena)-len(f.arena) < n {
		// Earlier chunks stay alive through the strings over them.
		f.arena = make([]byte, 0, max(n, 2*cap(f.arena), minArena))
	}
	return f.arena[len(f.arena):]
}

// keep commits b, appended to room(n) within its capacity, and returns
// it as a string.
func (f *forms) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	f.arena = f.arena[:len(f.arena)+len(b)]
	return unsafe.String(&b[0], len(b))
}

// keepBytes is keep for bytes: b's capacity is cut to its length, so
// that appending to it cannot write over the arena.
func (f *forms) keepBytes(b []byte) []byte {
	f.arena = f.arena[:len(f.arena)+len(b)]
	return b[:len(b):len(b)]
}

func (f *forms) build(raw string, plus bool) {
	dec, cls := raw, classesOf(raw)
	// The test needsDecode makes, from the summary.
	if cls&cDecode != 0 || (plus && cls&cPlus != 0) {
		dec = decodeAll(raw, plus)
		cls = classesOf(dec)
	}
	if cls&cNUL != 0 {
		dec = strings.ReplaceAll(dec, "\x00", "")
		cls &^= cNUL
	}
	if len(dec) >= minBase64Run {
		cls |= cLong
	}
	f.dec, f.cls = dec, cls
	f.comment = cls.has(cSlash|cStar) && strings.Contains(dec, "/*")
	f.built = 0
	f.sqlShape = 0
	f.sqlWords = sqlWordsUnknown
	f.b64done, f.b64raw, f.b64low = false, f.b64raw[:0], f.b64low[:0]
}

// The views below are never longer than what they are built from, so
// they fit the room asked for.

// lowered returns the low view.
func (f *forms) lowered() string {
	if f.built&(1<<viewLow) == 0 {
		f.low = f.dec
		// Without upper case and blanks other than ' ', only a run of
		// spaces can change; without spaces, nothing.
		if f.cls&(cUpper|cCtlSpace) != 0 || (f.cls&cSpace != 0 && hasDouble(f.dec, ' ')) {
			f.low = f.keep(appendFoldSpace(f.room(len(f.dec)), f.dec))
		}
		f.built |= 1 << viewLow
	}
	return f.low
}

// sqlText returns the sql view.
func (f *forms) sqlText() string {
	if f.built&(1<<viewSQL) == 0 {
		f.sql = f.lowered()
		if f.sqlDiffers() {
			f.sql = f.keep(appendSQLStripped(f.room(len(f.low)), f.low))
		}
		f.built |= 1 << viewSQL
	}
	return f.sql
}

// cmdText returns the cmd view.
func (f *forms) cmdText() string {
	if f.built&(1<<viewCmd) == 0 {
		f.cmd = f.lowered()
		if f.cmdDiffers() {
			s := f.low
			if f.cls&(cBacktick|cParen) != 0 {
				// Empty substitutions run nothing and vanish: pi$()ng
				// is ping.
				s = removeEmptySubstitutions(s)
			}
			f.cmd = f.keep(appendUnquoteShell(f.room(len(s)), s))
		}
		f.built |= 1 << viewCmd
	}
	return f.cmd
}

// sqlDiffers and cmdDiffers say whether those views can differ from the
// low one, without building them. The low view holds the same
// punctuation as dec.
func (f *forms) sqlDiffers() bool { return f.comment }
func (f *forms) cmdDiffers() bool { return f.cls&cShell != 0 }

// hasDouble says whether s holds c twice in a row, through indexByte.
func hasDouble(s string, c byte) bool {
	for i := 0; ; i++ {
		k := indexByte(s[i:], c)
		if k < 0 {
			return false
		}
		i += k
		if i+1 < len(s) && s[i+1] == c {
			return true
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// appendFoldSpace appends s to dst with ASCII lower-cased and each
// whitespace run collapsed to one space.
func appendFoldSpace(dst []byte, s string) []byte {
	blank := false
	for i := 0; i < len(s); i++ {
		c := foldByte[s[i]]
		if c == ' ' {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		dst = append(dst, c)
	}
	return dst
}

// foldByte is what appendFoldSpace makes of each byte.
var foldByte = func() (t [256]byte) {
	for c := range t {
		switch b := byte(c); {
		case isSpace(b):
			t[c] = ' '
		case 'A' <= b && b <= 'Z':
			t[c] = b + 'a' - 'A'
		default:
			t[c] = b
		}
	}
	return t
}()

// appendSQLStripped appends s to dst with each /* ... */ replaced by a
// space (MySQL's /*! ... */ keeps its body, since MySQL runs it), so
// that keywords split by comments meet again.
func appendSQLStripped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '*' {
			end := strings.Index(s[i+2:], "*/")
			if i+2 < len(s) && s[i+2] == '!' {
				// Executable comment: drop the markers and any version.
				j := i + 3
				for j < len(s) && '0' <= s[j] && s[j] <= '9' {
					j++
				}
				dst = append(dst, ' ')
				if end < 0 {
					dst = append(dst, s[j:]...)
					break
				}
				dst = append(dst, s[j:i+2+end]...)
				dst = append(dst, ' ')
				i += 2 + end + 1
				continue
			}
			dst = append(dst, ' ')
			if end < 0 {
				break
			}
			i += 2 + end + 1
			continue
		}
		dst = append(dst, s[i])
	}
	return dst
}

// appendUnquoteShell appends s to dst with the tricks shells and cmd.exe
// accept inside a command name undone: c'a't, c\at, c""at, c^at, c$@at,
// c${x}at and ${IFS} for a space. The result is not a faithful parse; it
// only has to bring the command words back together for matching.
// The empty substitutions are removed first (removeEmptySubstitutions).
func appendUnquoteShell(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'', '"', '\\', '^':
			continue
		case '$':
			if n := emptyExpansion(s[i:]); n > 0 {
				i += n - 1
				continue
			}
			if rest := s[i:]; strings.HasPrefix(rest, "${ifs}") || strings.HasPrefix(rest, "$ifs") {
				dst = append(dst, ' ')
				if rest[1] == '{' {
					i += len("${ifs}") - 1
				} else {
					i += len("$ifs") - 1
				}
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// removeEmptySubstitutions removes the empty substitutions (a pair of
// backticks, "$()", "<()" and ">()") left to right, as a strings.Replacer
// of the four would, without the replacer's allocations on the many
// values that hold none.
func removeEmptySubstitutions(s string) string {
	var b []byte
	last := 0
	for i := 0; i+1 < len(s); i++ {
		n := 0
		switch s[i] {
		case '`':
			if s[i+1] == '`' {
				n = 2
			}
		case '$', '<', '>':
			if s[i+1] == '(' && i+2 < len(s) && s[i+2] == ')' {
				n = 3
			}
		}
		if n == 0 {
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, s[last:i]...)
		i += n - 1
		last = i + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// emptyExpansion returns the length of a shell expansion at s that is
// empty in practice ($@, $*, $!, $1-$9, ${x} with a short name, $u), or 0.
func emptyExpansion(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch c := s[1]; {
	case c == '@' || c == '*' || c == '!' || c == '?' || c == '_' || c == '$' || ('1' <= c && c <= '9'):
		return 2
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end > 2 && end <= 14 && !strings.ContainsAny(s[2:end], ":{$ ") && s[2:end] != "ifs" {
			return end + 1
		}
	}
	return 0
}
