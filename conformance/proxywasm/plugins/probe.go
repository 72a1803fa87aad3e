package plugins

import (
	"strconv"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// The "probe" filter is the case table of cases_table_test.go with the Go
// SDK; testdata/cprobe is the same table in C on the raw ABI. The
// request's X-Probe header names the case; the configuration's Key names
// its metric and shared data.

// status is the ABI's status code of an SDK error.
func status(err error) int {
	switch err {
	case nil:
		return 0
	case types.ErrorStatusNotFound:
		return 1
	case types.ErrorStatusBadArgument:
		return 2
	case types.ErrorStatusEmpty:
		return 7
	case types.ErrorStatusCasMismatch:
		return 8
	case types.ErrorInternalFailure:
		return 10
	case types.ErrorUnimplemented:
		return 12
	}
	return -1
}

func (s *stream) probeRequestHeaders() types.Action {
	s.probe, _ = proxywasm.GetHttpRequestHeader("x-probe")
	switch s.probe {
	case "headers":
		in, _ := proxywasm.GetHttpRequestHeader("x-in")
		logErr("add", proxywasm.AddHttpRequestHeader("x-out", in+"!"))
		logErr("replace", proxywasm.ReplaceHttpRequestHeader("x-replace", "new"))
		logErr("remove", proxywasm.RemoveHttpRequestHeader("x-drop"))
	case "pairs":
		hs, err := proxywasm.GetHttpRequestHeaders()
		logErr("pairs", err)
		names := make([]string, len(hs))
		for i, h := range hs {
			names[i] = h[0]
		}
		logErr("add", proxywasm.AddHttpRequestHeader("x-names", strings.Join(names, ",")))
	case "local":
		logErr("send", proxywasm.SendHttpResponse(418, [][2]string{{"x-local", "yes"}}, []byte("teapot"), -1))
		return types.ActionPause
	case "path":
		path, _ := proxywasm.GetHttpRequestHeader(":path")
		logErr("path", proxywasm.ReplaceHttpRequestHeader(":path", "/rewritten"+path))
	case "pause":
		return types.ActionPause
	case "continue":
		logErr("continue", proxywasm.ResumeHttpRequest())
		return types.ActionPause
	case "metric":
		m := proxywasm.DefineCounterMetric(s.p.cfg.Key + "_probe_total")
		m.Increment(2)
		// The SDK's Increment takes an unsigned delta: the C guest's
		// -1, which a counter refuses, has no Go spelling.
		logErr("add", proxywasm.AddHttpRequestHeader("x-metric", strconv.FormatUint(m.Value(), 10)))
	case "shared":
		key := s.p.cfg.Key + "-shared"
		first := status(proxywasm.SetSharedData(key, []byte("v1"), 0))
		got, cas, _ := proxywasm.GetSharedData(key)
		second := status(proxywasm.SetSharedData(key, []byte("v2"), cas))
		stale := status(proxywasm.SetSharedData(key, []byte("v3"), cas))
		now, _, _ := proxywasm.GetSharedData(key)
		logErr("add", proxywasm.AddHttpRequestHeader("x-shared", string(got)+","+strconv.Itoa(first)+","+
			strconv.Itoa(second)+","+strconv.Itoa(stale)+","+string(now)))
	case "unimplemented":
		_, err := proxywasm.DispatchHttpCall("up", nil, nil, nil, 1000, func(int, int, int) {})
		r := strconv.Itoa(status(err)) + "," + strconv.Itoa(status(proxywasm.SetTickPeriodMilliSeconds(10)))
		_, err = proxywasm.RegisterSharedQueue("q")
		r += "," + strconv.Itoa(status(err))
		logErr("add", proxywasm.AddHttpRequestHeader("x-statuses", r))
	}
	return types.ActionContinue
}

func (s *stream) probeRequestBody(bodySize int, endOfStream bool) types.Action {
	if s.probe == "body" && endOfStream {
		b, err := proxywasm.GetHttpRequestBody(0, bodySize)
		logErr("body", err)
		logErr("replace", proxywasm.ReplaceHttpRequestBody([]byte("<"+string(b)+">")))
	}
	return types.ActionContinue
}

func (s *stream) probeResponseHeaders() types.Action {
	switch s.probe {
	case "headers":
		st, _ := proxywasm.GetHttpResponseHeader(":status")
		logErr("add", proxywasm.AddHttpResponseHeader("x-resp", "seen "+st))
		logErr("remove", proxywasm.RemoveHttpResponseHeader("x-route"))
	case "property":
		prop := func(path string) string {
			v, err := proxywasm.GetProperty(strings.Split(path, "."))
			if err != nil {
				return "status " + strconv.Itoa(status(err))
			}
			return string(v)
		}
		for _, h := range [][2]string{{"x-path", "request.path"}, {"x-method", "request.method"},
			{"x-plugin", "plugin_name"}, {"x-missing", "no.such.property"}} {
			logErr("add", proxywasm.AddHttpResponseHeader(h[0], prop(h[1])))
		}
	}
	return types.ActionContinue
}

func (s *stream) probeResponseBody(endOfStream bool) types.Action {
	if s.probe == "body" && endOfStream {
		logErr("append", proxywasm.AppendHttpResponseBody([]byte("!")))
		logErr("prepend", proxywasm.PrependHttpResponseBody([]byte("[")))
	}
	return types.ActionContinue
}
