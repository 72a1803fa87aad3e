//go:build wasip1

// Command engine is a test filter: the detect engine inside wasm, on
// requests the test sends it as JSON in the body, with its verdict as the
// response. It lets the test compare the engine built for wasm (with the
// host primitives it uses there) with the native one on exactly the same
// requests, headers in the same order, which the WAF filter itself cannot
// show: the host lists a request's headers in the order of a Go map.
package main

import (
	"encoding/json"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/hostabi/guest"
)

var engine *detect.Engine

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, ReadsRequestBody: true})
}

func main() {}

func configure(config []byte) error {
	cfg, err := detect.ParseConfig(config)
	if err != nil {
		return err
	}
	engine, err = detect.New(cfg)
	return err
}

func onRequest() guest.Action {
	body, err := guest.Request.Body()
	if err != nil {
		return guest.RespondWith(500, []byte("reading the body: "+err.Error()))
	}
	var req detect.Request
	if err := json.Unmarshal(body, &req); err != nil {
		return guest.RespondWith(400, []byte("not a request: "+err.Error()))
	}
	out, err := json.Marshal(engine.Inspect(&req))
	if err != nil {
		return guest.RespondWith(500, []byte(err.Error()))
	}
	return guest.RespondWith(200, out)
}
