//go:build !wasip1

package detect

// hostPattern is, inside Gojinn, where a rule's expression is on the host
// (host_wasip1.go). Natively the regexps run at native speed already:
// there is no host to hand them to, and nothing to compile.
type hostPattern struct{}

func compileHostPatterns([]rule, func(int) bool) {}

func (r *rule) matchPattern(_ *forms, s string) bool { return r.re.MatchString(s) }
