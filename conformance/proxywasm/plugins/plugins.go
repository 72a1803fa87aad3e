// Package plugins are Proxy-Wasm HTTP filters written with the real Go SDK
// (github.com/proxy-wasm/proxy-wasm-go-sdk), covering the ground of the
// SDK's examples: headers, bodies, routing, JSON validation, metrics,
// shared data, properties, a local response, and faults. The same code
// runs natively in the SDK's emulator (proxytest) and, built for wasip1 by
// testdata/sdkguest, in Gojinn: the tests require the same results.
//
// The plugin configuration is JSON: {"plugin": "<name>", ...}; the name
// picks the filter, the rest is its own.
package plugins

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// VM is the VM context.
type VM struct {
	types.DefaultVMContext
}

// NewPluginContext implements types.VMContext.
func (*VM) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

// Config is the plugin configuration.
type Config struct {
	Plugin string `json:"plugin"`
	// Header and Value: the header the headers filter adds to responses.
	Header string `json:"header,omitempty"`
	Value  string `json:"value,omitempty"`
	// Required: the keys the json filter requires in the request body.
	Required []string `json:"required,omitempty"`
	// Key: the shared data key the shared filter counts requests in; the
	// metrics filter's metric names start with it.
	Key string `json:"key,omitempty"`
	// Trap: the callback the fault filter panics in ("configure",
	// "request_headers", "request_body", "response_headers",
	// "response_body", "log"); Refuse makes it refuse its configuration.
	Trap   string `json:"trap,omitempty"`
	Refuse bool   `json:"refuse,omitempty"`
	// PeriodMS: the ticker filter's tick period, set in OnPluginStart;
	// it counts its ticks in the metric <key>_ticks_total.
	PeriodMS uint32 `json:"period_ms,omitempty"`
}

type plugin struct {
	types.DefaultPluginContext
	cfg      Config
	requests proxywasm.MetricCounter
	inflight proxywasm.MetricGauge
	sizes    proxywasm.MetricHistogram
	// ticks counts the ticker's ticks for every instance to read;
	// localTicks counts them in this instance's memory only.
	ticks      proxywasm.MetricCounter
	localTicks int
}

// OnPluginStart implements types.PluginContext.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("reading the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if err := json.Unmarshal(data, &p.cfg); err != nil {
		proxywasm.LogCriticalf("the plugin configuration is not JSON: %v", err)
		return types.OnPluginStartStatusFailed
	}
	switch p.cfg.Plugin {
	case "headers", "body", "routing", "json", "shared", "properties", "auth", "probe":
	case "metrics":
		p.requests = proxywasm.DefineCounterMetric(p.cfg.Key + "_requests_total")
		p.inflight = proxywasm.DefineGaugeMetric(p.cfg.Key + "_inflight")
		p.sizes = proxywasm.DefineHistogramMetric(p.cfg.Key + "_body_bytes")
	case "ticker":
		p.ticks = proxywasm.DefineCounterMetric(p.cfg.Key + "_ticks_total")
		if err := proxywasm.SetTickPeriodMilliSeconds(p.cfg.PeriodMS); err != nil {
			proxywasm.LogCriticalf("setting the tick period: %v", err)
			return types.OnPluginStartStatusFailed
		}
	case "fault":
		if p.cfg.Refuse {
			proxywasm.LogCritical("refusing: the configuration asks for it")
			return types.OnPluginStartStatusFailed
		}
		if p.cfg.Trap == "configure" {
			panic("trap in configure")
		}
	default:
		proxywasm.LogCriticalf("unknown plugin %q", p.cfg.Plugin)
		return types.OnPluginStartStatusFailed
	}
	proxywasm.LogInfof("plugin %s started", p.cfg.Plugin)
	return types.OnPluginStartStatusOK
}

// OnTick implements types.PluginContext.
func (p *plugin) OnTick() {
	if p.cfg.Plugin == "ticker" {
		p.ticks.Increment(1)
		p.localTicks++
	}
}

// NewHttpContext implements types.PluginContext.
func (p *plugin) NewHttpContext(id uint32) types.HttpContext {
	return &stream{p: p, id: id}
}

type stream struct {
	types.DefaultHttpContext
	p  *plugin
	id uint32
	// probe is the case of the probe filter's request.
	probe string
}

