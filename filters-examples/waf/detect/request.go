package detect

// Header is one request header field. A header sent twice appears twice.
type Header struct {
	Name  string
	Value string
}

// Request is what the engine inspects: plain data, so the same engine
// runs natively (tests, benchmarks, the evaluation command) and inside the
// wasm filter. Inspect neither modifies nor keeps any of it, and its
// Body must not change while Inspect runs.
type Request struct {
	Method string
	// URI is the request target as received: path and raw query.
	URI     string
	Headers []Header
	Body    []byte
	// BodyUnread says the request has a body the engine could not have
	// (over the host's limit); it is reported, not guessed at.
	BodyUnread bool
}

// header returns the first value of the named header (name in lower
// case), compared without regard to case.
func (r *Request) header(lower string) (string, bool) {
	for _, h := range r.Headers {
		if equalFold(h.Name, lower) {
			return h.Value, true
		}
	}
	return "", false
}

// equalFold compares s with an ASCII lower-case string, ignoring case.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// splitURI splits a request target into path and raw query.
func splitURI(uri string) (path, query string) {
	path, query, _ = cutByte(uri, '?')
	return path, query
}

// cutByte is strings.Cut with a one-byte separator, through indexByte.
func cutByte(s string, sep byte) (before, after string, found bool) {
	if i := indexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}
