package jwtauth

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/rfcjws"
	"github.com/golang-jwt/jwt/v5"
)

const baseConfig = `{"issuer":"https://idp.example","audiences":["api"],"leeway":"30s","claims_to_headers":{"sub":"X-User"}}`

// TestAuthenticate runs tokens through a typical config and checks the
// decision: outcome, status and the reason given to the client.
func TestAuthenticate(t *testing.T) {
	k := keys(t)
	now := t0
	a, _ := newAuth(t, baseConfig, &now)
	rs := func(c jwt.MapClaims) string { return mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", c) }
	valid := rs(claims())
	rsaPEM := func() []byte {
		der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	big := rs(claims("pad", strings.Repeat("x", 9<<10)))
	cases := []struct {
		name   string
		r      req
		status int    // 0: allowed
		reason string // the error_description
	}{
		{"RS256", bearer(valid), 0, ""},
		{"ES256", bearer(mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims())), 0, ""},
		{"EdDSA", bearer(mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", claims())), 0, ""},
		{"HS256", bearer(mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims())), 0, ""},
		{"no kid", bearer(mint(t, jwt.SigningMethodES256, k.ec, "", claims())), 0, ""},
		{"PS256", bearer(mint(t, jwt.SigningMethodPS256, k.rsa, "rsa1", claims())), 0, ""},
		{"aud array", bearer(rs(claims("aud", []string{"other", "api"}))), 0, ""},
		{"lower-case scheme", req{headers: map[string]string{"Authorization": "bearer " + valid}}, 0, ""},
		{"expired within leeway", bearer(rs(claims("exp", t0.Add(-10*time.Second).Unix()))), 0, ""},
		{"nbf within leeway", bearer(rs(claims("nbf", t0.Add(10*time.Second).Unix()))), 0, ""},
		{"fractional exp", bearer(rs(claims("exp", float64(t0.Unix())+3600.5))), 0, ""},

		{"no token", req{}, 401, "no token"},
		{"other scheme", req{headers: map[string]string{"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}}, 401, "no token"},
		{"empty bearer", req{headers: map[string]string{"Authorization": "Bearer "}}, 401, "no token"},
		{"tampered payload", bearer(tamper(valid, 1)), 401, descSignature},
		{"tampered signature", bearer(tamper(valid, 2)), 401, descSignature},
		{"signature of another token", bearer(spliceSig(valid, rs(claims("sub", "bob")))), 401, descSignature},
		{"expired", bearer(rs(claims("exp", t0.Add(-time.Minute).Unix()))), 401, descExpired},
		{"no exp", bearer(rs(claims("exp", nil))), 401, descNoExp},
		{"exp not a number", bearer(rs(claims("exp", "tomorrow"))), 401, descMalformed},
		{"nbf ahead", bearer(rs(claims("nbf", t0.Add(time.Minute).Unix()))), 401, descNotYet},
		{"iat ahead", bearer(rs(claims("iat", t0.Add(time.Minute).Unix()))), 401, descIssuedFuture},
		{"wrong issuer", bearer(rs(claims("iss", "https://evil.example"))), 401, descIssuer},
		{"no issuer", bearer(rs(claims("iss", nil))), 401, descIssuer},
		{"wrong audience", bearer(rs(claims("aud", "other"))), 401, descAudience},
		{"wrong audiences", bearer(rs(claims("aud", []string{"a", "b"}))), 401, descAudience},
		{"no audience", bearer(rs(claims("aud", nil))), 401, descAudience},
		{"unknown kid", bearer(mint(t, jwt.SigningMethodRS256, k.rsa, "rsa9", claims())), 401, descUnknownKey},
		{"alg none", bearer(rawToken(t, `{"alg":"none"}`, `{"sub":"alice"}`, nil)), 401, descAlgorithm},
		{"alg None", bearer(rawToken(t, `{"alg":"None","kid":"rsa1"}`, `{"sub":"alice"}`, nil)), 401, descAlgorithm},
		{"HS256 keyed with the RSA public key", bearer(rawToken(t, `{"alg":"HS256","kid":"rsa1"}`, `{"sub":"alice"}`, rsaPEM)), 401, descAlgorithm},
		{"RS256 token naming the EC key", bearer(mint(t, jwt.SigningMethodRS256, k.rsa, "ec1", claims())), 401, descAlgorithm},
		{"oversized", bearer(big), 401, descTooLarge},
		{"one part", bearer("abc"), 401, descMalformed},
		{"two parts", bearer("abc.def"), 401, descMalformed},
		{"five parts (JWE)", bearer("a.b.c.d.e"), 401, descUnsupported},
		{"bad characters", bearer("a+b.c/d.e="), 401, descMalformed},
		{"header not JSON", bearer(rawToken(t, `alg`, `{}`, k.secret)), 401, descMalformed},
		{"header without alg", bearer(rawToken(t, `{"kid":"hs1"}`, `{}`, k.secret)), 401, descMalformed},
		{"header with two algs", bearer(rawToken(t, `{"alg":"HS256","alg":"none"}`, `{}`, k.secret)), 401, descMalformed},
		{"crit header", bearer(rawToken(t, `{"alg":"HS256","crit":["exp"],"exp":1}`, `{}`, k.secret)), 401, descUnsupported},
		{"b64 header", bearer(rawToken(t, `{"alg":"HS256","b64":false,"crit":["b64"]}`, `{}`, k.secret)), 401, descUnsupported},
		{"payload not JSON", bearer(rawToken(t, `{"alg":"HS256"}`, `hello`, k.secret)), 401, descMalformed},
		{"payload an array", bearer(rawToken(t, `{"alg":"HS256"}`, `[1]`, k.secret)), 401, descMalformed},
		{"duplicate exp", bearer(rawToken(t, `{"alg":"HS256"}`, `{"iss":"https://idp.example","aud":"api","exp":1,"exp":9999999999}`, k.secret)), 401, descMalformed},
		{"sub with a newline", bearer(rs(claims("sub", "alice\r\nX-Admin: 1"))), 401, descHeaderUnsafe},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := a.Authenticate(c.r)
			checkDecision(t, d, c.status, c.reason)
		})
	}
}

func checkDecision(t *testing.T, d Decision, status int, reason string) {
	t.Helper()
	if status == 0 {
		if d.Outcome != Allow {
			t.Fatalf("denied %d %q, want allowed", d.Status, d.Reason)
		}
		return
	}
	if d.Outcome != Deny || d.Status != status || d.Reason != reason {
		t.Fatalf("got outcome %d status %d %q, want deny %d %q", d.Outcome, d.Status, d.Reason, status, reason)
	}
}

// tamper flips a character of part i (0 header, 1 payload, 2 signature).
func tamper(tok string, part int) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[part])
	if p[3] == 'A' {
		p[3] = 'B'
	} else {
		p[3] = 'A'
	}
	parts[part] = string(p)
	return strings.Join(parts, ".")
}

func spliceSig(tok, from string) string {
	return tok[:strings.LastIndexByte(tok, '.')] + from[strings.LastIndexByte(from, '.'):]
}

// TestChallenges checks the WWW-Authenticate values against RFC 6750.
func TestChallenges(t *testing.T) {
	k := keys(t)
	now := t0
	a, _ := newAuth(t, `{"realm":"api.example","rules":[{"claim":"scope","contains":"write"}]}`, &now)
	cases := []struct {
		name      string
		r         req
		status    int
		challenge string
	}{
		{"missing token: no error code (RFC 6750 3.1)", req{}, 401, `Bearer realm="api.example"`},
		{"invalid token", bearer("x.y.z"), 401, `Bearer realm="api.example", error="invalid_token", error_description="malformed token"`},
		{"insufficient scope", bearer(mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims("scope", "read"))), 403,
			`Bearer realm="api.example", error="insufficient_scope", error_description="insufficient scope"`},
	}
	for _, c := range cases {
		d := a.Authenticate(c.r)
		if d.Outcome != Deny || d.Status != c.status || d.Challenge != c.challenge {
			t.Errorf("%s: %d %q, want %d %q", c.name, d.Status, d.Challenge, c.status, c.challenge)
		}
	}
}

