package gojinn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/gojinn/gojinn/internal/kvstore"
)

func TestStoresCaddyfile(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  map[string]*StoreConfig
		err   string
	}{
		{
			name: "memory and redis",
			input: "gojinn {\n" +
				"  store sessions memory {\n    max_bytes 8MiB\n    max_key 256B\n    max_value 4KiB\n  }\n" +
				"  store limits redis redis://:s3cret@127.0.0.1:6379/2 {\n" +
				"    on_error fail_open\n    timeout 20ms\n    pool_size 16\n    failures 3\n    cooldown 1s 10s\n    max_value 1KiB\n  }\n" +
				"  store plain\n" +
				"  store shared redis redis://127.0.0.1:7000?addr=127.0.0.1:7001 {\n    on_error fail_closed\n    mode cluster\n  }\n" +
				"}",
			want: map[string]*StoreConfig{
				"sessions": {Type: "memory", MaxBytes: 8 << 20, MaxKey: 256, MaxValue: 4 << 10},
				"limits": {Type: "redis", URL: "redis://:s3cret@127.0.0.1:6379/2", OnError: FailOpen,
					Timeout: caddy.Duration(20 * time.Millisecond), PoolSize: 16, Failures: 3,
					Cooldown: caddy.Duration(time.Second), MaxCooldown: caddy.Duration(10 * time.Second), MaxValue: 1 << 10},
				"plain":  {Type: "memory"},
				"shared": {Type: "redis", URL: "redis://127.0.0.1:7000?addr=127.0.0.1:7001", Mode: "cluster", OnError: FailClosed},
			},
		},
		{name: "redis without a policy", input: "gojinn {\n store s redis redis://127.0.0.1:6379\n}", err: "needs on_error fail_open or fail_closed"},
		{name: "redis without a url", input: "gojinn {\n store s redis\n}", err: "needs a url"},
		{name: "bad policy", input: "gojinn {\n store s redis redis://h:1 {\n on_error maybe\n }\n}", err: `on_error "maybe"`},
		{name: "bad type", input: "gojinn {\n store s disk\n}", err: `type "disk"`},
		{name: "redis options on memory", input: "gojinn {\n store s memory {\n timeout 1s\n }\n}", err: "takes only max_key"},
		{name: "max_bytes on redis", input: "gojinn {\n store s redis redis://h:1 {\n on_error fail_open\n max_bytes 1MiB\n }\n}", err: "maxmemory"},
		{name: "bound too small", input: "gojinn {\n store s memory {\n max_bytes 1KiB\n }\n}", err: "cannot hold one entry"},
		{name: "twice", input: "gojinn {\n store s\n store s\n}", err: "configured twice"},
		{name: "unknown option", input: "gojinn {\n store s memory {\n colour blue\n }\n}", err: `unknown option "colour"`},
		{name: "unknown block option", input: "gojinn {\n cache on\n}", err: `unknown option "cache"`},
		{name: "bad mode", input: "gojinn {\n store s redis redis://h:1 {\n on_error fail_open\n mode replica\n }\n}", err: `mode "replica"`},
		{name: "mode on memory", input: "gojinn {\n store s memory {\n mode cluster\n }\n}", err: "takes only max_key"},
		{name: "bad duration", input: "gojinn {\n store s redis redis://h:1 {\n on_error fail_open\n timeout soon\n }\n}", err: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser(tt.input)
			v, err := parseGlobalOption(d, nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("the error repeats a password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got App
			if err := json.Unmarshal(v.(httpcaddyfile.App).Value, &got); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(got.Stores)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Fatalf("stores\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

// provisionApp provisions an App from its JSON, as a config load does.
func provisionApp(t *testing.T, cfg string) *App {
	t.Helper()
	var a App
	if err := json.Unmarshal([]byte(cfg), &a); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := a.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestStoresSurviveReload: a config loaded while the last still runs (a
// reload) finds its stores with their state; once the old config is
// cleaned up, the stores stay; a store whose configuration changed is a
// new one; a store no config holds is gone.
func TestStoresSurviveReload(t *testing.T) {
	const cfg = `{"stores": {"counts": {"type": "memory", "max_bytes": 1048576}}}`
	ctx := context.Background()
	old := provisionApp(t, cfg)
	if _, err := old.Store("counts").Incr(ctx, []byte("k"), 5, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Store(DefaultStore).Incr(ctx, []byte("k"), 7, 0); err != nil {
		t.Fatal(err)
	}

	reloaded := provisionApp(t, cfg)
	if err := old.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if n, err := reloaded.Store("counts").Incr(ctx, []byte("k"), 1, 0); err != nil || n != 6 {
		t.Fatalf("counts after the reload: %d, %v; want 6", n, err)
	}
	if n, err := reloaded.Store(DefaultStore).Incr(ctx, []byte("k"), 1, 0); err != nil || n != 8 {
		t.Fatalf("the default store after the reload: %d, %v; want 8", n, err)
	}

	changed := provisionApp(t, `{"stores": {"counts": {"type": "memory", "max_bytes": 2097152}}}`)
	if err := reloaded.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if n, err := changed.Store("counts").Incr(ctx, []byte("k"), 1, 0); err != nil || n != 1 {
		t.Fatalf("a store whose configuration changed kept its state: %d, %v", n, err)
	}
	if changed.Store("nope") != nil {
		t.Fatal("a store nobody configured")
	}
	if err := changed.Cleanup(); err != nil {
		t.Fatal(err)
	}
	fresh := provisionApp(t, cfg)
	defer fresh.Cleanup()
	if _, ok, _ := fresh.Store("counts").Get(ctx, []byte("k"), nil); ok {
		t.Fatal("a store that no config held for a while kept its state")
	}
}

func TestStoresValidate(t *testing.T) {
	for _, tt := range []struct{ cfg, want string }{
		{`{"stores": {"a b": {}}}`, "a name is 1 to 64"},
		{`{"stores": {"r": {"type": "redis", "url": "redis://:s3cret@h:1"}}}`, "needs on_error"},
		{`{"stores": {"r": {"type": "redis", "url": "nope://:s3cret@h:1", "on_error": "fail_open"}}}`, "redis store nope://:xxxxx@h:1"},
		{`{"stores": {"r": {"type": "redis", "url": "redis://:s3cret@h:1", "mode": "sentinel", "on_error": "fail_open"}}}`, "master_name"},
	} {
		var a App
		if err := json.Unmarshal([]byte(tt.cfg), &a); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		err := a.Provision(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want %q and no password", tt.cfg, err, tt.want)
		}
	}
}

// TestCaddyStoresReload: a real Caddy with stores in its global options
// serves, its stores are the app's, and a reload of the same config
// keeps a memory store's state.
func TestCaddyStoresReload(t *testing.T) {
	tc := newTester(t)
	// The site's answer differs between the two loads: Caddy skips a
	// load of the config it runs.
	config := func(answer string) string {
		return fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	gojinn {
		store counts memory {
			max_bytes 1MiB
		}
		store shared redis redis://:s3cret@127.0.0.1:1/0 {
			on_error fail_closed
		}
	}
}
:%d {
	respond %q
}
`, adminPort, caddyPort, caddyPort, answer)
	}
	tc.InitServer(config("one"), "caddyfile")
	tc.AssertGetResponse(fmt.Sprintf("http://localhost:%d/", caddyPort), 200, "one")
	counts := func() kvstore.Store {
		t.Helper()
		app, err := caddy.ActiveContext().App("gojinn")
		if err != nil {
			t.Fatal(err)
		}
		s := app.(*App).Store("counts")
		if s == nil {
			t.Fatal("no store counts in the running config")
		}
		return s
	}
	if n, err := counts().Incr(context.Background(), []byte("k"), 41, 0); err != nil || n != 41 {
		t.Fatalf("Incr: %d, %v", n, err)
	}
	tc.InitServer(config("two"), "caddyfile")
	tc.AssertGetResponse(fmt.Sprintf("http://localhost:%d/", caddyPort), 200, "two")
	if n, err := counts().Incr(context.Background(), []byte("k"), 1, 0); err != nil || n != 42 {
		t.Fatalf("after a reload: %d, %v; want 42", n, err)
	}
}
