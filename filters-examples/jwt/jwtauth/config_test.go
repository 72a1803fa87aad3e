package jwtauth

import (
	"strings"
	"testing"
)

func TestParseConfigErrors(t *testing.T) {
	const keys = `"jwks_url":"https://idp.example/jwks"`
	cases := []struct{ name, config, want string }{
		{"not JSON", `{`, "jwt config"},
		{"no keys", `{"issuer":"x"}`, "no key source"},
		{"typo", `{` + keys + `,"audience":["api"]}`, `unknown field "audience"`},
		{"two sources", `{` + keys + `,"from":{"header":"X-T","cookie":"c"}}`, "one of header, cookie or query"},
		{"none", `{` + keys + `,"algorithms":["RS256","none"]}`, `"none" is never allowed`},
		{"unknown alg", `{` + keys + `,"algorithms":["RS1"]}`, `"RS1" is not supported`},
		{"bad leeway", `{` + keys + `,"leeway":"soon"}`, `invalid duration "soon"`},
		{"huge leeway", `{` + keys + `,"leeway":"2h"}`, "between 0 and 1h"},
		{"negative cache", `{` + keys + `,"cache_size":-1}`, "cache_size"},
		{"realm with quote", `{` + keys + `,"realm":"a\"b"}`, "realm"},
		{"bad header name", `{` + keys + `,"claims_to_headers":{"sub":"X User"}}`, "claims_to_headers"},
		{"bad from header", `{` + keys + `,"from":{"header":"a:b"}}`, "from.header"},
		{"rule without claim", `{` + keys + `,"rules":[{"contains":"x"}]}`, "claim is required"},
		{"rule with both", `{` + keys + `,"rules":[{"claim":"a","contains":"x","equals":"y"}]}`, "exactly one"},
		{"rule with neither", `{` + keys + `,"rules":[{"claim":"a"}]}`, "exactly one"},
		{"rule equals object", `{` + keys + `,"rules":[{"claim":"a","equals":{"b":1}}]}`, "string, number or boolean"},
		{"relative skip path", `{` + keys + `,"skip_paths":["health"]}`, "must start with /"},
		{"empty var", `{` + keys + `,"vars":[""]}`, "empty claim name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.config))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseConfig = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestKeysetSpec(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"issuer":"i","jwks_url":"https://idp.example/jwks","refresh":"5m",
		"hmac_env":"S","pem":["x"],"leeway":30}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hmac_env":"S","jwks_url":"https://idp.example/jwks","pem":["x"],"refresh":"5m"}`
	if got := string(cfg.KeysetSpec()); got != want {
		t.Errorf("KeysetSpec = %s\nwant %s", got, want)
	}
	if cfg.Leeway.Std().Seconds() != 30 {
		t.Errorf("numeric leeway = %s, want 30s", cfg.Leeway.Std())
	}
}

func TestTooManyClaims(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"jwks_url":"https://idp.example/jwks","vars":[`)
	for i := range 40 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"c` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `"`)
	}
	b.WriteString(`]}`)
	cfg, err := ParseConfig([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg, unavailable{}, nil); err == nil {
		t.Fatal("New accepted 40 claim names")
	}
}