// TestRules checks claim rules: 403 when the token is valid but not
// enough.
func TestRules(t *testing.T) {
	k := keys(t)
	now := t0
	a, _ := newAuth(t, `{"rules":[
		{"claim":"scope","contains":"read"},
		{"claim":"roles","contains":"admin"},
		{"claim":"email_verified","equals":true},
		{"claim":"tenant","equals":"acme"},
		{"claim":"level","equals":3}]}`, &now)
	good := []any{"scope", "openid read write", "roles", []string{"user", "admin"}, "email_verified", true, "tenant", "acme", "level", 3}
	with := func(kv ...any) string {
		c := claims(good...)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return mint(t, jwt.SigningMethodES256, k.ec, "ec1", c)
	}
	cases := []struct {
		name   string
		tok    string
		status int
	}{
		{"all rules hold", with(), 0},
		{"scope lacks read", with("scope", "openid write"), 403},
		{"scope has a longer word", with("scope", "reader"), 403},
		{"scope as an array", with("scope", []string{"read"}), 0},
		{"scope missing", with("scope", nil), 403},
		{"roles lack admin", with("roles", []string{"user"}), 403},
		{"roles as a string", with("roles", "admin"), 0},
		{"email_verified false", with("email_verified", false), 403},
		{"email_verified as a string", with("email_verified", "true"), 403},
		{"other tenant", with("tenant", "acme2"), 403},
		{"level as a string", with("level", "3"), 403},
		{"level 3.0", with("level", 3.0), 0},
		{"expired beats rules", mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims("exp", t0.Add(-time.Hour).Unix())), 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := a.Authenticate(bearer(c.tok))
			switch c.status {
			case 0:
				checkDecision(t, d, 0, "")
			case 403:
				checkDecision(t, d, 403, descScope)
			default:
				if d.Status != c.status {
					t.Fatalf("status %d, want %d", d.Status, c.status)
				}
			}
		})
	}
}

