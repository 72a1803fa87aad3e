package gojinn

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  Chain
		err   string
	}{
		{
			name: "full",
			input: "gojinn_chain {\n" +
				"  name edge\n" +
				"  max_body 2MiB\n" +
				"  body_timeout 15s\n" +
				"  filter waf /w/waf.wasm {\n" +
				"    config `{\"mode\": \"block\"}`\n" +
				"    timeout 50ms\n" +
				"    memory_limit 32MiB\n" +
				"    pool 2 8\n" +
				"    pool_wait 200ms\n" +
				"    idle_timeout 30s\n" +
				"    on_error allow\n" +
				"    trace_logs\n" +
				"  }\n" +
				"  filter hello /w/hello.wasm\n" +
				"  filter jwt /w/jwt.wasm {\n" +
				"    config_file /etc/jwt.json\n" +
				"  }\n" +
				"}",
			want: Chain{Name: "edge", MaxBodyBytes: 2 << 20, BodyTimeout: caddy.Duration(15 * time.Second), Filters: []Filter{
				{Name: "waf", Path: "/w/waf.wasm", Config: json.RawMessage(`{"mode": "block"}`),
					Timeout: caddy.Duration(50 * time.Millisecond), MemoryLimit: 32 << 20,
					PoolMin: 2, PoolMax: 8, PoolWait: caddy.Duration(200 * time.Millisecond),
					IdleTimeout: caddy.Duration(30 * time.Second), OnError: "allow", TraceLogs: true},
				{Name: "hello", Path: "/w/hello.wasm"},
				{Name: "jwt", Path: "/w/jwt.wasm", ConfigFile: "/etc/jwt.json"},
			}},
		},
		{name: "no filters", input: "gojinn_chain {\n}", err: "at least one filter"},
		{name: "filter without path", input: "gojinn_chain {\n filter a\n}", err: "filter wants a name and a path"},
		{name: "bad json", input: "gojinn_chain {\n filter a a.wasm {\n config `{nope`\n }\n}", err: "config is not valid JSON"},
		{name: "scale to zero", input: "gojinn_chain {\n filter a a.wasm {\n pool 0 4\n }\n}",
			want: Chain{Filters: []Filter{{Name: "a", Path: "a.wasm", PoolMax: 4}}}},
		{name: "unquoted json", input: "gojinn_chain {\n filter a a.wasm {\n config {\"a\": 1}\n }\n}", err: "backticks"},
		{name: "bad policy", input: "gojinn_chain {\n filter a a.wasm {\n on_error maybe\n }\n}", err: `on_error is "maybe"`},
		{name: "bad duration", input: "gojinn_chain {\n filter a a.wasm {\n timeout soon\n }\n}", err: "timeout"},
		{name: "bad size", input: "gojinn_chain {\n filter a a.wasm {\n memory_limit lots\n }\n}", err: "memory_limit"},
		{name: "trace_logs with a value", input: "gojinn_chain {\n filter a a.wasm {\n trace_logs on\n }\n}", err: "trace_logs takes no value"},
		{name: "bad pool", input: "gojinn_chain {\n filter a a.wasm {\n pool 1\n }\n}", err: "pool wants two numbers"},
		{name: "shared data", input: "gojinn_chain {\n filter a a.wasm {\n stores default kv\n shared_data kv\n }\n}",
			want: Chain{Filters: []Filter{{Name: "a", Path: "a.wasm", Stores: []string{"default", "kv"}, SharedData: "kv"}}}},
		{name: "shared data of two stores", input: "gojinn_chain {\n filter a a.wasm {\n shared_data a b\n }\n}",
			err: "shared_data wants one value"},
		{name: "shared data, bad name", input: "gojinn_chain {\n filter a a.wasm {\n shared_data a/b\n }\n}",
			err: `store name "a/b"`},
		{name: "unknown option", input: "gojinn_chain {\n filter a a.wasm {\n turbo on\n }\n}", err: `unknown filter option "turbo"`},
		{name: "bad body timeout", input: "gojinn_chain {\n body_timeout slow\n filter a a.wasm\n}", err: "body_timeout"},
		{name: "body timeout without a value", input: "gojinn_chain {\n body_timeout\n filter a a.wasm\n}", err: "wrong argument count"},
		{name: "unknown chain option", input: "gojinn_chain {\n turbo\n}", err: `unknown gojinn_chain option "turbo"`},
		{name: "arguments", input: "gojinn_chain extra {\n filter a a.wasm\n}", err: "wrong argument count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Chain
			err := c.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(c)
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Chain
		err  string
	}{
		{"ok", Chain{Filters: []Filter{{Name: "a", Path: "a.wasm"}}}, ""},
		{"empty", Chain{}, "no filters"},
		{"duplicate", Chain{Filters: []Filter{{Name: "a", Path: "a"}, {Name: "a", Path: "b"}}}, "two filters are named"},
		{"both configs", Chain{Filters: []Filter{{Name: "a", Path: "a", Config: json.RawMessage(`{}`), ConfigFile: "c"}}}, "both config and config_file"},
		{"pool", Chain{Filters: []Filter{{Name: "a", Path: "a", PoolMin: 3, PoolMax: 1}}}, "pool min 3 is over pool max 1"},
		{"policy", Chain{Filters: []Filter{{Name: "a", Path: "a", OnError: "x"}}}, "on_error"},
		{"body timeout", Chain{BodyTimeout: caddy.Duration(-time.Second), Filters: []Filter{{Name: "a", Path: "a"}}}, "body_timeout cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

// TestValidateSharedData: shared_data names one of the filter's stores.
func TestValidateSharedData(t *testing.T) {
	for _, tt := range []struct {
		stores []string
		shared string
		err    string
	}{
		{nil, "", ""},
		{[]string{"kv"}, "kv", ""},
		{[]string{"kv"}, "default", `filter a: shared_data "default" is not one of its stores [kv]`},
		{nil, "kv", `filter a: shared_data "kv" is not one of its stores []`},
	} {
		c := Chain{Filters: []Filter{{Name: "a", Path: "a.wasm", Stores: tt.stores, SharedData: tt.shared}}}
		err := c.Validate()
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("stores %v, shared_data %q: %v, want %q", tt.stores, tt.shared, err, tt.err)
		}
	}
}
