package conformance

import (
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// The request line and the connection: method, target, protocol, client.
func requestCases() []Case {
	maxURI := "/" + strings.Repeat("a", hostabi.MaxURILen-1)
	return []Case{
		{Func: hostabi.FuncMethodGet, Name: "normal", Script: "method_get 16", Want: Data("GET")},
		{Func: hostabi.FuncMethodGet, Name: "too small, then retried",
			Script: Script("method_get 1", "method_get 3"), Want: Report("3", Data("GET"))},
		{Func: hostabi.FuncMethodGet, Name: "zero limit", Script: "method_get 0", Want: "3"},
		{Func: hostabi.FuncMethodGet, Name: "configure phase", Script: "configure method_get 16", Want: "-4"},

		{Func: hostabi.FuncMethodSet, Name: "normal", Script: Script("method_set PURGE", "method_get 16", "continue"),
			Want: Report("0", Data("PURGE")), Continues: true, Upstream: []string{"PURGE /path?q=1 HTTP/1.1"}},
		{Func: hostabi.FuncMethodSet, Name: "empty", Script: "method_set ''", Want: "-2"},
		{Func: hostabi.FuncMethodSet, Name: "not a token", Script: Script("method_set GE%20T", "method_get 16"),
			Want: Report("-2", Data("GET"))},
		{Func: hostabi.FuncMethodSet, Name: "maximum length", Script: "method_set A*1024", Want: "0"},
		{Func: hostabi.FuncMethodSet, Name: "over maximum length", Script: "method_set A*1025", Want: "-2"},
		{Func: hostabi.FuncMethodSet, Name: "configure phase", Script: "configure method_set PUT", Want: "-4"},

		{Func: hostabi.FuncURIGet, Name: "normal", Script: "uri_get 64", Want: Data("/path?q=1")},
		{Func: hostabi.FuncURIGet, Name: "too small, then retried",
			Script: Script("uri_get 8", "uri_get 9"), Want: Report("9", Data("/path?q=1"))},
		{Func: hostabi.FuncURIGet, Name: "configure phase", Script: "configure uri_get 64", Want: "-4"},

		{Func: hostabi.FuncURISet, Name: "normal", Script: Script("uri_set /new?x=2", "uri_get 64", "continue"),
			Want: Report("0", Data("/new?x=2")), Continues: true, Upstream: []string{"GET /new?x=2 HTTP/1.1"}},
		{Func: hostabi.FuncURISet, Name: "empty", Script: "uri_set ''", Want: "-2"},
		{Func: hostabi.FuncURISet, Name: "not origin-form", Script: "uri_set new", Want: "-2"},
		{Func: hostabi.FuncURISet, Name: "control character", Script: "uri_set /a%0Ab", Want: "-2"},
		{Func: hostabi.FuncURISet, Name: "space", Script: "uri_set /a%20b", Want: "-2"},
		{Func: hostabi.FuncURISet, Name: "bad escape", Script: Script("uri_set /%25zz", "uri_get 64"),
			Want: Report("-2", Data("/path?q=1"))},
		{Func: hostabi.FuncURISet, Name: "maximum length", Script: Script("uri_set /+a*8191", "uri_get 9000"),
			Want: Report("0", Data(maxURI))},
		{Func: hostabi.FuncURISet, Name: "over maximum length", Script: "uri_set /+a*8192", Want: "-2"},
		{Func: hostabi.FuncURISet, Name: "configure phase", Script: "configure uri_set /x", Want: "-4"},

		{Func: hostabi.FuncProtoGet, Name: "normal", Script: "proto_get 16", Want: Data("HTTP/1.1")},
		{Func: hostabi.FuncProtoGet, Name: "too small, then retried",
			Script: Script("proto_get 4", "proto_get 8"), Want: Report("8", Data("HTTP/1.1"))},
		{Func: hostabi.FuncProtoGet, Name: "configure phase", Script: "configure proto_get 16", Want: "-4"},

		{Func: hostabi.FuncClientAddrGet, Name: "normal", Script: "client_addr_get 64", Want: Data("192.0.2.1:1234")},
		{Func: hostabi.FuncClientAddrGet, Name: "too small, then retried",
			Script: Script("client_addr_get 13", "client_addr_get 14"), Want: Report("14", Data("192.0.2.1:1234"))},
		{Func: hostabi.FuncClientAddrGet, Name: "configure phase", Script: "configure client_addr_get 64", Want: "-4"},
	}
}
