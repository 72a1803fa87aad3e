package conformance

import (
	"net/http"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Headers of the request and of the response.
func headerCases() []Case {
	maxValue := strings.Repeat("v", hostabi.MaxHeaderValueLen)
	names := "Host\x00X-Empty\x00X-Multi\x00X-One"
	return []Case{
		{Func: hostabi.FuncHeaderGet, Name: "normal", Script: "header_get 0 X-One 16", Want: Data("a")},
		{Func: hostabi.FuncHeaderGet, Name: "case-insensitive", Script: "header_get 0 x-ONE 16", Want: Data("a")},
		{Func: hostabi.FuncHeaderGet, Name: "missing", Script: "header_get 0 X-Nope 16", Want: "-1"},
		{Func: hostabi.FuncHeaderGet, Name: "multi-value", Script: "header_get 0 X-Multi 16", Want: Data("1\x002")},
		{Func: hostabi.FuncHeaderGet, Name: "too small, then retried",
			Script: Script("header_get 0 X-Multi 2", "header_get 0 X-Multi 3"), Want: Report("3", Data("1\x002"))},
		{Func: hostabi.FuncHeaderGet, Name: "zero limit", Script: "header_get 0 X-One 0", Want: "1"},
		{Func: hostabi.FuncHeaderGet, Name: "empty value", Script: "header_get 0 X-Empty 16", Want: "0"},
		{Func: hostabi.FuncHeaderGet, Name: "Host", Script: "header_get 0 host 32", Want: Data("example.com")},
		{Func: hostabi.FuncHeaderGet, Name: "Content-Length", Script: "header_get 0 content-length 16",
			Request: withBody("hello"), Want: Data("5")},
		{Func: hostabi.FuncHeaderGet, Name: "Content-Length without a body", Script: "header_get 0 Content-Length 16",
			Want: "-1"},
		{Func: hostabi.FuncHeaderGet, Name: "response, missing", Script: "header_get 1 X-One 16", Want: "-1"},
		{Func: hostabi.FuncHeaderGet, Name: "response", Script: Script("header_add 1 X-R a", "header_add 1 x-r b",
			"header_get 1 X-R 16"), Want: Report("0", "0", Data("a\x00b"))},
		{Func: hostabi.FuncHeaderGet, Name: "unknown kind", Script: "header_get 2 X-One 16", Want: "-2"},
		{Func: hostabi.FuncHeaderGet, Name: "empty name", Script: "header_get 0 '' 16", Want: "-2"},
		{Func: hostabi.FuncHeaderGet, Name: "not a token", Script: "header_get 0 X%20One 16", Want: "-2"},
		{Func: hostabi.FuncHeaderGet, Name: "maximum name length", Script: "header_get 0 n*1024 16", Want: "-1"},
		{Func: hostabi.FuncHeaderGet, Name: "over maximum name length", Script: "header_get 0 n*1025 16", Want: "-2"},
		{Func: hostabi.FuncHeaderGet, Name: "configure phase", Script: "configure header_get 0 X-One 16", Want: "-4"},

		{Func: hostabi.FuncHeaderNames, Name: "normal", Script: "header_names 0 64", Want: Data(names)},
		{Func: hostabi.FuncHeaderNames, Name: "with a body", Script: "header_names 0 64",
			Request: withBody("hello"), Want: Data("Content-Length\x00" + names)},
		{Func: hostabi.FuncHeaderNames, Name: "too small, then retried",
			Script: Script("header_names 0 25", "header_names 0 26"), Want: Report("26", Data(names))},
		{Func: hostabi.FuncHeaderNames, Name: "response, empty", Script: "header_names 1 16", Want: "0"},
		{Func: hostabi.FuncHeaderNames, Name: "response", Script: Script("header_set 1 x-b 1", "header_set 1 X-A 2",
			"header_names 1 16"), Want: Report("0", "0", Data("X-A\x00X-B"))},
		{Func: hostabi.FuncHeaderNames, Name: "after a remove", Script: Script("header_remove 0 X-One", "header_names 0 64"),
			Want: Report("0", Data("Host\x00X-Empty\x00X-Multi"))},
		{Func: hostabi.FuncHeaderNames, Name: "unknown kind", Script: "header_names 7 64", Want: "-2"},
		{Func: hostabi.FuncHeaderNames, Name: "configure phase", Script: "configure header_names 0 64", Want: "-4"},

		{Func: hostabi.FuncHeaderSet, Name: "normal", Script: Script("header_set 0 X-New v", "header_get 0 X-New 16", "continue"),
			Want: Report("0", Data("v")), Continues: true, Upstream: []string{"X-New: v"}},
		{Func: hostabi.FuncHeaderSet, Name: "replaces every value", Script: Script("header_set 0 x-multi z", "header_get 0 X-Multi 16", "continue"),
			Want: Report("0", Data("z")), Continues: true, Upstream: []string{"X-Multi: z"}, NotUpstream: []string{"X-Multi: 1"}},
		{Func: hostabi.FuncHeaderSet, Name: "empty value", Script: Script("header_set 0 X-E ''", "header_get 0 X-E 16"),
			Want: Report("0", "0")},
		{Func: hostabi.FuncHeaderSet, Name: "CR in value", Script: "header_set 0 X-A a%0Db", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "LF in value", Script: "header_set 0 X-A a%0Ab", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "NUL in value", Script: "header_set 0 X-A a%00b", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "not a token", Script: "header_set 0 X:A b", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "empty name", Script: "header_set 0 '' b", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "maximum value length",
			Script: Script("header_set 0 X-Big v*65536", "header_get 0 X-Big 70000"), Want: Report("0", Data(maxValue))},
		{Func: hostabi.FuncHeaderSet, Name: "over maximum value length", Script: "header_set 0 X-Big v*65537", Want: "-3"},
		{Func: hostabi.FuncHeaderSet, Name: "10 MiB value", Script: "header_set 1 X-Big v*10485760", Want: "-3"},
		{Func: hostabi.FuncHeaderSet, Name: "Host", Script: Script("header_set 0 host other.example", "header_get 0 Host 32", "continue"),
			Want: Report("0", Data("other.example")), Continues: true, Upstream: []string{"Host: other.example"}},
		{Func: hostabi.FuncHeaderSet, Name: "Content-Length is the host's", Script: "header_set 0 Content-Length 3", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "response", Script: "header_set 1 X-Answer yes", Want: "0",
			Header: http.Header{"X-Answer": {"yes"}}},
		{Func: hostabi.FuncHeaderSet, Name: "unknown kind", Script: "header_set 2 X-A b", Want: "-2"},
		{Func: hostabi.FuncHeaderSet, Name: "configure phase", Script: "configure header_set 1 X-A b", Want: "-4"},

		{Func: hostabi.FuncHeaderAdd, Name: "normal", Script: Script("header_add 0 x-one b", "header_get 0 X-One 16", "continue"),
			Want: Report("0", Data("a\x00b")), Continues: true, Upstream: []string{"X-One: a", "X-One: b"}},
		{Func: hostabi.FuncHeaderAdd, Name: "new", Script: Script("header_add 0 X-New n", "header_get 0 X-New 16"),
			Want: Report("0", Data("n"))},
		{Func: hostabi.FuncHeaderAdd, Name: "response", Script: Script("header_add 1 Set-Cookie a=1", "header_add 1 Set-Cookie b=2"),
			Want: Report("0", "0"), Header: http.Header{"Set-Cookie": {"a=1", "b=2"}}},
		{Func: hostabi.FuncHeaderAdd, Name: "CR in value", Script: "header_add 0 X-A a%0Db", Want: "-2"},
		{Func: hostabi.FuncHeaderAdd, Name: "over maximum value length", Script: "header_add 1 X-Big v*65537", Want: "-3"},
		{Func: hostabi.FuncHeaderAdd, Name: "Content-Length is the host's", Script: "header_add 0 content-length 3", Want: "-2"},
		{Func: hostabi.FuncHeaderAdd, Name: "not a token", Script: "header_add 0 X%7FA b", Want: "-2"},
		{Func: hostabi.FuncHeaderAdd, Name: "configure phase", Script: "configure header_add 0 X-A b", Want: "-4"},

		{Func: hostabi.FuncHeaderRemove, Name: "normal", Script: Script("header_remove 0 X-One", "header_get 0 X-One 16", "continue"),
			Want: Report("0", "-1"), Continues: true, NotUpstream: []string{"X-One: a"}},
		{Func: hostabi.FuncHeaderRemove, Name: "case-insensitive", Script: Script("header_remove 0 x-multi", "header_get 0 X-Multi 16"),
			Want: Report("0", "-1")},
		{Func: hostabi.FuncHeaderRemove, Name: "missing", Script: "header_remove 0 X-Nope", Want: "0"},
		{Func: hostabi.FuncHeaderRemove, Name: "Host is the host's", Script: "header_remove 0 Host", Want: "-2"},
		{Func: hostabi.FuncHeaderRemove, Name: "Content-Length is the host's", Script: "header_remove 0 Content-Length", Want: "-2"},
		{Func: hostabi.FuncHeaderRemove, Name: "response", Script: Script("header_set 1 X-R a", "header_remove 1 x-r", "header_get 1 X-R 8"),
			Want: Report("0", "0", "-1")},
		{Func: hostabi.FuncHeaderRemove, Name: "not a token", Script: "header_remove 0 X(A", Want: "-2"},
		{Func: hostabi.FuncHeaderRemove, Name: "unknown kind", Script: "header_remove 9 X-One", Want: "-2"},
		{Func: hostabi.FuncHeaderRemove, Name: "configure phase", Script: "configure header_remove 0 X-One", Want: "-4"},
	}
}
