package proxywasm

import (
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// request is what the client sends and the upstream answers.
type request struct {
	method, path string
	header       [][2]string // lowercase names
	body         string
	// The upstream's answer.
	status     int
	respHeader [][2]string
	respBody   string
}

// outcome is what a case is judged on, in the emulator and in Gojinn
// alike: what the upstream was sent (when it was) and what the client
// got, of the fields the case watches.
type outcome struct {
	Upstream   bool
	UpPath     string
	UpHeader   map[string]string
	UpBody     string
	Status     int
	Header     map[string]string
	Body       string
	LocalReply bool
}

// sdkCase is one filter of package plugins on one request.
type sdkCase struct {
	name   string
	config plugins.Config
	req    request
	// watchUp and watch are the request and response fields compared.
	watchUp, watch []string
	// properties are what the emulator answers proxy_get_property with:
	// what Gojinn answers for the request.
	properties map[string][]byte
	want       outcome
}

const authority = "example.com"

func pick(h [][2]string, names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		var vs []string
		for _, kv := range h {
			if strings.EqualFold(kv[0], n) {
				vs = append(vs, kv[1])
			}
		}
		if vs != nil {
			out[n] = strings.Join(vs, ",")
		}
	}
	return out
}

// emulatorMu serialises the emulator: the SDK keeps its state in globals.
var emulatorMu sync.Mutex

// runEmulator runs the case's filter natively in the SDK's emulator,
// playing the host as Gojinn does: one body callback with the whole body.
func runEmulator(t *testing.T, c sdkCase, config []byte) outcome {
	t.Helper()
	var o outcome
	withEmulator(t, c, config, func(host proxytest.HostEmulator) { o = emulate(host, c) })
	return o
}

// emulatorSequence runs the case n times on one emulated host and returns
// the watched response fields of each.
func emulatorSequence(t *testing.T, c sdkCase, config []byte, n int) []map[string]string {
	t.Helper()
	var out []map[string]string
	withEmulator(t, c, config, func(host proxytest.HostEmulator) {
		for range n {
			out = append(out, emulate(host, c).Header)
		}
	})
	return out
}

func withEmulator(t *testing.T, c sdkCase, config []byte, fn func(proxytest.HostEmulator)) {
	t.Helper()
	emulatorMu.Lock()
	defer emulatorMu.Unlock()
	opt := proxytest.NewEmulatorOption().WithVMContext(&plugins.VM{}).WithPluginConfiguration(config)
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	if s := host.StartPlugin(); s != types.OnPluginStartStatusOK {
		t.Fatalf("emulator: the plugin refused its configuration")
	}
	for path, v := range c.properties {
		if err := host.SetProperty(strings.Split(path, "."), v); err != nil {
			t.Fatal(err)
		}
	}
	fn(host)
}

// emulate runs one HTTP context of the case on host.
func emulate(host proxytest.HostEmulator, c sdkCase) outcome {
	r := c.req
	id := host.InitializeHttpContext()
	hs := append([][2]string{{":authority", authority}, {":path", r.path}, {":method", r.method}, {":scheme", "http"}}, r.header...)
	host.CallOnRequestHeaders(id, hs, r.body == "")
	local := host.GetSentLocalResponse(id)
	if local == nil && r.body != "" {
		host.CallOnRequestBody(id, []byte(r.body), true)
		local = host.GetSentLocalResponse(id)
	}
	if local != nil {
		host.CompleteHttpContext(id)
		return outcome{Status: int(local.StatusCode), Header: pick(local.Headers, c.watch), Body: string(local.Data), LocalReply: true}
	}
	up := host.GetCurrentRequestHeaders(id)
	o := outcome{Upstream: true, UpHeader: pick(up, c.watchUp), UpBody: string(host.GetCurrentRequestBody(id))}
	for _, kv := range up {
		if kv[0] == ":path" {
			o.UpPath = kv[1]
		}
	}
	rh := append([][2]string{{":status", strconv.Itoa(r.status)}}, r.respHeader...)
	host.CallOnResponseHeaders(id, rh, r.respBody == "")
	o.Body = r.respBody
	if r.respBody != "" {
		host.CallOnResponseBody(id, []byte(r.respBody), true)
		o.Body = string(host.GetCurrentResponseBody(id))
	}
	host.CompleteHttpContext(id)
	o.Status = r.status
	o.Header = pick(host.GetCurrentResponseHeaders(id), c.watch)
	return o
}

