package proxywasm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/loopback"
)

// TestCaddySDKGuestsAgree runs every case of TestSDKGuestsAgree through
// a real Caddy: each case a site of its own, its filter (named, as in
// the bare chain, after its plugin: plugin_name shows it) in a
// gojinn_chain before reverse_proxy to a recording upstream. The outcome
// must be the emulator's, as through the bare chain.
func TestCaddySDKGuestsAgree(t *testing.T) {
	cases := sdkCases()
	// The admin's port, then one site's for each case.
	ports, err := loopback.FreePorts(1 + len(cases))
	if err != nil {
		t.Fatal(err)
	}
	adminPort := ports[0]
	useCompilationCache(t)
	sdk := filtertest.Path(t, "testdata/sdkguest")

	ups := make([]*upstream, len(cases))
	var sites strings.Builder
	for i, c := range cases {
		config, err := json.Marshal(c.config)
		if err != nil {
			t.Fatal(err)
		}
		port := ports[1+i]
		next, take := recordingUpstream(c)
		srv := httptest.NewServer(next)
		t.Cleanup(srv.Close)
		ups[i] = &upstream{url: fmt.Sprintf("http://127.0.0.1:%d", port), take: take}
		fmt.Fprintf(&sites, "http://:%d {\n\tbind 127.0.0.1\n\tgojinn_chain {\n\t\tfilter pw-%s %s {\n\t\t\tconfig `%s`\n\t\t}\n\t}\n"+
			"\treverse_proxy %s\n}\n", port, c.config.Plugin, sdk, config, strings.TrimPrefix(srv.URL, "http://"))
	}
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{
		AdminPort:          adminPort,
		LoadRequestTimeout: 5 * time.Minute,
		TestRequestTimeout: time.Minute,
	})
	tc.InitServer(fmt.Sprintf("{\n\tadmin localhost:%d\n\tskip_install_trust\n}\n%s", adminPort, sites.String()), "caddyfile")
	client := &http.Client{Timeout: time.Minute}
	for i, c := range cases {
		ups[i].client = client
		t.Run(c.name, func(t *testing.T) {
			config, _ := json.Marshal(c.config)
			emu := runEmulator(t, c, config)
			got := doRequest(t, ups[i], c)
			if !reflect.DeepEqual(emu, got) {
				t.Errorf("emulator and Caddy disagree:\nemulator %+v\ncaddy    %+v", emu, got)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("outcome:\ngot  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
