package detect

import (
	"path"
	"strings"
)

// skipHeaders are headers whose values are structural (negotiation,
// framing, credentials) and full of the punctuation attack rules look
// for. The protocol checks read the framing ones. A list, not a map:
// compared without folding the name first, it allocates nothing.
var skipHeaders = []string{
	"host", "accept", "accept-encoding", "accept-language", "accept-charset",
	"content-length", "content-type", "transfer-encoding", "connection",
	"authorization", "cache-control", "pragma", "if-none-match",
	"if-modified-since", "upgrade-insecure-requests", "te",
}

// fileNameHeaders carry the name of an uploaded file.
var fileNameHeaders = []string{"x-filename", "x_filename", "x.filename", "x-file-name"}

func oneOf(name string, lowerNames []string) bool {
	for _, n := range lowerNames {
		if equalFold(name, n) {
			return true
		}
	}
	return false
}

// skipHeadersByLen is skipHeaders by name length, so that a header is
// compared with the few names of its length only.
var skipHeadersByLen = func() (t [][]string) {
	for _, n := range skipHeaders {
		for len(t) <= len(n) {
			t = append(t, nil)
		}
		t[len(n)] = append(t[len(n)], n)
	}
	return t
}()

func skipHeader(name string) bool {
	return len(name) < len(skipHeadersByLen) && oneOf(name, skipHeadersByLen[len(name)])
}

// inspectPath looks at the path as sent (decoded, so traversal shows)
// and, when they differ, as a server resolves it (so /a/../.env is seen
// as /.env).
func (in *inspection) inspectPath(p string) {
	// '+' is read as a space, as in a query: a path segment that reaches
	// a database or a shell gets the same treatment from many routers.
	in.value(TPath, where{"path", ""}, "", p, true)
	if !resolvable(p) {
		return // nothing a server would resolve differently
	}
	dec := decodeAll(p, false)
	clean := path.Clean("/" + strings.ReplaceAll(dec, `\`, "/"))
	if clean != dec && clean != p {
		in.value(TPath, where{"path", ""}, "", clean, false)
	}
}

// resolvable says whether a server could read path p as another one: it
// holds '%', '.', '\\' or "//".
func resolvable(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%', '.', '\\':
			return true
		case '/':
			if i+1 < len(p) && p[i+1] == '/' {
				return true
			}
		}
	}
	return false
}

// inspectForm walks an application/x-www-form-urlencoded string (a query
// or a form body). Names and values are both inspected: payloads travel
// in names too.
func (in *inspection) inspectForm(s string, nameT, valueT Target) {
	for s != "" {
		var pair string
		pair, s, _ = cutByte(s, '&')
		if pair == "" {
			continue
		}
		name, val, _ := cutByte(pair, '=')
		arg := percentDecode(name, true)
		in.value(nameT, where{"argname:", arg}, arg, name, true)
		in.value(valueT, where{"arg:", arg}, arg, val, true)
	}
}

// inspectHeaders inspects header values; cookies are split into names
// and values so that exclusions by name apply to them.
func (in *inspection) inspectHeaders(hs []Header) {
	for _, h := range hs {
		switch {
		case skipHeader(h.Name):
		case equalFold(h.Name, "cookie"):
			in.inspectCookies(h.Value)
		case equalFold(h.Name, "user-agent"):
			in.value(TUserAgent, where{"header:User-Agent", ""}, "", h.Value, false)
		case equalFold(h.Name, "referer"):
			in.value(TReferer, where{"header:Referer", ""}, "", h.Value, false)
		case oneOf(h.Name, fileNameHeaders):
			in.value(TFilename, where{"file:", h.Name}, "", h.Value, false)
		default:
			in.value(THeader, where{"header:", h.Name}, "", h.Value, false)
		}
	}
}

func (in *inspection) inspectCookies(s string) {
	for s != "" {
		var pair string
		pair, s, _ = cutByte(s, ';')
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, val, _ := cutByte(pair, '=')
		in.value(TCookieName, where{"cookie:", name}, name, name, false)
		in.value(TCookieValue, where{"cookie:", name}, name, val, false)
	}
}
