package conformance

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"

	_ "github.com/gojinn/gojinn/caddy"
)

// caddyServer runs the chain in Caddy: the gojinn_chain handler, then
// reverse_proxy to the echo upstream, from a JSON config on a loopback
// port, as a deployment would.
func caddyServer(t *testing.T, fs []Filter) (string, func()) {
	up := httptest.NewServer(http.HandlerFunc(echo))
	dir := t.TempDir()
	var filters []map[string]any
	for _, f := range fs {
		wasm := filepath.Join(dir, f.Name+".wasm")
		conf := filepath.Join(dir, f.Name+".conf")
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
		})
	}
	port := freePort(t)
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"writer": map[string]any{"output": "discard"}}}},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"soak": map[string]any{
			"listen":          []string{"127.0.0.1:" + strconv.Itoa(port)},
			"automatic_https": map[string]any{"disable": true},
			"routes": []any{map[string]any{"handle": []any{
				map[string]any{"handler": "gojinn_chain", "filters": filters},
				map[string]any{"handler": "reverse_proxy", "upstreams": []any{map[string]any{"dial": up.Listener.Addr().String()}}},
			}}},
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestSoakCaddy(t *testing.T) {
	needGuests(t)
	soak(t, caddyServer)
}