// TestOutputs checks headers, variables and token removal on success.
func TestOutputs(t *testing.T) {
	k := keys(t)
	now := t0
	tok := mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims("email", "alice@example.com", "roles", []string{"a", "b"}, "n", 7))
	cases := []struct {
		name   string
		config string
		remove []string
		set    []Header
		vars   []Var
	}{
		{"defaults", `{}`, nil, nil, []Var{{"jwt.sub", "alice"}, {"jwt.iss", "https://idp.example"}}},
		{"claims to headers", `{"claims_to_headers":{"sub":"x-user","roles":"X-Roles","missing":"X-Missing"}}`,
			[]string{"X-Missing"},
			[]Header{{"X-Missing", ""}, {"X-Roles", "a,b"}, {"X-User", "alice"}}[1:],
			[]Var{{"jwt.sub", "alice"}, {"jwt.iss", "https://idp.example"}, {"jwt.roles", "a,b"}}},
		{"explicit vars", `{"vars":["email","n","aud","nope"]}`, nil, nil,
			[]Var{{"jwt.email", "alice@example.com"}, {"jwt.n", "7"}, {"jwt.aud", "api"}}},
		{"forward_token false", `{"forward_token":false,"vars":[]}`, []string{"Authorization"}, nil, nil},
		{"forward_token false, custom header", `{"forward_token":false,"from":{"header":"x-token"},"vars":[]}`, []string{"X-Token"}, nil, nil},
		{"forward_token false, cookie", `{"forward_token":false,"from":{"cookie":"at"},"vars":[]}`, nil, nil, nil},
		{"forward_token false, query", `{"forward_token":false,"from":{"query":"at"},"vars":[]}`, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := newAuth(t, c.config, &now)
			r := bearer(tok)
			r.headers["X-Token"] = tok
			r.headers["Cookie"] = "at=" + tok
			r.uri = "/api?at=" + tok
			d := a.Authenticate(r)
			checkDecision(t, d, 0, "")
			if !slices.Equal(d.Remove, c.remove) || !slices.Equal(d.Set, c.set) || !slices.Equal(d.Vars, c.vars) {
				t.Errorf("got remove %q set %q vars %q\nwant remove %q set %q vars %q", d.Remove, d.Set, d.Vars, c.remove, c.set, c.vars)
			}
			wantCookie, wantQuery := "", ""
			if strings.Contains(c.name, "cookie") {
				wantCookie = "at"
			}
			if strings.Contains(c.name, "query") {
				wantQuery = "at"
			}
			if d.StripCookie != wantCookie || d.StripQuery != wantQuery {
				t.Errorf("strip cookie %q query %q, want %q %q", d.StripCookie, d.StripQuery, wantCookie, wantQuery)
			}
		})
	}
}

