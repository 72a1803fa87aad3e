package conformance

import (
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// u32s is what regex_match and regex_find write: little-endian u32s.
func u32s(vs ...uint32) string {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return string(b)
}

// The regular expressions. The sets are compiled in configure and used on
// request, by an instance restored from the configured one's snapshot:
// every case checks that the handles survive it.
func regexCases() []Case {
	// Set 0: three expressions; set 1: one.
	compile := Script(`configure regex_compile ^/api/%00v[0-9]%2B%00(%3Fi)union\s%2Bselect`, `configure regex_compile ^example\.com$`)
	compiled := []string{"0", "1"}
	with := func(steps ...string) string { return Script(append([]string{compile}, steps...)...) }
	want := func(entries ...string) string {
		return Report(append(append([]string(nil), compiled...), entries...)...)
	}
	body := withServerBody(`{"q":"1 UNION  SELECT x"}`)
	header := func(r *http.Request) { r.Header["X-Id"] = []string{"v1", "x UNION select"} }
	return []Case{
		{Func: hostabi.FuncRegexCompile, Name: "normal", Script: compile, Want: Report(compiled...)},
		{Func: hostabi.FuncRegexCompile, Name: "empty expression", Script: "configure regex_compile ''", Want: "0"},
		{Func: hostabi.FuncRegexCompile, Name: "bad syntax", Script: "configure regex_compile a(b", Want: "-2"},
		{Func: hostabi.FuncRegexCompile, Name: "backreference", Script: `configure regex_compile (a)\1`, Want: "-2"},
		{Func: hostabi.FuncRegexCompile, Name: "over maximum expression length", Script: "configure regex_compile a*4097", Want: "-3"},
		{Func: hostabi.FuncRegexCompile, Name: "maximum expression length", Script: "configure regex_compile a*4096", Want: "0"},
		{Func: hostabi.FuncRegexCompile, Name: "over maximum expressions", Script: "configure regex_compile a%00*256+a", Want: "-3"},
		{Func: hostabi.FuncRegexCompile, Name: "over maximum sets",
			Script: Script(strings.Repeat("configure regex_compile a\n", hostabi.MaxRegexSets), "configure regex_compile a"),
			Want:   Report(append(countTo(hostabi.MaxRegexSets), "-3")...)},
		{Func: hostabi.FuncRegexCompile, Name: "request phase", Script: "regex_compile a", Want: "-4"},

		{Func: hostabi.FuncRegexMatch, Name: "bytes, several match", Script: with("regex_match 0 0 0 /api/v2/ 16"),
			Want: want(Data(u32s(0, 1)))},
		{Func: hostabi.FuncRegexMatch, Name: "bytes, none", Script: with("regex_match 0 0 0 nothing 16"), Want: want("0")},
		{Func: hostabi.FuncRegexMatch, Name: "too small, then retried", Script: with("regex_match 0 0 0 /api/v2/ 4", "regex_match 0 0 0 /api/v2/ 8"),
			Want: want("8", Data(u32s(0, 1)))},
		{Func: hostabi.FuncRegexMatch, Name: "zero limit", Script: with("regex_match 0 0 0 v9 0"), Want: want("4")},
		{Func: hostabi.FuncRegexMatch, Name: "body", Script: with("regex_match 0 1 0 '' 16"), Request: body, Want: want(Data(u32s(2)))},
		{Func: hostabi.FuncRegexMatch, Name: "header, values NUL-separated", Script: with("regex_match 0 2 0 x-id 16"), Request: header,
			Want: want(Data(u32s(1, 2)))},
		{Func: hostabi.FuncRegexMatch, Name: "Host", Script: with("regex_match 1 2 0 Host 16"), Want: want(Data(u32s(0)))},
		{Func: hostabi.FuncRegexMatch, Name: "missing header", Script: with("regex_match 0 2 0 X-None 16"), Want: want("-1")},
		{Func: hostabi.FuncRegexMatch, Name: "bad header name", Script: with("regex_match 0 2 0 a%20b 16"), Want: want("-2")},
		{Func: hostabi.FuncRegexMatch, Name: "URI", Script: with("uri_set /api/v3/x", "regex_match 0 3 0 '' 16"), Want: want("0", Data(u32s(0, 1)))},
		{Func: hostabi.FuncRegexMatch, Name: "URI of the response", Script: with("regex_match 0 3 1 '' 16"), Want: want("-2")},
		{Func: hostabi.FuncRegexMatch, Name: "response body", Script: with("body_write 1 Example.com", "regex_match 1 1 1 '' 16"),
			Want: want("0", "0")},
		{Func: hostabi.FuncRegexMatch, Name: "unknown target", Script: with("regex_match 0 4 0 '' 16"), Want: want("-2")},
		{Func: hostabi.FuncRegexMatch, Name: "unknown kind", Script: with("regex_match 0 1 2 '' 16"), Want: want("-2")},
		{Func: hostabi.FuncRegexMatch, Name: "unknown handle", Script: with("regex_match 2 0 0 a 16"), Want: want("-1")},
		{Func: hostabi.FuncRegexMatch, Name: "negative handle", Script: "regex_match -1 0 0 a 16", Want: "-1"},
		{Func: hostabi.FuncRegexMatch, Name: "past the work limit", Script: Script("configure regex_compile (a%3F)%7B30%7Da%7B30%7D*20", "regex_match 0 0 0 b*100000 16"),
			Want: Report("0", "-3")},
		{Func: hostabi.FuncRegexMatch, Name: "bytes in configure", Script: Script("configure regex_compile b", "configure regex_match 0 0 0 abc 16"),
			Want: Report("0", Data(u32s(0)))},
		{Func: hostabi.FuncRegexMatch, Name: "message in configure", Script: Script("configure regex_compile b", "configure regex_match 0 3 0 '' 16"),
			Want: Report("0", "-4")},

		{Func: hostabi.FuncRegexFind, Name: "leftmost match", Script: with("regex_find 0 0 0 x/v7/api/ 16"), Want: want(Data(u32s(1, 2, 4)))},
		{Func: hostabi.FuncRegexFind, Name: "leftmost of several", Script: with("regex_find 0 0 0 /api/v1 16"), Want: want(Data(u32s(0, 0, 5)))},
		{Func: hostabi.FuncRegexFind, Name: "none", Script: with("regex_find 0 0 0 nothing 16"), Want: want("-1")},
		{Func: hostabi.FuncRegexFind, Name: "too small", Script: with("regex_find 0 0 0 v1 11"), Want: want("12")},
		{Func: hostabi.FuncRegexFind, Name: "body", Script: with("regex_find 0 1 0 '' 16"), Request: body, Want: want(Data(u32s(2, 8, 21)))},
		{Func: hostabi.FuncRegexFind, Name: "header", Script: with("regex_find 0 2 0 X-Id 16"), Request: header, Want: want(Data(u32s(1, 0, 2)))},
		{Func: hostabi.FuncRegexFind, Name: "unknown handle", Script: "regex_find 0 0 0 a 16", Want: "-1"},
		{Func: hostabi.FuncRegexFind, Name: "configure phase, message", Script: Script("configure regex_compile a", "configure regex_find 0 1 0 '' 16"),
			Want: Report("0", "-4")},
	}
}

// countTo is the report entries "0" to "n-1": handles in order.
func countTo(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}