func (s *stream) trap(where string) {
	if s.p.cfg.Plugin == "fault" && s.p.cfg.Trap == where {
		panic("trap in " + where)
	}
}

func logErr(what string, err error) {
	if err != nil {
		proxywasm.LogErrorf("%s: %v", what, err)
	}
}

// OnHttpRequestHeaders implements types.HttpContext.
func (s *stream) OnHttpRequestHeaders(numHeaders int, endOfStream bool) types.Action {
	s.trap("request_headers")
	switch s.p.cfg.Plugin {
	case "probe":
		return s.probeRequestHeaders()
	case "headers":
		logErr("replace", proxywasm.ReplaceHttpRequestHeader("test", "best"))
		logErr("add", proxywasm.AddHttpRequestHeader("x-proxy-wasm", "go-sdk"))
		logErr("remove", proxywasm.RemoveHttpRequestHeader("x-remove-me"))
		hs, err := proxywasm.GetHttpRequestHeaders()
		logErr("headers", err)
		for _, h := range hs {
			if h[0] == "x-echo" {
				logErr("add", proxywasm.AddHttpRequestHeader("x-echoed", h[1]))
			}
		}
	case "body", "json":
		if !endOfStream {
			// Wait for the whole body.
			return types.ActionPause
		}
	case "routing":
		route, err := proxywasm.GetHttpRequestHeader("x-route")
		if err == nil && route != "" {
			path, err := proxywasm.GetHttpRequestHeader(":path")
			logErr("path", err)
			logErr("rewrite", proxywasm.ReplaceHttpRequestHeader(":path", "/"+route+path))
			logErr("remove", proxywasm.RemoveHttpRequestHeader("x-route"))
		}
	case "auth":
		if v, err := proxywasm.GetHttpRequestHeader("authorization"); err != nil || v != "Bearer let-me-in" {
			logErr("send", proxywasm.SendHttpResponse(401, [][2]string{{"www-authenticate", "Bearer"}, {"x-denied-by", "proxy-wasm"}},
				[]byte("access denied\n"), -1))
			return types.ActionPause
		}
	case "metrics":
		s.p.requests.Increment(1)
		s.p.inflight.Add(1)
	case "shared":
		n := s.count()
		logErr("add", proxywasm.AddHttpRequestHeader("x-shared-count", strconv.Itoa(n)))
	case "ticker":
		// What the ticks counted where every instance sees it, what
		// this instance's memory has of them, and what asking for a
		// period from an HTTP context answers.
		logErr("add", proxywasm.AddHttpRequestHeader("x-ticks", strconv.FormatUint(s.p.ticks.Value(), 10)))
		logErr("add", proxywasm.AddHttpRequestHeader("x-local-ticks", strconv.Itoa(s.p.localTicks)))
		tickErr := "ok"
		if err := proxywasm.SetTickPeriodMilliSeconds(s.p.cfg.PeriodMS); err != nil {
			tickErr = err.Error()
		}
		logErr("add", proxywasm.AddHttpRequestHeader("x-set-tick", tickErr))
	}
	return types.ActionContinue
}

// count adds one to the shared counter, retrying on a CAS mismatch.
func (s *stream) count() int {
	for range 100 {
		v, cas, err := proxywasm.GetSharedData(s.p.cfg.Key)
		if err != nil && err != types.ErrorStatusNotFound {
			logErr("get shared", err)
			return -1
		}
		n := 0
		if len(v) > 0 {
			n, _ = strconv.Atoi(string(v))
		}
		n++
		switch err := proxywasm.SetSharedData(s.p.cfg.Key, []byte(strconv.Itoa(n)), cas); err {
		case nil:
			return n
		case types.ErrorStatusCasMismatch:
			continue
		default:
			logErr("set shared", err)
			return -1
		}
	}
	return -1
}

