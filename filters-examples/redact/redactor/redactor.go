// Package redactor finds e-mail addresses and payment card numbers in
// text and JSON and replaces them. It is the logic of the redact filter,
// kept free of the host so that it is tested and measured natively.
//
// Matching is done by a hand-written byte scanner rather than regexp: one
// forward pass, no backtracking, no allocation when nothing matches, and a
// Luhn check that a regular expression cannot express anyway.
//
// E-mail addresses: a local part of letters, digits and
// . _ % + - ' (leading dots dropped), "@", then a domain of at least two
// dot-separated labels of letters, digits and inner hyphens, whose last
// label (the TLD) starts with a letter and is at least two bytes long.
// "a@b", "user@localhost" and "1.5@2.0" are not addresses.
//
// Card numbers: 13 to 19 digits, either contiguous or in groups joined by
// one kind of separator (a single space or a single dash), where the
// first group has at least 4 digits and every other group at least 2;
// the number passes the Luhn check and starts like a card of a major
// network (3, 4, 5, 6, or 2221-2720 for Mastercard's 2-series, so
// millisecond and microsecond Unix timestamps, which start with 1, never
// match). A run of digits is judged whole: a card-like stretch inside a
// longer number, or glued to a letter, digit, underscore or '@', or to a
// '-' or '.' that continues a word or number, is left alone.
package redactor

// Options says what to redact and with what.
type Options struct {
	// Emails and Cards turn each kind of match on.
	Emails, Cards bool
	// Replacement replaces a match. Any UTF-8 text; it is escaped as
	// needed inside JSON strings.
	Replacement string
	// CardKeepLast4 masks a card's digits with '*' except the last four,
	// keeping its separators ("****-****-****-1234"), instead of using
	// Replacement.
	CardKeepLast4 bool
}

// Redactor redacts with fixed options. It holds no per-call state and is
// safe for concurrent use.
type Redactor struct {
	opts Options
	// repl is Replacement as it goes in text; replJSON is its content
	// once escaped for a JSON string.
	repl, replJSON []byte
}

// New returns a Redactor for opts.
func New(opts Options) *Redactor {
	return &Redactor{
		opts:     opts,
		repl:     []byte(opts.Replacement),
		replJSON: appendJSONStringContent(nil, []byte(opts.Replacement)),
	}
}

// Text redacts src as plain text. It returns src itself, not a copy,
// when nothing matched, and the number of replacements.
func (r *Redactor) Text(src []byte) ([]byte, int) {
	st := state{src: src}
	r.scan(&st, 0, len(src), false)
	return st.finish()
}

// state is one redaction in progress: the output is built lazily, so a
// body without matches costs no copy.
type state struct {
	src  []byte
	dst  []byte
	last int // src[:last] is accounted for in dst
	n    int
}

// replace emits src[last:start], then repl, and skips src[start:end].
func (st *state) replace(start, end int, repl []byte) {
	if st.dst == nil {
		st.dst = make([]byte, 0, len(st.src)+len(st.src)/16+16)
	}
	st.dst = append(st.dst, st.src[st.last:start]...)
	st.dst = append(st.dst, repl...)
	st.last = end
	st.n++
}

// replaceMasked replaces the card src[start:end] by its masked form.
func (st *state) replaceMasked(start, end int) {
	st.replace(start, end, nil)
	st.dst = appendMasked(st.dst, st.src[start:end])
}

func (st *state) finish() ([]byte, int) {
	if st.n == 0 {
		return st.src, 0
	}
	return append(st.dst, st.src[st.last:]...), st.n
}

// Byte classes.
const (
	cDigit = 1 << iota
	cAlpha
	cLocal  // may be in an e-mail local part
	cDomain // may be in a domain label
	cWord   // letters, digits, '_': glues to a number
	cStart  // digits and '@': where a match is looked for
	cStop   // '"', '\\' and control bytes: where a JSON string's plain run ends
)

var class [256]uint8

func init() {
	for c := 0; c < 256; c++ {
		var k uint8
		switch {
		case c >= '0' && c <= '9':
			k = cDigit | cLocal | cDomain | cWord
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			k = cAlpha | cLocal | cDomain | cWord
		}
		switch c {
		case '_':
			k |= cLocal | cWord
		case '.', '%', '+', '\'':
			k |= cLocal
		case '-':
			k |= cLocal | cDomain
		case '@':
			k |= cStart
		}
		if c >= '0' && c <= '9' {
			k |= cStart
		}
		if c == '"' || c == '\\' || c < 0x20 {
			k |= cStop
		}
		class[c] = k
	}
}

func is(c byte, k uint8) bool { return class[c]&k != 0 }

// scan redacts st.src[from:to]. inJSON says the window is the raw content
// of a JSON string without escapes, so replacements are JSON-escaped.
func (r *Redactor) scan(st *state, from, to int, inJSON bool) {
	src := st.src
	for i := from; i < to; {
		if class[src[i]]&cStart == 0 {
			i++
			continue
		}
		i = r.matchAt(st, from, i, to, inJSON)
	}
}