// TestWithout covers taking the token's cookie or query parameter out of
// a request (forward_token false).
func TestWithout(t *testing.T) {
	cookie, query := WithoutCookie, WithoutQueryParam
	tests := []struct {
		fn       func(string, string) (string, bool)
		in, want string
		found    bool
	}{
		{cookie, "at=tok", "", true},
		{cookie, "a=1; at=tok; b=2", "a=1; b=2", true},
		{cookie, "at=tok; at=other", "", true},
		{cookie, "a=1\x00at=tok\x00b=2", "a=1; b=2", true},
		{cookie, " a=1 ;;at=\"tok\" ", "a=1", true},
		{cookie, "a=1; att=x; xat=y", "a=1; att=x; xat=y", false},
		{cookie, "", "", false},
		{query, "/p?at=tok", "/p", true},
		{query, "/p?a=1&at=tok&b=%20x", "/p?a=1&b=%20x", true},
		{query, "/p?at=1&at=2&c", "/p?c", true},
		{query, "/p?a%74=tok&b=2", "/p?b=2", true}, // the name as queryValue matches it
		{query, "/p?att=1&xat=2", "/p?att=1&xat=2", false},
		{query, "/p", "/p", false},
		{query, "/p?", "/p?", false},
	}
	for _, tt := range tests {
		if got, found := tt.fn(tt.in, "at"); got != tt.want || found != tt.found {
			t.Errorf("%q: got %q %v, want %q %v", tt.in, got, found, tt.want, tt.found)
		}
	}
}

// TestSources reads the token from each place a config can name.
func TestSources(t *testing.T) {
	k := keys(t)
	now := t0
	tok := mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", claims())
	cases := []struct {
		name, config string
		r            req
		status       int
	}{
		{"header", `{"from":{"header":"X-Token"}}`, req{headers: map[string]string{"X-Token": tok}}, 0},
		{"header with Bearer", `{"from":{"header":"x-token"}}`, req{headers: map[string]string{"X-Token": "Bearer " + tok}}, 0},
		{"header absent", `{"from":{"header":"X-Token"}}`, bearer(tok), 401},
		{"cookie", `{"from":{"cookie":"session"}}`, req{headers: map[string]string{"Cookie": "a=b; session=" + tok + "; c=d"}}, 0},
		{"cookie quoted", `{"from":{"cookie":"session"}}`, req{headers: map[string]string{"Cookie": `session="` + tok + `"`}}, 0},
		{"cookie absent", `{"from":{"cookie":"session"}}`, req{headers: map[string]string{"Cookie": "sessionx=" + tok}}, 401},
		{"query", `{"from":{"query":"access_token"}}`, req{uri: "/x?a=1&access_token=" + tok + "&b=2"}, 0},
		{"query escaped name", `{"from":{"query":"access_token"}}`, req{uri: "/x?access%5Ftoken=" + tok}, 0},
		{"query absent", `{"from":{"query":"access_token"}}`, req{uri: "/x?token=" + tok}, 401},
		{"query with a newline", `{"from":{"query":"t"}}`, req{uri: "/x?t=" + tok + "%0A"}, 401},
		// Values arrive NUL-separated, as the host lists them.
		{"cookie in a second field", `{"from":{"cookie":"session"}}`, req{headers: map[string]string{"Cookie": "a=b\x00session=" + tok}}, 0},
		{"two Authorization fields", `{}`, req{headers: map[string]string{"Authorization": "Bearer " + tok + "\x00Bearer " + tok}}, 400},
		{"two token header fields", `{"from":{"header":"X-Token"}}`, req{headers: map[string]string{"X-Token": tok + "\x00" + tok}}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := newAuth(t, c.config, &now)
			d := a.Authenticate(c.r)
			if c.status == 0 {
				checkDecision(t, d, 0, "")
			} else if d.Outcome != Deny || d.Status != c.status {
				t.Fatalf("got %d %d %q, want deny %d", d.Outcome, d.Status, d.Reason, c.status)
			}
		})
	}
}

func TestSkipPaths(t *testing.T) {
	now := t0
	a, _ := newAuth(t, `{"skip_paths":["/health","/public/"],"claims_to_headers":{"sub":"X-User"}}`, &now)
	cases := []struct {
		uri  string
		skip bool
	}{
		{"/health", true},
		{"/healthz", true}, // plain prefix; write "/health/" to mean the directory
		{"/public/logo.png?v=1", true},
		{"/public/", true},
		{"/public", false},
		{"/public/../admin", false},
		{"/public/%2e%2e/admin", false},
		{"/public/%2E%2E%2Fadmin", false},
		{"//public/x", true},
		{"/api/public/x", false},
		{"/public/%zz", false},
	}
	for _, c := range cases {
		d := a.Authenticate(req{uri: c.uri})
		if got := d.Outcome == Skip; got != c.skip {
			t.Errorf("%s: skipped %v, want %v", c.uri, got, c.skip)
		}
		if d.Outcome == Skip && !slices.Equal(d.Remove, []string{"X-User"}) {
			t.Errorf("%s: skip removes %q, want the spoofable X-User", c.uri, d.Remove)
		}
	}
}

