package proxywasm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/gojinn/gojinn/conformance/proxywasm/plugins"
	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// TestSDKTicks: a Go SDK plugin that sets a tick period in OnPluginStart
// gets OnTick calls, which count in a metric that requests read through
// the chain; the count the ticks keep in the plugin's Go fields stays on
// the tick instance (a request's instance has its own memory, restored
// from start-up), and asking for a period from an HTTP context is
// BAD_ARGUMENT. Ticks are waited for, up to half a minute, never timed.
func TestSDKTicks(t *testing.T) {
	key := fmt.Sprintf("pw_ticks_%p", t)
	config, _ := json.Marshal(plugins.Config{Plugin: "ticker", Key: key, PeriodMS: 10})
	c := sdkCase{name: "ticker", req: get("/ticks"), watchUp: []string{"x-ticks", "x-local-ticks", "x-set-tick"}}
	chain := filtertest.Chain(t, pipeline.Options{Name: "pw"},
		filters.Config{Name: "pw-ticks", Wasm: sdkGuest(t), GuestConfig: config, PoolMax: 2})
	srv := newUpstream(t, chain, c)
	deadline := time.Now().Add(30 * time.Second)
	for {
		up := doRequest(t, srv, c).UpHeader
		if up["x-local-ticks"] != "0" || up["x-set-tick"] != types.ErrorStatusBadArgument.Error() {
			t.Fatalf("request saw %v, want no ticks of its own and %q for a period", up, types.ErrorStatusBadArgument)
		}
		n, err := strconv.Atoi(up["x-ticks"])
		if err != nil {
			t.Fatalf("x-ticks %q: %v", up["x-ticks"], err)
		}
		if n >= 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ticks after 30 s, want 3", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSDKTicksNeedTwoInstances: the tick instance is one of pool_max.
func TestSDKTicksNeedTwoInstances(t *testing.T) {
	config, _ := json.Marshal(plugins.Config{Plugin: "ticker", Key: fmt.Sprintf("pw_ticks_%p", t), PeriodMS: 10})
	f, err := filtertest.Engine(t).Load(t.Context(), filters.Config{Name: "pw-ticks", Wasm: sdkGuest(t), GuestConfig: config, PoolMax: 1})
	if err == nil {
		f.Close(t.Context())
		t.Fatal("loaded with pool_max 1; want a load error")
	}
}