// OnHttpRequestBody implements types.HttpContext.
func (s *stream) OnHttpRequestBody(bodySize int, endOfStream bool) types.Action {
	s.trap("request_body")
	if s.p.cfg.Plugin == "probe" {
		return s.probeRequestBody(bodySize, endOfStream)
	}
	if !endOfStream {
		return types.ActionPause
	}
	switch s.p.cfg.Plugin {
	case "body":
		body, err := proxywasm.GetHttpRequestBody(0, bodySize)
		logErr("get body", err)
		logErr("replace body", proxywasm.ReplaceHttpRequestBody([]byte(strings.ToUpper(string(body)))))
		logErr("append body", proxywasm.AppendHttpRequestBody([]byte("|appended")))
		logErr("prepend body", proxywasm.PrependHttpRequestBody([]byte("prepended|")))
	case "json":
		body, err := proxywasm.GetHttpRequestBody(0, bodySize)
		logErr("get body", err)
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			logErr("send", proxywasm.SendHttpResponse(400, [][2]string{{"content-type", "text/plain"}}, []byte("invalid JSON\n"), -1))
			return types.ActionPause
		}
		for _, k := range s.p.cfg.Required {
			if _, ok := v[k]; !ok {
				logErr("send", proxywasm.SendHttpResponse(403, [][2]string{{"content-type", "text/plain"}},
					[]byte("missing "+k+"\n"), -1))
				return types.ActionPause
			}
		}
	case "metrics":
		s.p.sizes.Record(uint64(bodySize))
	}
	return types.ActionContinue
}

// OnHttpResponseHeaders implements types.HttpContext.
func (s *stream) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	s.trap("response_headers")
	switch s.p.cfg.Plugin {
	case "probe":
		return s.probeResponseHeaders()
	case "headers":
		logErr("add", proxywasm.AddHttpResponseHeader("x-proxy-wasm-go-sdk-example", "http_headers"))
		if s.p.cfg.Header != "" {
			logErr("add", proxywasm.AddHttpResponseHeader(s.p.cfg.Header, s.p.cfg.Value))
		}
		logErr("remove", proxywasm.RemoveHttpResponseHeader("x-upstream-secret"))
		status, err := proxywasm.GetHttpResponseHeader(":status")
		logErr("status", err)
		logErr("add", proxywasm.AddHttpResponseHeader("x-upstream-status", status))
	case "body":
		if !endOfStream {
			return types.ActionPause
		}
	case "metrics":
		logErr("add", proxywasm.AddHttpResponseHeader("x-requests", strconv.FormatUint(s.p.requests.Value(), 10)))
		logErr("add", proxywasm.AddHttpResponseHeader("x-inflight", strconv.FormatInt(s.p.inflight.Value(), 10)))
	case "shared":
		v, _, err := proxywasm.GetSharedData(s.p.cfg.Key)
		logErr("get shared", err)
		logErr("add", proxywasm.AddHttpResponseHeader("x-shared-now", string(v)))
	case "properties":
		for _, path := range []string{"request.path", "request.url_path", "request.method", "request.host",
			"request.scheme", "request.protocol", "source.address", "source.port", "destination.address",
			"destination.port", "plugin_name", "response.code", "request.time", "request.duration", "connection.id",
			"upstream.address"} {
			v, err := proxywasm.GetProperty(strings.Split(path, "."))
			if err != nil {
				v = []byte("error: " + err.Error())
			}
			switch path {
			case "source.port", "destination.port", "response.code", "request.time", "request.duration", "connection.id":
				// Integers, 8 bytes little-endian as Envoy has them.
				if len(v) == 8 {
					v = []byte(strconv.FormatUint(binary.LittleEndian.Uint64(v), 10))
				}
			}
			logErr("add", proxywasm.AddHttpResponseHeader("x-prop-"+strings.ReplaceAll(path, ".", "-"), string(v)))
		}
	}
	return types.ActionContinue
}

// OnHttpResponseBody implements types.HttpContext.
func (s *stream) OnHttpResponseBody(bodySize int, endOfStream bool) types.Action {
	s.trap("response_body")
	if s.p.cfg.Plugin == "probe" {
		return s.probeResponseBody(endOfStream)
	}
	if !endOfStream {
		return types.ActionPause
	}
	if s.p.cfg.Plugin == "body" {
		body, err := proxywasm.GetHttpResponseBody(0, bodySize)
		logErr("get body", err)
		logErr("replace body", proxywasm.ReplaceHttpResponseBody([]byte(strings.ReplaceAll(string(body), "upstream", "filtered"))))
	}
	return types.ActionContinue
}

// OnHttpStreamDone implements types.HttpContext.
func (s *stream) OnHttpStreamDone() {
	s.trap("log")
	if s.p.cfg.Plugin == "metrics" {
		s.p.inflight.Add(-1)
	}
	proxywasm.LogInfof("%d finished", s.id)
}
