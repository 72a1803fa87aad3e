package detect

import (
	"math/bits"
	"strings"
	"testing"
)

// TestRuleIDs checks that every rule and protocol check has an id of its
// own, named after its class: disabled_rules, exclusions and the
// reported matches know rules only by id.
func TestRuleIDs(t *testing.T) {
	seen := map[string]bool{}
	add := func(id string, c Class) {
		if seen[id] {
			t.Errorf("rule id %q used twice", id)
		}
		seen[id] = true
		if !strings.HasPrefix(id, c.String()+"-") {
			t.Errorf("rule id %q does not start with its class, %q", id, c.String()+"-")
		}
		if _, isClass := classByName(id); isClass {
			t.Errorf("rule id %q is a class name", id)
		}
	}
	for _, r := range allRules() {
		add(r.id, r.class)
	}
	for _, p := range protocolChecks() {
		add(p.id, Protocol)
	}
}

// TestRuleSamples holds every rule to its sample (a value it must match)
// and its look-alike (a near miss it must not), through the path a value
// takes in the engine: the views built from it, the keyword automaton,
// the rule's needs, gate, check and pattern in the view it declares.
// Every rule is on (paranoia 4); only the rule under test is looked for
// among the matches.
func TestRuleSamples(t *testing.T) {
	e, err := New(Config{Paranoia: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.rules) == 0 {
		t.Fatal("no rules")
	}
	for i := range e.rules {
		r := &e.rules[i]
		t.Run(r.id, func(t *testing.T) {
			if r.sample == "" || r.lookAlike == "" {
				t.Fatalf("sample %q, look-alike %q: a rule needs both", r.sample, r.lookAlike)
			}
			if r.sample == r.lookAlike {
				t.Fatalf("sample and look-alike are the same, %q", r.sample)
			}
			// A near miss gets past the keyword scan to the rule's own
			// test, unless a keyword is the whole rule.
			if len(r.keywords) > 0 && (r.pattern != "" || r.check != nil) && !holdsKeyword(r, r.lookAlike) {
				t.Errorf("look-alike %q holds none of the rule's keywords: it never reaches the rule", r.lookAlike)
			}
			// Each target of the rule, so that the sample holds
			// wherever the rule looks.
			for w := uint16(r.where); w != 0; w &= w - 1 {
				target := Target(1 << bits.TrailingZeros16(w))
				if hit, ms := firesOn(e, r.id, target, r.sample); !hit {
					t.Errorf("sample %q at %s: rule did not match (matches: %s)", r.sample, targetName(target), ms)
				}
				if hit, _ := firesOn(e, r.id, target, r.lookAlike); hit {
					t.Errorf("look-alike %q at %s: rule matched", r.lookAlike, targetName(target))
				}
			}
			// And nowhere else.
			for w := uint16(tAll &^ r.where); w != 0; w &= w - 1 {
				target := Target(1 << bits.TrailingZeros16(w))
				if hit, _ := firesOn(e, r.id, target, r.sample); hit {
					t.Errorf("sample %q at %s: rule matched outside its targets", r.sample, targetName(target))
				}
			}
		})
	}
}

// firesOn inspects one value at target as the request walkers hand it to
// the engine, and reports whether rule id matched, with every match for
// the failure message.
func firesOn(e *Engine, id string, target Target, raw string) (bool, string) {
	in := inspections.Get().(*inspection)
	defer in.release()
	in.e, in.path = e, "/"
	in.value(target, where{kind: targetName(target)}, "", raw, false)
	hit := false
	for _, m := range in.res.Matches {
		hit = hit || m.Rule == id
	}
	return hit, in.res.Summary()
}

// holdsKeyword says whether the view the rule's keywords are looked for
// in holds one of them, as the keyword scan reads it: after a blank.
func holdsKeyword(r *rule, raw string) bool {
	var f forms
	f.build(raw, false)
	text := " " + f.get(keywordView(r.view))
	for _, kw := range r.keywords {
		if strings.Contains(text, kw) {
			return true
		}
	}
	return false
}

func targetName(t Target) string {
	switch t {
	case TPath:
		return "path"
	case TArgName:
		return "argname"
	case TArgValue:
		return "arg"
	case TCookieName:
		return "cookiename"
	case TCookieValue:
		return "cookie"
	case THeader:
		return "header"
	case TUserAgent:
		return "user-agent"
	case TReferer:
		return "referer"
	case TBody:
		return "body"
	case TFilename:
		return "file"
	}
	return "target?"
}

// TestProtocolSamples does for the protocol checks what TestRuleSamples
// does for rules, on whole requests: each check must fire on its sample
// and not on its look-alike, and every check must have both.
func TestProtocolSamples(t *testing.T) {
	chunked := Header{"Transfer-Encoding", "chunked"}
	samples := map[string]struct{ sample, lookAlike *Request }{
		"protocol-method-not-allowed": {
			&Request{Method: "PROPFIND", URI: "/dav/"},
			&Request{Method: "OPTIONS", URI: "/dav/"},
		},
		"protocol-cl-and-te": {
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Content-Length", "4"}, chunked}},
			&Request{Method: "POST", URI: "/", Headers: []Header{chunked}},
		},
		"protocol-te-not-chunked": {
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Transfer-Encoding", "chunked, identity"}}},
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Transfer-Encoding", "Chunked"}}},
		},
		"protocol-content-length-conflict": {
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Content-Length", "4, 5"}}},
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Content-Length", "4, 4"}}},
		},
		"protocol-header-line-break": {
			&Request{Method: "GET", URI: "/", Headers: []Header{{"X-Note", "a\r\nSet-Cookie: x=1"}}},
			&Request{Method: "GET", URI: "/", Headers: []Header{{"X-Note", "a\tb"}}},
		},
		"protocol-body-without-type": {
			&Request{Method: "POST", URI: "/", Body: []byte("q=1")},
			&Request{Method: "POST", URI: "/", Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte("q=1")},
		},
	}
	e, err := New(Config{Paranoia: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range protocolChecks() {
		t.Run(p.id, func(t *testing.T) {
			s, ok := samples[p.id]
			if !ok {
				t.Fatal("no sample and look-alike")
			}
			delete(samples, p.id)
			if res := e.Inspect(s.sample); !hasRule(res, p.id) {
				t.Errorf("sample %+v: check did not fire (matches: %s)", s.sample, res.Summary())
			}
			if res := e.Inspect(s.lookAlike); hasRule(res, p.id) {
				t.Errorf("look-alike %+v: check fired", s.lookAlike)
			}
		})
	}
	for id := range samples {
		t.Errorf("samples for %q, which is no protocol check", id)
	}
}

func hasRule(res Result, id string) bool {
	for _, m := range res.Matches {
		if m.Rule == id {
			return true
		}
	}
	return false
}