// TestRFCVectors accepts the RFC 7515 A.1 to A.3 tokens at a time when
// they had not expired, and checks that RFC 8037 A.4, whose payload is
// not a claim set, is refused after its signature verified.
func TestRFCVectors(t *testing.T) {
	now := time.Unix(1300819380-60, 0) // exp 1300819380 minus a minute
	for _, v := range rfcjws.Vectors() {
		t.Run(v.Name, func(t *testing.T) {
			a, verifier := newAuth(t, `{"jwks":`+string(v.JWK)+`,"issuer":"joe","vars":["http://example.com/is_root"]}`, &now)
			d := a.Authenticate(bearer(v.Token))
			if strings.Contains(v.Name, "8037") {
				checkDecision(t, d, 401, descMalformed)
				if verifier.count() != 1 {
					t.Fatal("the signature was not checked")
				}
				return
			}
			checkDecision(t, d, 0, "")
			if want := []Var{{"jwt.http://example.com/is_root", "true"}}; !slices.Equal(d.Vars, want) {
				t.Errorf("vars %q, want %q", d.Vars, want)
			}
			checkDecision(t, a.Authenticate(bearer(tamper(v.Token, 1))), 401, descSignature)
			later := now.Add(2 * time.Minute)
			b, _ := newAuth(t, `{"jwks":`+string(v.JWK)+`}`, &later)
			checkDecision(t, b.Authenticate(bearer(v.Token)), 401, descExpired)
		})
	}
}

// TestAlgorithmAllowList checks the filter's own algorithm list, which
// applies before the host is asked.
func TestAlgorithmAllowList(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"algorithms":["ES256"]}`, &now)
	checkDecision(t, a.Authenticate(bearer(mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims()))), 401, descAlgorithm)
	checkDecision(t, a.Authenticate(bearer(mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims()))), 401, descAlgorithm)
	if v.count() != 0 {
		t.Errorf("refused algorithms reached the key set %d times", v.count())
	}
	checkDecision(t, a.Authenticate(bearer(mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims()))), 0, "")
}

// unavailable is a key set whose URL has not answered yet.
type unavailable struct{}

func (unavailable) Verify(string, string, []byte, []byte) error { return ErrKeysUnavailable }

func TestKeysUnavailable(t *testing.T) {
	k := keys(t)
	cfg, err := ParseConfig([]byte(`{"jwks_url":"https://idp.example/jwks"}`))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, unavailable{}, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	d := a.Authenticate(bearer(mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims())))
	if d.Outcome != Deny || d.Status != 503 || d.Challenge != "" {
		t.Fatalf("got %d %q, want 503 without a challenge", d.Status, d.Challenge)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bearer abc", "abc"},
		{"bearer abc", "abc"},
		{"BEARER   abc", "abc"},
		{"BeArEr abc def", "abc def"},
		{"Bearer ", ""},
		{"Bearer", ""},
		{"Bearerabc", ""},
		{"Bearer\tabc", ""},
		{"Basic YWxhZGRpbjpvcGVuc2VzYW1l", ""},
		{"Bearex abc", ""},
		{"Bearer\x00abc", ""},
		{"\x02earer abc", ""}, // 0x02|0x20 is not 'b'
		{"Bearer        ", ""},
	}
	for _, tt := range tests {
		if got := bearerToken(tt.in); got != tt.want {
			t.Errorf("bearerToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestKnownHeader: tokens that share the last protected header read skip
// reading it, and alternating headers are each read for what they say.
func TestKnownHeader(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"cache_size":0}`, &now)
	rs := mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims())
	rs2 := mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims("sub", "bob"))
	es := mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims())
	for _, tok := range []string{rs, es, rs, rs2, es, es} {
		checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	}
	if h := a.lastHeader.Load(); h == nil || h.alg != "ES256" || h.kid != "ec1" {
		t.Fatalf("last header %+v, want ES256 ec1", h)
	}
	// The known header, with another token's signature.
	checkDecision(t, a.Authenticate(bearer(spliceSig(es, mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims("sub", "eve"))))), 401, descSignature)
	if v.count() != 7 {
		t.Errorf("%d signature checks, want 7", v.count())
	}
}