// upstream is where a test sends a case's request: Gojinn in front of
// an upstream that records what it was sent and answers the case's
// response.
type upstream struct {
	// url is where a case's request goes: the chain's server, or the
	// Caddy site in front of the recording upstream.
	url    string
	client *http.Client
	take   func(id string) (outcome, bool)
}

// recordKey carries the test's own id of a request to the upstream.
const recordKey = "X-Test-Request"

// newUpstream serves the chain in front of a recording upstream that
// answers with the case's response.
func newUpstream(t *testing.T, chain *pipeline.Chain, c sdkCase) *upstream {
	t.Helper()
	next, take := recordingUpstream(c)
	srv := httptest.NewServer(chain.Middleware(next))
	t.Cleanup(srv.Close)
	return &upstream{url: srv.URL, client: srv.Client(), take: take}
}

// recordingUpstream is an upstream that answers with the case's response
// and records, by the request's recordKey, what it was sent.
func recordingUpstream(c sdkCase) (http.Handler, func(id string) (outcome, bool)) {
	var mu sync.Mutex
	records := map[string]outcome{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := outcome{Upstream: true, UpPath: r.URL.RequestURI(), UpHeader: pick(headerPairs(r.Header), c.watchUp)}
		b, _ := io.ReadAll(r.Body)
		o.UpBody = string(b)
		mu.Lock()
		records[r.Header.Get(recordKey)] = o
		mu.Unlock()
		for _, kv := range c.req.respHeader {
			w.Header().Add(kv[0], kv[1])
		}
		w.WriteHeader(c.req.status)
		_, _ = io.WriteString(w, c.req.respBody)
	})
	take := func(id string) (outcome, bool) {
		mu.Lock()
		defer mu.Unlock()
		o, ok := records[id]
		delete(records, id)
		return o, ok
	}
	return next, take
}

func headerPairs(h http.Header) [][2]string {
	var hs [][2]string
	for k, vs := range h {
		for _, v := range vs {
			hs = append(hs, [2]string{strings.ToLower(k), v})
		}
	}
	return hs
}

var requestIDs atomic.Int64

// doRequest sends the case's request through u and returns the outcome.
func doRequest(t *testing.T, u *upstream, c sdkCase) outcome {
	t.Helper()
	req, err := http.NewRequest(c.req.method, u.url+c.req.path, strings.NewReader(c.req.body))
	if err != nil {
		t.Error(err)
		return outcome{}
	}
	req.Host = authority
	for _, kv := range c.req.header {
		req.Header.Add(kv[0], kv[1])
	}
	id := strconv.FormatInt(requestIDs.Add(1), 10)
	req.Header.Set(recordKey, id)
	resp, err := u.client.Do(req)
	if err != nil {
		t.Error(err)
		return outcome{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	o, sent := u.take(id)
	if !sent {
		o = outcome{LocalReply: true}
	}
	o.Status, o.Header, o.Body = resp.StatusCode, pick(headerPairs(resp.Header), c.watch), string(b)
	return o
}

// runGojinn runs the case through a chain of its filter.
func runGojinn(t *testing.T, c sdkCase, config []byte, wasm []byte) outcome {
	t.Helper()
	chain := filtertest.Chain(t, pipeline.Options{Name: "pw"}, filters.Config{Name: "pw-" + c.name, Wasm: wasm, GuestConfig: config})
	return doRequest(t, newUpstream(t, chain, c), c)
}

func le64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }
