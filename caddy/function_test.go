package gojinn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestFunctionCaddyfile: the gojinn directive as the original Gojinn
// documents it, plus this one's options, adapted to Caddy's JSON; a
// matcher when there are two arguments, and a module path when there is
// one, even an absolute one.
func TestFunctionCaddyfile(t *testing.T) {
	tests := []struct {
		name, directive string
		match           string // the route's matcher JSON, "" for none
		want            Function
	}{
		{"the original's syntax", "gojinn ./functions/contact.wasm {\n" +
			" timeout 2s\n memory_limit 128MB\n env DB_HOST \"10.0.0.5\"\n env API_KEY {env.SECRET_API_KEY}\n args --debug --json-logs\n}",
			"", Function{Path: "./functions/contact.wasm", Timeout: caddy.Duration(2 * time.Second), MemoryLimit: 128e6,
				Env: map[string]string{"DB_HOST": "10.0.0.5", "API_KEY": "{env.SECRET_API_KEY}"}, Args: []string{"--debug", "--json-logs"}}},
		{"every option", "gojinn fn.wasm {\n name api\n pool_size 3\n pool_wait 50ms\n idle_timeout 1m\n max_body 2MiB\n max_output 8MiB\n args a\n args b c\n}",
			"", Function{Path: "fn.wasm", Name: "api", PoolSize: 3, PoolWait: caddy.Duration(50 * time.Millisecond),
				IdleTimeout: caddy.Duration(time.Minute), MaxBodyBytes: 2 << 20, MaxOutputBytes: 8 << 20, Args: []string{"a", "b", "c"}}},
		{"an absolute path alone", "gojinn /srv/fn.wasm", "", Function{Path: "/srv/fn.wasm"}},
		{"a path matcher", "gojinn /api/* /srv/fn.wasm", `[{"path":["/api/*"]}]`, Function{Path: "/srv/fn.wasm"}},
		{"a named matcher", "@v2 path /api/v2/*\ngojinn @v2 fn.wasm", `[{"path":["/api/v2/*"]}]`, Function{Path: "fn.wasm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "http://localhost:9999 {\n" + tt.directive + "\n}\n"
			adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": "Caddyfile"})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range warnings {
				if !strings.Contains(w.Message, "not formatted") {
					t.Errorf("warning: %s", w.Message)
				}
			}
			var cfg struct {
				Apps struct {
					HTTP struct {
						Servers map[string]struct {
							Routes []struct {
								Handle []struct {
									Routes []struct {
										Match  json.RawMessage   `json:"match"`
										Handle []json.RawMessage `json:"handle"`
									} `json:"routes"`
								} `json:"handle"`
							} `json:"routes"`
						} `json:"servers"`
					} `json:"http"`
				} `json:"apps"`
			}
			if err := json.Unmarshal(adapted, &cfg); err != nil {
				t.Fatal(err)
			}
			var route struct {
				Match  json.RawMessage
				Handle []json.RawMessage
			}
			for _, s := range cfg.Apps.HTTP.Servers {
				r := s.Routes[0].Handle[0].Routes[0]
				route.Match, route.Handle = r.Match, r.Handle
			}
			if string(route.Match) != tt.match || len(route.Handle) != 1 {
				t.Fatalf("route %s %s", route.Match, route.Handle)
			}
			var got struct {
				Handler string `json:"handler"`
				Function
			}
			if err := json.Unmarshal(route.Handle[0], &got); err != nil {
				t.Fatal(err)
			}
			if got.Handler != "gojinn" || !reflect.DeepEqual(got.Function, tt.want) {
				t.Fatalf("handler %s %+v, want %+v", got.Handler, got.Function, tt.want)
			}
		})
	}
}

// TestFunctionValidate: what is wrong with a config is said before any
// module is read.
func TestFunctionValidate(t *testing.T) {
	for _, tt := range []struct {
		f    Function
		want string
	}{
		{Function{}, "no module"},
		{Function{Path: "f.wasm", Env: map[string]string{"A=B": "1"}}, `env name "A=B" is not a variable name`},
		{Function{Path: "f.wasm", MaxBodyBytes: -1}, "max body cannot be negative"},
		{Function{Path: "f.wasm", MaxOutputBytes: 1 << 40}, "max_output_bytes"},
		{Function{Path: "f.wasm", Timeout: caddy.Duration(-time.Second)}, "timeout cannot be negative"},
	} {
		if err := tt.f.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.f, err, tt.want)
		}
	}
}
