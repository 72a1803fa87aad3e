package detect

import "strings"

// Gates: cheap preconditions that spare rules their regexp on values
// that cannot match.

// hasFrom gates rules whose pattern needs FROM besides their keyword.
func hasFrom(f *forms) bool { return strings.Contains(f.sqlText(), "from") }

// tagOpen gates the tag rules: a '<' right before a letter, '/', '!'
// or '?' opens markup as browsers parse it; "x < y" does not.
func tagOpen(f *forms) bool {
	s := f.dec
	for i := indexByte(s, '<'); i >= 0; {
		if i+1 < len(s) {
			if c := s[i+1] | 0x20; 'a' <= c && c <= 'z' || c == '/' || c == '!' || c == '?' {
				return true
			}
		}
		k := indexByte(s[i+1:], '<')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}
