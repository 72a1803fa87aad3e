// Command primbench is the filter of the native primitives' benchmarks
// (hostabi/guest/primitives_bench_test.go): one check, made either with
// a host primitive or in pure Go inside the guest, picked by the config's
// first line, so that the two are measured in the same chain.
//
//	json-host / json-guest    a JSON body's user.role must not be "admin"
//	                          (Message.JSON / gjson over the body in wasm)
//	regex-host / regex-guest  the URI must match one of the route rules on
//	                          the next lines (Regex.MatchURI / regexp in wasm)
//	words-host / words-guest  the body must hold none of N words (N on the
//	                          next line: "badword00000x"...), in any ASCII
//	                          case (Patterns.ScanBody / the same
//	                          Aho-Corasick automaton, internal/patternset,
//	                          compiled into the guest)
//	inject-host / inject-guest  the body must read as neither SQL injection
//	                          nor XSS to libinjection (IsSQLiBody and
//	                          IsXSSBody / libinjection-go in wasm)
//
// A check that fails answers 403; one that passes continues.
package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
	"github.com/gojinn/gojinn/hostabi/guest"
	"github.com/gojinn/gojinn/internal/patternset"
	"github.com/tidwall/gjson"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, ReadsRequestBody: true})
}

func main() {}

var (
	mode     string
	hostRe   guest.Regex
	guestRes []*regexp.Regexp
	hostSet  guest.Patterns
	guestSet *patternset.Set
	scan     patternset.Scratch
	ids      []int
	body     []byte // kept between requests
)

// words are the deny list of the words modes.
func words(n string) ([]string, error) {
	count, err := strconv.Atoi(n)
	if err != nil {
		return nil, err
	}
	ws := make([]string, count)
	for i := range ws {
		ws[i] = fmt.Sprintf("badword%05dx", i)
	}
	return ws, nil
}

func configure(config []byte) error {
	lines := strings.Split(strings.TrimSpace(string(config)), "\n")
	mode = lines[0]
	rules := lines[1:]
	switch mode {
	case "json-host", "json-guest", "inject-host", "inject-guest":
	case "regex-host":
		var err error
		if hostRe, err = guest.CompileRegex(rules...); err != nil {
			return err
		}
	case "regex-guest":
		for _, r := range rules {
			re, err := regexp.Compile(r)
			if err != nil {
				return err
			}
			guestRes = append(guestRes, re)
		}
	case "words-host", "words-guest":
		if len(rules) != 1 {
			return errors.New("words: one line, the number of words")
		}
		ws, err := words(rules[0])
		if err != nil {
			return err
		}
		if mode == "words-host" {
			hostSet, err = guest.CompilePatterns(ws, true)
			return err
		}
		bs := make([][]byte, len(ws))
		for i, w := range ws {
			bs[i] = []byte(w)
		}
		guestSet, err = patternset.Compile(bs, true)
		return err
	default:
		return errors.New("unknown mode " + mode)
	}
	return nil
}

func onRequest() guest.Action {
	allowed := true
	switch mode {
	case "json-host":
		t, role, err := guest.Request.JSON("user.role")
		allowed = err == guest.ErrNotFound || err == nil && !(t == guest.JSONString && role == "admin")
	case "json-guest":
		var err error
		if body, err = guest.Request.AppendBody(body[:0]); err == nil && gjson.ValidBytes(body) {
			r := gjson.GetBytes(body, "user.role")
			allowed = !(r.Type == gjson.String && r.Str == "admin")
		} else {
			allowed = false
		}
	case "regex-host":
		ok, err := hostRe.MatchURI()
		allowed = ok && err == nil
	case "words-host":
		var err error
		ids, err = hostSet.ScanBody(ids[:0], guest.Request)
		allowed = err == nil && len(ids) == 0
	case "words-guest":
		var err error
		body, err = guest.Request.AppendBody(body[:0])
		allowed = err == nil && len(guestSet.Scan(nil, body, 1, &scan)) == 0
	case "inject-host":
		sqli, err := guest.IsSQLiBody(guest.Request)
		if err == nil && !sqli {
			var xss bool
			xss, err = guest.IsXSSBody(guest.Request)
			sqli = xss
		}
		allowed = err == nil && !sqli
	case "inject-guest":
		var err error
		if body, err = guest.Request.AppendBody(body[:0]); err == nil {
			s := string(body)
			sqli, _ := libinjection.IsSQLi(s)
			allowed = !sqli && !libinjection.IsXSS(s)
		} else {
			allowed = false
		}
	case "regex-guest":
		uri := guest.URI()
		allowed = false
		for _, re := range guestRes {
			if re.MatchString(uri) {
				allowed = true
				break
			}
		}
	}
	if !allowed {
		return guest.RespondWith(403, nil)
	}
	return guest.Continue
}
