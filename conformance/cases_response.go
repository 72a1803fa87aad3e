package conformance

import (
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/gojinn/gojinn/hostabi"
)

// The response phase: the runner continues on request, the upstream
// echoes, and the response steps act on the echo.
func responseCases() []Case {
	echoed := echoOf(DefaultRequest())
	replaced := "replaced"
	resp := func(c Case) Case {
		c.Script = Script("continue", c.Script)
		c.Continues = true
		return c
	}
	return []Case{
		resp(Case{Func: hostabi.FuncStatusGet, Name: "response phase", Script: "response status_get", ResponseWant: "200"}),
		resp(Case{Func: hostabi.FuncStatusSet, Name: "response phase", Script: Script("response status_set 203", "response status_get"),
			ResponseWant: Report("0", "203"), Status: 203}),
		resp(Case{Func: hostabi.FuncHeaderGet, Name: "response phase, response", Script: "response header_get 1 x-upstream 8",
			ResponseWant: Data("1")}),
		resp(Case{Func: hostabi.FuncHeaderGet, Name: "response phase, request", Script: "response header_get 0 X-One 8",
			ResponseWant: Data("a")}),
		resp(Case{Func: hostabi.FuncHeaderSet, Name: "response phase, response", Script: "response header_set 1 X-Hooked yes",
			ResponseWant: "0", Header: http.Header{"X-Hooked": {"yes"}}}),
		resp(Case{Func: hostabi.FuncHeaderSet, Name: "response phase, request", Script: "response header_set 0 X-One b",
			ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncHeaderAdd, Name: "response phase, request", Script: "response header_add 0 X-One b",
			ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncHeaderRemove, Name: "response phase, request", Script: "response header_remove 0 X-One",
			ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncHeaderRemove, Name: "response phase, response", Script: "response header_remove 1 x-echo",
			ResponseWant: "0", Header: http.Header{"X-Echo": nil}}),
		resp(Case{Func: hostabi.FuncMethodSet, Name: "response phase", Script: Script("response method_set PUT", "response method_get 8"),
			ResponseWant: Report("-4", Data("GET"))}),
		resp(Case{Func: hostabi.FuncURISet, Name: "response phase", Script: "response uri_set /other", ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncBodyRead, Name: "response phase", Script: "response body_read 1 4096",
			ResponseWant: Data(echoed), Body: &echoed}),
		resp(Case{Func: hostabi.FuncBodyRead, Name: "response phase, too small", Script: "response body_read 1 4",
			ResponseWant: Report(itoa(len(echoed)))}),
		resp(Case{Func: hostabi.FuncBodyWrite, Name: "response phase, response", Script: "response body_write 1 replaced",
			ResponseWant: "0", Body: &replaced}),
		resp(Case{Func: hostabi.FuncBodyWrite, Name: "response phase, over the limit", Script: "response body_write 1 r*1048577",
			ResponseWant: "-3", Body: &echoed}),
		resp(Case{Func: hostabi.FuncBodyWrite, Name: "response phase, request", Script: "response body_write 0 x", ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncBodyRead, Name: "response phase, request body the route read", Script: "response body_read 0 16",
			Request: withBody("hello"), ResponseWant: "-4"}),
		{Func: hostabi.FuncBodyRead, Name: "response phase, request body read on request",
			Script: Script("body_read 0 16", "continue", "response body_read 0 16"), Request: withChunkedBody("hello"),
			Want: Data("hello"), Continues: true, ResponseWant: Data("hello")},
		resp(Case{Func: hostabi.FuncBodySize, Name: "response phase, held", Script: "response body_size 1",
			ResponseWant: itoa(len(echoed)), Body: &echoed}),
		resp(Case{Func: hostabi.FuncBodySize, Name: "response phase, after a body_write",
			Script: Script("response body_write 1 replaced", "response body_size 1"), ResponseWant: Report("0", "8"), Body: &replaced}),
		{Func: hostabi.FuncBodySize, Name: "response phase, streamed", Script: Script("configure features_set 1", "continue",
			"response body_size 1", "response body_read 1 8"), Want: "0", Continues: true, ResponseWant: Report("-6", "-4"), Body: &echoed},
		resp(Case{Func: hostabi.FuncBodySize, Name: "response phase, request", Script: "response body_size 0",
			Request: withBody("hello"), ResponseWant: "5"}),
		resp(Case{Func: hostabi.FuncBodySize, Name: "response phase, chunked request", Script: "response body_size 0",
			Request: withChunkedBody("hello"), ResponseWant: "-6"}),
		{Func: hostabi.FuncVarGet, Name: "response phase", Script: Script("var_set k v", "continue", "response var_get k 8"),
			Want: "0", Continues: true, ResponseWant: Data("v")},
		resp(Case{Func: hostabi.FuncFeaturesSet, Name: "response phase", Script: "response features_set 1", ResponseWant: "-4"}),
		// FEATURE_CARRY_RESPONSE_HEADERS (8): the response headers of the
		// request phase go out with the route's response, its status and
		// body do not; without it they are dropped.
		{Func: hostabi.FuncFeaturesSet, Name: "carry response headers", Script: Script("configure features_set 8",
			"header_set 1 X-Carried yes", "status_set 418", "body_write 1 dropped", "continue"),
			Want: Report("0", "0", "0", "0"), Continues: true, Header: http.Header{"X-Carried": {"yes"}}, Body: &echoed},
		{Func: hostabi.FuncHeaderSet, Name: "response, dropped when the chain continues", Script: Script(
			"header_set 1 X-Carried yes", "continue"),
			Want: "0", Continues: true, Header: http.Header{"X-Carried": nil}, Body: &echoed},
		{Func: hostabi.FuncFeaturesSet, Name: "the route replaces a carried header", Script: Script("configure features_set 8",
			"header_set 1 X-Echo carried", "continue"),
			Want: Report("0", "0"), Continues: true, Header: http.Header{"X-Echo": {"1"}}},
		{Func: hostabi.FuncFeaturesSet, Name: "carried headers reach the response phase", Script: Script("configure features_set 9",
			"header_set 1 X-Carried yes", "continue", "response header_get 1 X-Carried 8"),
			Want: Report("0", "0"), Continues: true, ResponseWant: Data("yes"), Header: http.Header{"X-Carried": {"yes"}}},
		resp(Case{Func: hostabi.FuncKeysetOpen, Name: "response phase", Script: "response keyset_open {}", ResponseWant: "-4"}),
		resp(Case{Func: hostabi.FuncConfigGet, Name: "response phase", Script: "response config_get 0",
			ResponseWant: itoa(len(Script("continue", "response config_get 0")))}),
	}
}

// echoOf is the body the echo upstream answers r with.
func echoOf(r *http.Request) string {
	rec := httptest.NewRecorder()
	echo(rec, r)
	return rec.Body.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
