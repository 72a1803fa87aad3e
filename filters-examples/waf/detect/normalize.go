package detect

import "strings"

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

	// Base64 decodings, built on demand (see base64Plains).
	b64done        bool
	b64raw, b64low [][]byte
}

func (f *forms) build(raw string, plus bool) {
	f.dec = strings.ReplaceAll(decodeAll(raw, plus), "\x00", "")
	f.built = 0
	f.sqlShape = 0
	f.b64done, f.b64raw, f.b64low = false, f.b64raw[:0], f.b64low[:0]
}

// lowered returns the low view.
func (f *forms) lowered() string {
	if f.built&(1<<viewLow) == 0 {
		f.low = foldSpace(f.dec)
		f.built |= 1 << viewLow
	}
	return f.low
}

// sqlText returns the sql view.
func (f *forms) sqlText() string {
	if f.built&(1<<viewSQL) == 0 {
		f.sql = stripSQLComments(f.lowered())
		f.built |= 1 << viewSQL
	}
	return f.sql
}

// cmdText returns the cmd view.
func (f *forms) cmdText() string {
	if f.built&(1<<viewCmd) == 0 {
		f.cmd = unquoteShell(f.lowered())
		f.built |= 1 << viewCmd
	}
	return f.cmd
}

// sqlDiffers and cmdDiffers say whether those views can differ from the
// low one, without building them.
func (f *forms) sqlDiffers() bool { return strings.Contains(f.dec, "/*") }
func (f *forms) cmdDiffers() bool { return containsShellQuoting(f.dec) }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// foldSpace lower-cases ASCII and collapses whitespace runs to one space.
func foldSpace(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || (isSpace(c) && (c != ' ' || (i > 0 && isSpace(s[i-1])))) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isSpace(c):
			if len(b) > 0 && b[len(b)-1] == ' ' {
				continue
			}
			c = ' '
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// stripSQLComments replaces /* ... */ (MySQL's /*! ... */ keeps its
// body, since MySQL runs it) with a space so that keywords split by
// comments meet again.
func stripSQLComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '*' {
			end := strings.Index(s[i+2:], "*/")
			if i+2 < len(s) && s[i+2] == '!' {
				// Executable comment: drop the markers and any version.
				j := i + 3
				for j < len(s) && '0' <= s[j] && s[j] <= '9' {
					j++
				}
				b.WriteByte(' ')
				if end < 0 {
					b.WriteString(s[j:])
					break
				}
				b.WriteString(s[j : i+2+end])
				b.WriteByte(' ')
				i += 2 + end + 1
				continue
			}
			b.WriteByte(' ')
			if end < 0 {
				break
			}
			i += 2 + end + 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unquoteShell undoes the tricks shells and cmd.exe accept inside a
// command name: c'a't, c\at, c""at, c^at, c$@at, c${x}at and ${IFS} for a
// space. The result is not a faithful parse; it only has to bring the
// command words back together for matching.
func unquoteShell(s string) string {
	if !containsShellQuoting(s) {
		return s
	}
	// Empty substitutions run nothing and vanish: pi$()ng is ping.
	s = emptySubstitutions.Replace(s)
	b := make([]byte, 0, len(s))
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
				b = append(b, ' ')
				if rest[1] == '{' {
					i += len("${ifs}") - 1
				} else {
					i += len("$ifs") - 1
				}
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

var emptySubstitutions = strings.NewReplacer("``", "", "$()", "", "<()", "", ">()", "")

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

// shellQuoting marks the bytes unquoteShell acts on.
var shellQuoting = [256]bool{'\'': true, '"': true, '\\': true, '^': true, '$': true, '`': true, '<': true, '>': true}

func containsShellQuoting(s string) bool {
	for i := 0; i < len(s); i++ {
		if shellQuoting[s[i]] {
			return true
		}
	}
	return false
}
