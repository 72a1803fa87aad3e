//go:build wasip1

// Command setcost is the guest of BenchmarkPatternSetAtConfigure: the
// WAF's engine with its defaults (its rules' regex sets compiled on the
// host, its tables on the guest's heap) inspecting benchreq's GET on
// every call, and, when the config is "patterns", a one-word pattern set
// compiled at configure that no call scans. One module for both, so that
// the two chains differ in that compile alone.
package main

import (
	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func main() {}

var (
	engine *detect.Engine
	req    = benchreq.GET()
)

func configure(config []byte) error {
	var err error
	if engine, err = detect.New(detect.Config{}); err != nil {
		return err
	}
	if string(config) == "patterns" {
		_, err = guest.CompilePatterns([]string{"xyzzy"}, true)
	}
	return err
}

func onRequest() guest.Action {
	if engine.Inspect(req).Attack {
		return guest.RespondWith(403, nil)
	}
	return guest.Continue
}
