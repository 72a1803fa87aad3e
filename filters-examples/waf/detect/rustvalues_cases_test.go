//go:build !wasip1

package detect

import (
	"strings"
	"testing"
)

// valuesReq is a request of the table: a method, a target, headers as
// name/value pairs and a body.
func valuesReq(method, uri, body string, headers ...string) *Request {
	r := &Request{Method: method, URI: uri}
	if body != "" {
		r.Body = []byte(body)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Headers = append(r.Headers, Header{headers[i], headers[i+1]})
	}
	return r
}

// valuesTyped is a POST of body with the given content type.
func valuesTyped(contentType, body string) *Request {
	return valuesReq("POST", "/", body, "Content-Type", contentType)
}

func valuesMultipart(boundary string, parts ...string) string {
	var b strings.Builder
	b.WriteString("preamble\r\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\nepilogue")
	return b.String()
}

// valuesManyKeys is a JSON array of objects with more keys than sawKey keeps.
func valuesManyKeys() string {
	var b strings.Builder
	b.WriteString("[")
	for round := range 2 {
		if round > 0 {
			b.WriteString(",")
		}
		b.WriteString("{")
		for k := range maxSeenKeys + 6 {
			if k > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"k` + strings.Repeat("x", k%7) + string(rune('a'+k%26)) + string(rune('a'+k/26)) + `":"v"`)
		}
		b.WriteString("}")
	}
	b.WriteString("]")
	return b.String()
}

// valuesCases take each branch of request.go, targets.go, body.go,
// jsonbody.go, multipart.go, xmlbody.go and protocol.go, and the edges of
// Go's string functions the port reproduces (TrimSpace's Unicode spaces,
// EqualFold's and ToLower's non-ASCII letters, invalid UTF-8).
var valuesCases = []struct {
	name string
	req  *Request
}{
	// paths: as sent, and as a server resolves them
	{"root", valuesReq("GET", "/", "")},
	{"empty target", valuesReq("GET", "", "")},
	{"plain path", valuesReq("GET", "/a/b/c.html", "")},
	{"dot dot", valuesReq("GET", "/a/../.env", "")},
	{"dot", valuesReq("GET", "/a/./b/.", "")},
	{"double slash", valuesReq("GET", "//etc//passwd", "")},
	{"encoded traversal", valuesReq("GET", "/a%2f..%2f..%2f.env", "")},
	{"double encoded", valuesReq("GET", "/static/%252e%252e/%252e%252e/config", "")},
	{"backslashes", valuesReq("GET", `/a\..\..\windows\win.ini`, "")},
	{"relative", valuesReq("GET", "a/../../b", "")},
	{"decoded is clean", valuesReq("GET", "/%41bc", "")},
	{"clean is raw", valuesReq("GET", "/a.b", "")},
	{"above root", valuesReq("GET", "/../../..", "")},
	{"trailing slash dot", valuesReq("GET", "/a/b/..", "")},
	{"plus in path", valuesReq("GET", "/a+b/c%20d", "")},
	{"bad escape", valuesReq("GET", "/x%zz%", "")},
	{"invalid utf8 path", valuesReq("GET", "/\xff/../\xc0\xae", "")},
	// queries
	{"query pairs", valuesReq("GET", "/s?a=1&b=2", "")},
	{"query without value", valuesReq("GET", "/s?a&b=", "")},
	{"query without name", valuesReq("GET", "/s?=x&=", "")},
	{"query empty pairs", valuesReq("GET", "/s?&&a=1&&", "")},
	{"query question only", valuesReq("GET", "/s?", "")},
	{"query second question", valuesReq("GET", "/s?a=1?b=2", "")},
	{"query encoded names", valuesReq("GET", "/s?%61%5B%5D=%62&a+b=c+d&%zz=1", "")},
	{"query repeated", valuesReq("GET", "/s?id=1&id=1&id=2", "")},
	{"query many equals", valuesReq("GET", "/s?a==b=c", "")},
	// headers
	{"skip headers", valuesReq("GET", "/", "",
		"Host", "h'", "Accept", "a'", "Accept-Encoding", "e'", "Accept-Language", "l'", "Accept-Charset", "c'",
		"Content-Length", "0", "Content-Type", "t'", "Transfer-Encoding", "chunked", "Connection", "c'",
		"Authorization", "Bearer x'", "Cache-Control", "c'", "Pragma", "p'", "If-None-Match", `"x'"`,
		"If-Modified-Since", "d'", "Upgrade-Insecure-Requests", "1'", "TE", "trailers")},
	{"skip headers any case", valuesReq("GET", "/", "", "HOST", "x", "content-TYPE", "y", "te", "z")},
	{"near skip headers", valuesReq("GET", "/", "", "Hosts", "x", "X-Host", "y", "T", "z", "Accept-Encodings", "w")},
	{"named headers", valuesReq("GET", "/", "", "User-Agent", "curl/8", "REFERER", "https://r/", "X-Other", "v", "x-empty", "")},
	{"file name headers", valuesReq("GET", "/", "", "X-Filename", "a.php", "x_filename", "b.php", "X.FileName", "c", "X-File-Name", "d", "X-Filenames", "e")},
	{"repeated header", valuesReq("GET", "/", "", "X-A", "1", "X-A", "2", "User-Agent", "a", "user-agent", "b")},
	// cookies
	{"cookies", valuesReq("GET", "/", "", "Cookie", "a=1; b=2")},
	{"cookie spaces and empties", valuesReq("GET", "/", "", "Cookie", " a = 1 ;;  ; b ;=x; c=; ;")},
	{"cookie unicode spaces", valuesReq("GET", "/", "", "Cookie", "\u00a0a=1\u3000;\u2028b=\u0085;\u200bc=1")},
	{"cookie invalid utf8", valuesReq("GET", "/", "", "Cookie", "\xffa=1 \xff; \xe3\x80 b=2;\xc2")},
	{"cookie header case", valuesReq("GET", "/", "", "COOKIE", "x=1", "cookie", "x=1")},
	{"cookie empty", valuesReq("GET", "/", "", "Cookie", "")},
	{"cookie equals in value", valuesReq("GET", "/", "", "Cookie", "t=a=b==; u==")},
	// bodies by type
	{"body without type", valuesReq("POST", "/", "a=1&b=%27\r\n\r\n")},
	{"form", valuesTyped("application/x-www-form-urlencoded", "user=admin%27--&pw=x+y&")},
	{"form type case and params", valuesTyped(" Application/X-WWW-Form-Urlencoded ; charset=utf-8", "a=1")},
	{"form type unicode space", valuesTyped("\u00a0application/x-www-form-urlencoded\u3000", "a=1")},
	{"empty type", valuesTyped("", "a=1")},
	{"type of spaces", valuesTyped("  ;x", "a=1")},
	{"text plain", valuesTyped("text/plain", "a=1&b=<x>\n")},
	{"text plain upper", valuesTyped("TEXT/PLAIN; charset=us-ascii", "q=1")},
	{"unknown type", valuesTyped("image/png", "\x89PNG\r\n")},
	{"unknown type near json", valuesTyped("application/jsonx", `{"a":"b"}`)},
	{"kelvin and dotted i", valuesTyped("appl\u0130cation/json", `{"a":"b"}`)},
	{"kelvin type", valuesTyped("multipart/mi\u212Aed; boundary=b", "--b\r\n\r\nx\r\n--b--")},
	{"invalid utf8 type", valuesTyped("application/\xffjson", `{"a":"b"}`)},
	{"empty body", valuesTyped("application/json", "")},
	// JSON
	{"json", valuesTyped("application/json", `{"a":"1","b":{"c":["d",2,true,null,"e"]},"f":"g\"h"}`)},
	{"json suffix type", valuesTyped("application/vnd.api+json; charset=utf-8", ` {"data":{"type":"x"}} `)},
	{"json upper type", valuesTyped("APPLICATION/JSON", `{"a":"b"}`)},
	{"json string root", valuesTyped("application/json", `"just a string"`)},
	{"json array root", valuesTyped("application/json", `["a","b",1]`)},
	{"json not json", valuesTyped("application/json", `a=1&b=2`)},
	{"json number root", valuesTyped("application/json", `12345`)},
	{"json spaces only", valuesTyped("application/json", " \t\r\n ")},
	{"json unterminated", valuesTyped("application/json", `{"a":"b","c":"d`)},
	{"json unterminated escape", valuesTyped("application/json", `{"a":"b\"`)},
	{"json lone quote", valuesTyped("application/json", `{"a":"b","`)},
	{"json escapes", valuesTyped("application/json", `{"e\u0041":"\n\t\r\b\f\/\\\"\u003cscript\u003e\u00e9\ud800\uDFFF\uzzzz\u12\q","x":"\\"}`)},
	{"json key spacing", valuesTyped("application/json", "{\"a\" \t\r\n : \"b\", \"c\"\n,\"d\" x: \"e\"}")},
	{"json adjacent strings", valuesTyped("application/json", `{"a":"","":"b","c""d"}`)},
	{"json keys repeating in arrays", valuesTyped("application/json", `[{"id":"1","name":"a"},{"id":"2","name":"b"},{"name":"c","id":"3"},{"other":"x","id":"4"}]`)},
	{"json too many keys", valuesTyped("application/json", valuesManyKeys())},
	{"json deep", valuesTyped("application/json", strings.Repeat(`{"k":[`, 200)+`"deep"`+strings.Repeat(`]}`, 200))},
	{"json malformed deep", valuesTyped("application/json", strings.Repeat(`[{"a":`, 50)+`"x`)},
	{"json invalid utf8", valuesTyped("application/json", "{\"\xff\":\"\xc0\xaf\",\"a\":\"\\u00\xff\"}")},
	{"json unicode spaces", valuesTyped("application/json", "\u2003{\"a\":\"b\"}\u00a0")},
	// multipart
	{"multipart", valuesTyped("multipart/form-data; boundary=XX", valuesMultipart("XX",
		"Content-Disposition: form-data; name=\"user\"\r\n\r\nadmin'",
		"Content-Disposition: form-data; name=\"f\"; filename=\"a.phtml\"\r\nContent-Type: image/png\r\n\r\nGIF89a",
		"content-disposition: form-data; NAME=plain; FileName=  \"b.txt\" \r\ncontent-type: text/plain; charset=x\r\n\r\nhello"))},
	{"multipart json and xml parts", valuesTyped("multipart/form-data; boundary=b", valuesMultipart("b",
		"Content-Disposition: form-data; name=\"j\"\r\nContent-Type: application/json\r\n\r\n{\"k\":\"v\",\"k\":\"w\"}",
		"Content-Disposition: form-data; name=\"x\"\r\nContent-Type: text/xml\r\n\r\n<a b='c'>t</a>",
		"Content-Disposition: form-data; name=\"bad\"\r\nContent-Type: application/json\r\n\r\nnot json"))},
	{"multipart nesting limit", valuesTyped("multipart/mixed; boundary=o", valuesMultipart("o",
		"Content-Disposition: form-data; name=\"outer\"\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"+valuesMultipart("i",
			"Content-Disposition: form-data; name=\"inner\"\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n"+valuesMultipart("z",
				"Content-Disposition: form-data; name=\"deepest\"\r\n\r\nx"))))},
	{"multipart quoted boundary", valuesTyped(`multipart/form-data; charset=x; BOUNDARY="q q"`, valuesMultipart("q q", "Content-Disposition: form-data; name=a\r\n\r\n1"))},
	{"multipart empty boundary", valuesTyped(`multipart/form-data; boundary=""`, "--\r\n\r\nx")},
	{"multipart no boundary", valuesTyped("multipart/form-data", "--x\r\n\r\ny")},
	{"multipart boundary without equals", valuesTyped("multipart/form-data; boundary", "--x\r\n\r\ny")},
	{"multipart lf only", valuesTyped("multipart/form-data; boundary=b", "--b\nContent-Disposition: form-data; name=\"a\"\n\nv\n--b\nContent-Disposition: form-data; name=\"c\"\n\nw\n--b--")},
	{"multipart part without head", valuesTyped("multipart/form-data; boundary=b", "--b\r\njust text, no blank line\r\n--b--")},
	{"multipart no closing", valuesTyped("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv")},
	{"multipart dash boundary", valuesTyped("multipart/form-data; boundary=-", "x---\r\n\r\na----\r\nb\n\nc---\n---")},
	{"multipart boundary in boundary", valuesTyped("multipart/form-data; boundary=ab", "---ab\r\n\r\n1--aab---ab\r\n\r\n2\r\n--ab--")},
	{"multipart no delimiter", valuesTyped("multipart/form-data; boundary=b", "no delimiter at all")},
	{"multipart empty head", valuesTyped("multipart/form-data; boundary=b", "--b\r\n\r\nvalue\r\n--b--")},
	{"multipart odd headers", valuesTyped("multipart/form-data; boundary=b", "--b\r\n Content-Disposition : form-data;name=x;filename=\r\nContent-Type:\r\nX\r\n\r\nv\r\n--b--")},
	{"multipart two dispositions", valuesTyped("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; filename=f\r\n\r\nv\r\n--b--")},
	{"multipart unicode header", valuesTyped("multipart/form-data; boundary=b", "--b\r\n\u00a0content-disposition\u3000: form-data; \u017fname=a; name=b\r\ncontent-type: TEXT/plainx\r\n\r\nv\r\n--b--")},
	// XML
	{"xml", valuesTyped("application/xml", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a b="1" c='2'>text &e;<!-- a comment --><![CDATA[<script>]]><?php echo 1 ?></a>`)},
	{"xml suffix type", valuesTyped("application/soap+xml", "<e>\u2003 body \u00a0</e>")},
	{"xml text type", valuesTyped("TEXT/XML", "plain text only")},
	{"xml unterminated comment", valuesTyped("text/xml", "<a><!-- never closed")},
	{"xml unterminated cdata", valuesTyped("text/xml", "<![CDATA[ open")},
	{"xml unterminated declaration", valuesTyped("text/xml", "<!DOCTYPE x")},
	{"xml unterminated prolog", valuesTyped("text/xml", "<?xml version")},
	{"xml unterminated pi", valuesTyped("text/xml", "<?pi data")},
	{"xml unterminated attribute", valuesTyped("text/xml", `<a b="open>text`)},
	{"xml unterminated tag", valuesTyped("text/xml", `<a b='1'`)},
	{"xml lone lt", valuesTyped("text/xml", "a < b <")},
	// body limits and flags
	{"body unread", &Request{Method: "POST", URI: "/", Body: []byte("a=1"), BodyUnread: true}},
	{"body long", valuesTyped("application/x-www-form-urlencoded", "a="+strings.Repeat("x", 80)+"&b=tail")},
	{"body long json", valuesTyped("application/json", `{"a":"`+strings.Repeat("y", 70)+`","b":"c"}`)},
	// protocol checks, each hit and missed
	{"method allowed", valuesReq("GET", "/", "")},
	{"method not allowed", valuesReq("TRACK", "/", "")},
	{"method not a token", valuesReq("GE T", "/", "")},
	{"method empty", valuesReq("", "/", "")},
	{"method lower case", valuesReq("get", "/", "")},
	{"method configured", valuesReq("PROPFIND", "/", "")},
	{"cl and te", valuesReq("POST", "/", "0\r\n\r\n", "Content-Length", "4", "Transfer-Encoding", "chunked", "Content-Type", "text/plain")},
	{"te chunked", valuesReq("POST", "/", "", "Transfer-Encoding", "chunked")},
	{"te case", valuesReq("POST", "/", "", "transfer-encoding", "ChUnKeD")},
	{"te kelvin", valuesReq("POST", "/", "", "Transfer-Encoding", "chun\u212Aed")},
	{"te stacked", valuesReq("POST", "/", "", "Transfer-Encoding", "gzip, chunked")},
	{"te twice", valuesReq("POST", "/", "", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked")},
	{"te spaced", valuesReq("POST", "/", "", "Transfer-Encoding", " chunked")},
	{"cl number", valuesReq("POST", "/", "", "Content-Length", "10")},
	{"cl list same", valuesReq("POST", "/", "", "Content-Length", "10, 10,10")},
	{"cl list differs", valuesReq("POST", "/", "", "Content-Length", "10, 11")},
	{"cl headers differ", valuesReq("POST", "/", "", "Content-Length", "10", "content-length", "12")},
	{"cl not a number", valuesReq("POST", "/", "", "Content-Length", "1e3")},
	{"cl empty", valuesReq("POST", "/", "", "Content-Length", "")},
	{"cl empty item", valuesReq("POST", "/", "", "Content-Length", "5,")},
	{"cl unicode space", valuesReq("POST", "/", "", "Content-Length", "\u00a05\u3000, 5")},
	{"cl signed", valuesReq("POST", "/", "", "Content-Length", "+5")},
	{"line break in value", valuesReq("GET", "/", "", "X-A", "1\r\nX-B: 2")},
	{"line feed in value", valuesReq("GET", "/", "", "X-A", "1\n")},
	{"tab in value", valuesReq("GET", "/", "", "X-A", "1\t2\x00")},
	{"space in name", valuesReq("GET", "/", "", "X A", "1")},
	{"colon in name", valuesReq("GET", "/", "", "X:A", "1")},
	{"cr in name", valuesReq("GET", "/", "", "X\rA", "1")},
	{"tab in name", valuesReq("GET", "/", "", "X\tA", "1")},
	{"body with type", valuesReq("POST", "/", "a", "Content-Type", "text/plain")},
	{"body typed empty", valuesReq("POST", "/", "a", "content-type", "")},
}

func TestRustProbeValues(t *testing.T) {
	p := newRustProbe(t)
	for _, tt := range valuesCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range valuesSetups {
				checkRustValues(t, p, tt.req, s)
			}
		})
	}
}

// TestRustProbeValuesTableTakesBranches guards the table itself: cases
// that stop reaching what they are named for would make the comparison
// above pass without testing it.
func TestRustProbeValuesTableTakesBranches(t *testing.T) {
	e := valuesEngine(t, valuesSetups[0])
	hits := map[string]bool{}
	kinds := map[string]bool{}
	truncated := false
	for _, tt := range valuesCases {
		out := goValues(e, tt.req)
		for _, h := range out.hits {
			hits[h.id] = true
		}
		for _, c := range out.calls {
			kinds[c.kind] = true
		}
		truncated = truncated || goValues(valuesEngine(t, valuesSetups[1]), tt.req).truncated
	}
	for _, p := range protocolChecks() {
		if !hits[p.id] {
			t.Errorf("no case fails %s", p.id)
		}
	}
	for _, k := range []string{"path", "argname:", "arg:", "header:", "header:User-Agent", "header:Referer", "file:", "cookie:", "body", "xml"} {
		if !kinds[k] {
			t.Errorf("no case has a value at %q", k)
		}
	}
	if !truncated {
		t.Error("no case is truncated under the small setup")
	}
}

// FuzzRustValues splits fuzzed requests (method, target, a content type,
// a cookie, a header of any name, a body) in Go and in the port.
func FuzzRustValues(f *testing.F) {
	for _, tt := range valuesCases {
		r := tt.req
		var ctype, cookie, hname, hvalue string
		for _, h := range r.Headers {
			switch {
			case equalFold(h.Name, "content-type"):
				ctype = h.Value
			case equalFold(h.Name, "cookie"):
				cookie = h.Value
			default:
				hname, hvalue = h.Name, h.Value
			}
		}
		f.Add(r.Method, r.URI, ctype, cookie, hname, hvalue, string(r.Body), r.BodyUnread, uint8(0))
	}
	f.Add("POST", "/", "multipart/form-data; boundary=b", "", "", "", "--b\nContent-Type: multipart/form-data; boundary=b\n\n--b\n", false, uint8(1))
	p := newRustProbe(f)
	f.Fuzz(func(t *testing.T, method, uri, ctype, cookie, hname, hvalue, body string, unread bool, setup uint8) {
		r := &Request{Method: method, URI: uri, Body: []byte(body), BodyUnread: unread}
		if ctype != "" {
			r.Headers = append(r.Headers, Header{"Content-Type", ctype})
		}
		if cookie != "" {
			r.Headers = append(r.Headers, Header{"Cookie", cookie})
		}
		if hname != "" {
			r.Headers = append(r.Headers, Header{hname, hvalue})
		}
		checkRustValues(t, p, r, valuesSetups[int(setup)%len(valuesSetups)])
	})
}
