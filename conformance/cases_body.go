package conformance

import (
	"net/http"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Bodies and the response status.
func bodyCases() []Case {
	maxBody := strings.Repeat("b", hostabi.DefaultMaxBodyBytes)
	expectContinue := func(r *http.Request) {
		withServerBody("hello")(r)
		r.Header.Set("Expect", "100-continue")
	}
	return []Case{
		{Func: hostabi.FuncBodyRead, Name: "normal", Script: "body_read 0 16", Request: withBody("hello"), Want: Data("hello")},
		{Func: hostabi.FuncBodyRead, Name: "empty", Script: "body_read 0 16", Want: "0"},
		{Func: hostabi.FuncBodyRead, Name: "too small, then retried", Script: Script("body_read 0 2", "body_read 0 5"),
			Request: withBody("hello"), Want: Report("5", Data("hello"))},
		{Func: hostabi.FuncBodyRead, Name: "read twice, still sent", Script: Script("body_read 0 16", "body_read 0 16", "continue"),
			Request: withBody("hello"), Want: Report(Data("hello"), Data("hello")), Continues: true,
			Upstream: []string{"Body: " + Data("hello")}},
		{Func: hostabi.FuncBodyRead, Name: "maximum size", Script: Script("body_read 0 1048576", "continue"),
			Request: withBody(maxBody), Want: Data(maxBody), Continues: true, Upstream: []string{"Body: " + Data(maxBody)}},
		{Func: hostabi.FuncBodyRead, Name: "over the body limit", Script: Script("body_read 0 16", "continue"),
			Request: withBody(maxBody + "b"), Want: "-3", Continues: true, Upstream: []string{"Body: " + Data(maxBody+"b")}},
		{Func: hostabi.FuncBodyRead, Name: "Expect: 100-continue answered by the host", Script: Script("body_read 0 16", "continue"),
			Request: expectContinue, Want: Data("hello"), Continues: true, Upstream: []string{"Body: " + Data("hello")}, NotUpstream: []string{"Expect: 100-continue"}},
		{Func: hostabi.FuncBodyRead, Name: "response, none yet", Script: "body_read 1 8", Want: "0"},
		{Func: hostabi.FuncBodyRead, Name: "response", Script: Script("body_write 1 abc", "body_read 1 8"), Want: Report("0", Data("abc"))},
		{Func: hostabi.FuncBodyRead, Name: "unknown kind", Script: "body_read 2 8", Want: "-2"},
		{Func: hostabi.FuncBodyRead, Name: "configure phase", Script: "configure body_read 0 8", Want: "-4"},

		{Func: hostabi.FuncBodyWrite, Name: "normal", Script: Script("body_write 0 replaced", "body_read 0 16", "header_get 0 Content-Length 8", "continue"),
			Request: withBody("hello"), Want: Report("0", Data("replaced"), Data("8")), Continues: true,
			Upstream: []string{"Body: " + Data("replaced"), "Content-Length: 8"}},
		{Func: hostabi.FuncBodyWrite, Name: "empty", Script: Script("body_write 0 ''", "continue"),
			Request: withBody("hello"), Want: "0", Continues: true, Upstream: []string{"Body: 0", "Content-Length: 0"}},
		{Func: hostabi.FuncBodyWrite, Name: "maximum size", Script: Script("body_write 1 b*1048576", "body_read 1 1048576"),
			Want: Report("0", Data(maxBody))},
		{Func: hostabi.FuncBodyWrite, Name: "over the body limit", Script: Script("body_write 0 b*1048577", "body_read 0 8"),
			Request: withBody("hello"), Want: Report("-3", Data("hello"))},
		{Func: hostabi.FuncBodyWrite, Name: "10 MiB response", Script: "body_write 1 b*10485760", Want: "-3"},
		{Func: hostabi.FuncBodyWrite, Name: "unknown kind", Script: "body_write 3 x", Want: "-2"},
		{Func: hostabi.FuncBodyWrite, Name: "configure phase", Script: "configure body_write 1 x", Want: "-4"},
		{Func: hostabi.FuncBodyWrite, Name: "Content-Length follows, in the map too",
			Script: Script("body_write 0 replaced", "continue"), Request: withServerBody("hello"), Want: "0", Continues: true,
			Upstream: []string{"Body: " + Data("replaced"), "Content-Length: 8"}, NotUpstream: []string{"Content-Length: 5"}},

		{Func: hostabi.FuncBodySize, Name: "no body", Script: "body_size 0", Want: "0"},
		{Func: hostabi.FuncBodySize, Name: "Content-Length", Script: "body_size 0", Request: withServerBody("hello"), Want: "5"},
		{Func: hostabi.FuncBodySize, Name: "Content-Length: 0", Script: Script("body_size 0", "body_read 0 8"),
			Request: withServerBody(""), Want: Report("0", "0")},
		{Func: hostabi.FuncBodySize, Name: "maximum size", Script: "body_size 0", Request: withBody(maxBody), Want: "1048576"},
		{Func: hostabi.FuncBodySize, Name: "over the body limit", Script: Script("body_size 0", "continue"),
			Request: withBody(maxBody + "b"), Want: "-3", Continues: true, Upstream: []string{"Body: " + Data(maxBody+"b")}},
		{Func: hostabi.FuncBodySize, Name: "chunked: length unknown", Script: Script("body_size 0", "continue"),
			Request: withChunkedBody("hello"), Want: "-6", Continues: true, Upstream: []string{"Body: " + Data("hello")}},
		{Func: hostabi.FuncBodySize, Name: "chunked, after a body_read", Script: Script("body_size 0", "body_read 0 16", "body_size 0"),
			Request: withChunkedBody("hello"), Want: Report("-6", Data("hello"), "5")},
		{Func: hostabi.FuncBodySize, Name: "chunked, empty", Script: Script("body_size 0", "body_read 0 16", "body_size 0"),
			Request: withChunkedBody(""), Want: Report("-6", "0", "0")},
		{Func: hostabi.FuncBodySize, Name: "chunked over the body limit", Script: Script("body_size 0", "body_read 0 16", "body_size 0", "continue"),
			Request: withChunkedBody(maxBody + "b"), Want: Report("-6", "-3", "-3"), Continues: true,
			Upstream: []string{"Body: " + Data(maxBody+"b")}},
		{Func: hostabi.FuncBodySize, Name: "after a body_write", Script: Script("body_write 0 replaced", "body_size 0"),
			Request: withChunkedBody("hello"), Want: Report("0", "8")},
		{Func: hostabi.FuncBodySize, Name: "read ahead when declared", Script: Script("configure features_set 4", "body_size 0",
			"header_get 0 Transfer-Encoding 16", "header_get 0 Content-Length 16"),
			Request: withChunkedBody("hello"), Want: Report("0", "5", "-1", Data("5"))},
		{Func: hostabi.FuncBodySize, Name: "response, none yet", Script: "body_size 1", Want: "0"},
		{Func: hostabi.FuncBodySize, Name: "response, after a body_write", Script: Script("body_write 1 abc", "body_size 1"),
			Want: Report("0", "3")},
		{Func: hostabi.FuncBodySize, Name: "unknown kind", Script: "body_size 2", Want: "-2"},
		{Func: hostabi.FuncBodySize, Name: "configure phase", Script: "configure body_size 0", Want: "-4"},

		{Func: hostabi.FuncStatusGet, Name: "none yet", Script: "status_get", Want: "0"},
		{Func: hostabi.FuncStatusGet, Name: "after a set", Script: Script("status_set 418", "status_get"), Want: Report("0", "418"), Status: 418},
		{Func: hostabi.FuncStatusGet, Name: "configure phase", Script: "configure status_get", Want: "-4"},

		{Func: hostabi.FuncStatusSet, Name: "normal", Script: "status_set 201", Want: "0", Status: 201},
		{Func: hostabi.FuncStatusSet, Name: "lowest", Script: "status_set 200", Want: "0"},
		{Func: hostabi.FuncStatusSet, Name: "highest", Script: "status_set 999", Want: "0", Status: 999},
		{Func: hostabi.FuncStatusSet, Name: "interim", Script: Script("status_set 199", "status_get"), Want: Report("-2", "0")},
		{Func: hostabi.FuncStatusSet, Name: "over three digits", Script: "status_set 1000", Want: "-2"},
		{Func: hostabi.FuncStatusSet, Name: "zero", Script: "status_set 0", Want: "-2"},
		{Func: hostabi.FuncStatusSet, Name: "negative", Script: "status_set -1", Want: "-2"},
		{Func: hostabi.FuncStatusSet, Name: "configure phase", Script: "configure status_set 200", Want: "-4"},
	}
}
