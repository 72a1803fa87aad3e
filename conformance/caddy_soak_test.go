package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"

	gojinn "github.com/gojinn/gojinn/caddy"
	"github.com/gojinn/gojinn/internal/loopback"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// caddyServer runs the chains in Caddy: a route per chain, matching its
// prefix, with the gojinn_chain handler, then reverse_proxy to the echo
// upstream, from a JSON config on a loopback port, as a deployment would.
func caddyServer(t *testing.T, routes []soakRoute) (string, func()) {
	// Caddy's engine keeps its compiled code where the tests' engines do,
	// not in the user's Caddy data folder; it reads the setting when the
	// first chain is provisioned, in this process.
	cacheDir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(gojinn.CacheDirEnv, cacheDir)
	up := httptest.NewServer(http.HandlerFunc(echo))
	dir := t.TempDir()
	var caddyRoutes []any
	for i, r := range routes {
		var filters []map[string]any
		for _, f := range r.filters {
			name := fmt.Sprintf("%d-%s", i, f.Name)
			wasm := filepath.Join(dir, name+".wasm")
			conf := filepath.Join(dir, name+".conf")
			if err := os.WriteFile(wasm, f.Wasm, 0o600); err != nil {
				t.Fatal(err)
			}
			// The scripts are not JSON: config_file hands them over as bytes.
			if err := os.WriteFile(conf, f.Config, 0o600); err != nil {
				t.Fatal(err)
			}
			filters = append(filters, map[string]any{
				"name": f.Name, "path": wasm, "config_file": conf,
				"timeout": f.Timeout.String(), "memory_limit": f.MemoryLimit, "pool_max": f.PoolMax,
				"pool_wait": f.PoolWait.String(),
			})
		}
		caddyRoutes = append(caddyRoutes, map[string]any{
			"match": []any{map[string]any{"path": []string{r.prefix + "/*"}}},
			"handle": []any{
				map[string]any{"handler": "gojinn_chain", "filters": filters},
				map[string]any{"handler": "reverse_proxy", "upstreams": []any{map[string]any{"dial": up.Listener.Addr().String()}}},
			},
		})
	}
	port := freePort(t)
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"writer": map[string]any{"output": "discard"}}}},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"soak": map[string]any{
			"listen":          []string{"127.0.0.1:" + strconv.Itoa(port)},
			"automatic_https": map[string]any{"disable": true},
			"routes":          caddyRoutes,
		}}}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := caddy.Load(b, true); err != nil {
		up.Close()
		t.Fatal(err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port), func() {
		_ = caddy.Stop()
		up.Close()
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func TestSoakCaddy(t *testing.T) {
	soak(t, caddyServer)
}
