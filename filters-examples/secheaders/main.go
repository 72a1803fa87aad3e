//go:build wasip1

// Command secheaders is a Gojinn filter that adds security headers
// (HSTS, CSP, X-Content-Type-Options, X-Frame-Options, Referrer-Policy,
// Permissions-Policy) to every response and removes the ones that give
// the server away (Server, X-Powered-By). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o secheaders.wasm ./filters-examples/secheaders
//
// Its response hook reads and writes headers only: it does not ask for
// the body, so responses keep streaming. The logic is in package policy.
package main

import (
	"github.com/gojinn/gojinn/filters-examples/secheaders/policy"
	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, OnResponse: onResponse})
}

func main() {}

var pol *policy.Policy

func configure(config []byte) error {
	p, err := policy.Parse(config)
	if err != nil {
		return err
	}
	pol = p
	return nil
}

func onRequest() guest.Action { return guest.Continue }

func onResponse() guest.Action {
	if err := pol.Apply(guest.Response.Header); err != nil {
		guest.Log(guest.LevelError, err.Error())
	}
	return guest.Continue
}
