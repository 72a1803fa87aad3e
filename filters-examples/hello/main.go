//go:build wasip1

// Command hello is the smallest useful Gojinn filter, and the one the
// quick start runs: it greets the upstream with a header, remembers the
// greeting in a chain variable, and answers one path itself.
//
// Config (all optional):
//
//	{"greeting": "hello", "deny_prefix": "/admin"}
package main

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/gojinn/gojinn/hostabi/guest"
)

var (
	greeting   = "hello"
	denyPrefix = "/admin"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func configure(config []byte) error {
	if len(config) == 0 {
		return nil
	}
	if !gjson.ValidBytes(config) {
		return errInvalidJSON
	}
	if g := gjson.GetBytes(config, "greeting"); g.Exists() {
		greeting = g.String()
	}
	if d := gjson.GetBytes(config, "deny_prefix"); d.Exists() {
		denyPrefix = d.String()
	}
	return nil
}

type configError string

func (e configError) Error() string { return string(e) }

const errInvalidJSON = configError("config is not valid JSON")

func onRequest() guest.Action {
	if denyPrefix != "" && strings.HasPrefix(guest.Path(), denyPrefix) {
		guest.Response.Header.Set("Content-Type", "text/plain; charset=utf-8")
		return guest.RespondWith(403, []byte("hello filter: "+denyPrefix+" is closed\n"))
	}
	who := guest.Request.Header.Get("X-Name")
	if who == "" {
		who = "stranger"
	}
	msg := greeting + ", " + who
	guest.Request.Header.Set("X-Hello", msg)
	guest.SetVar("hello.message", msg)
	return guest.Continue
}

func main() {}