// matchAt tries a match at src[i], a digit or '@', within the window
// [from, to), replaces it if there is one, and returns where to go on.
func (r *Redactor) matchAt(st *state, from, i, to int, inJSON bool) int {
	src := st.src
	repl := r.repl
	if inJSON {
		repl = r.replJSON
	}
	if src[i] != '@' {
		end, ok := r.cardAt(src, from, i, to)
		if ok && r.opts.Cards {
			if r.opts.CardKeepLast4 {
				st.replaceMasked(i, end)
			} else {
				st.replace(i, end, repl)
			}
		}
		return end
	}
	if !r.opts.Emails {
		return i + 1
	}
	lo := from
	if st.last > lo {
		lo = st.last
	}
	if s, e, ok := emailAt(src, lo, i, to); ok {
		st.replace(s, e, repl)
		return e
	}
	return i + 1
}

// cardAt judges the run of digits starting at src[i] (a digit that no
// earlier run covers) and returns where the run ends, whether or not it
// is a card. The run is digits joined by one kind of separator.
func (r *Redactor) cardAt(src []byte, from, i, to int) (end int, ok bool) {
	var (
		digits   int
		groups   int
		groupLen int
		shortest = 99
		first    int
		sep      byte
		buf      [19]byte
	)
	j := i
	for {
		for j < to && src[j] >= '0' && src[j] <= '9' {
			if digits < len(buf) {
				buf[digits] = src[j]
			}
			digits++
			groupLen++
			j++
		}
		groups++
		if groups == 1 {
			first = groupLen
		} else if groupLen < shortest {
			shortest = groupLen
		}
		groupLen = 0
		// A separator continues the run only between digits, and only
		// the run's first kind of separator does.
		if j+1 < to && (src[j] == ' ' || src[j] == '-') && src[j+1] >= '0' && src[j+1] <= '9' &&
			(sep == 0 || sep == src[j]) {
			sep = src[j]
			j++
			continue
		}
		break
	}
	end = j
	if digits < 13 || digits > 19 {
		return end, false
	}
	if groups > 1 && (first < 4 || shortest < 2) {
		return end, false
	}
	// Boundaries: not glued to a word, an '@', or a '-'/'.' that goes on
	// into a word or number.
	if i > from {
		p := src[i-1]
		if is(p, cWord) || p == '@' {
			return end, false
		}
		if (p == '-' || p == '.') && i-1 > from && is(src[i-2], cWord) {
			return end, false
		}
	}
	if end < to {
		n := src[end]
		if is(n, cWord) || n == '@' {
			return end, false
		}
		if end+1 < to {
			nn := src[end+1]
			if (n == '-' || n == '.') && is(nn, cWord) {
				return end, false
			}
			// The run stopped at a separator of the other kind followed
			// by a digit: it is part of a longer number.
			if n == ' ' && nn >= '0' && nn <= '9' {
				return end, false
			}
		}
	}
	return end, isCardNumber(buf[:digits])
}

// isCardNumber reports whether d (13-19 ASCII digits) has a major
// network's prefix and passes the Luhn check.
func isCardNumber(d []byte) bool {
	switch d[0] {
	case '3', '4', '5', '6':
	case '2':
		p := int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
		if p < 221 || p > 720 {
			return false
		}
	default:
		return false
	}
	return luhn(d)
}

// luhn reports whether the ASCII digits d pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// appendMasked appends card with every digit but the last four as '*'.
func appendMasked(dst, card []byte) []byte {
	digits := 0
	for _, c := range card {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	for _, c := range card {
		if c >= '0' && c <= '9' {
			if digits > 4 {
				c = '*'
			}
			digits--
		}
		dst = append(dst, c)
	}
	return dst
}

// emailAt matches an address around the '@' at src[at], looking no
// further left than lo and no further right than to.
func emailAt(src []byte, lo, at, to int) (start, end int, ok bool) {
	s := at
	for s > lo && is(src[s-1], cLocal) {
		s--
	}
	for s < at && src[s] == '.' {
		s++
	}
	if s == at {
		return 0, 0, false
	}
	// Domain: labels of letters, digits and inner hyphens, joined by
	// single dots. Remember where the last label that could be a TLD
	// ended, with at least two labels before it ends.
	j := at + 1
	labels := 0
	end = -1
	for {
		ls := j
		for j < to && is(src[j], cDomain) {
			j++
		}
		le := j // a label may not end with '-': stop before them
		for le > ls && src[le-1] == '-' {
			le--
		}
		if le == ls || src[ls] == '-' {
			break
		}
		labels++
		if labels >= 2 && le-ls >= 2 && is(src[ls], cAlpha) {
			end = le
		}
		if le == j && j+1 < to && src[j] == '.' && is(src[j+1], cDomain) {
			j++
			continue
		}
		break
	}
	if end < 0 {
		return 0, 0, false
	}
	return s, end, true
}
