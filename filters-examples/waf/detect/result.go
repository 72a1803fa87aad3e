package detect

import "strings"

// Match is one rule that fired. It names where, not what: payloads can
// hold secrets and do not belong in logs.
type Match struct {
	Rule  string
	Class Class
	// Where is "path", "arg:NAME", "argname:NAME", "cookie:NAME",
	// "header:NAME", "body", "file:NAME" or "request".
	Where string
	Score int
}

// Result is the verdict on one request.
type Result struct {
	Score   int
	Matches []Match
	// Attack says the score reached the threshold.
	Attack bool
	// BodySkipped says the body was not inspected (over the host's
	// limit); BodyTruncated that only its first MaxBodyBytes were.
	BodySkipped   bool
	BodyTruncated bool
}

// Summary lists the matches as "rule@where" joined by commas, for a
// chain variable or a log line.
func (r *Result) Summary() string {
	var b strings.Builder
	for i, m := range r.Matches {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.Rule)
		b.WriteByte('@')
		b.WriteString(m.Where)
	}
	return b.String()
}
