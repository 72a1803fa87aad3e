//go:build wasip1

package guest_test

import (
	"strings"

	"github.com/gojinn/gojinn/hostabi/guest"
)

// A JSON field check: refuse orders over a limit, without parsing the body
// in wasm. The host reads the field by gjson path (json_get); about 5x
// faster than gjson inside the guest on a 4 KiB body (docs/BENCHMARKS.md).
func ExampleMessage_JSON() {
	guest.Register(guest.Filter{
		ReadsRequestBody: true,
		OnRequest: func() guest.Action {
			t, qty, err := guest.Request.JSON("order.quantity")
			switch {
			case err == guest.ErrNotFound:
				return guest.Continue // no order in this body
			case err != nil: // not JSON, too deep, too large
				return guest.RespondWith(400, []byte("a JSON body, please\n"))
			case t != guest.JSONNumber || len(qty) > 3:
				return guest.RespondWith(422, []byte("order.quantity: a number under 1000\n"))
			}
			return guest.Continue
		},
	})
}

// A regex route rule: only the API's own routes reach the upstream. The
// set is compiled once, in Configure, and matched by the host against the
// request target, which never enters wasm.
func ExampleCompileRegex() {
	var routes guest.Regex
	guest.Register(guest.Filter{
		Configure: func([]byte) error {
			var err error
			routes, err = guest.CompileRegex(
				`^/api/v[0-9]+/(users|orders)(/[0-9]+)?(\?.*)?$`,
				`^/static/[a-z0-9/_-]+\.(css|js|png)$`,
			)
			return err
		},
		OnRequest: func() guest.Action {
			if ok, err := routes.MatchURI(); !ok || err != nil {
				return guest.RespondWith(404, nil)
			}
			return guest.Continue
		},
	})
}

// A deny list of 10,000 words, compiled once into one automaton: the host
// scans each request body where it holds it, in a single pass whatever
// the number of words (about 10x faster than the same automaton in wasm).
func ExampleCompilePatterns() {
	var denied guest.Patterns
	var found []int // kept between requests
	guest.Register(guest.Filter{
		ReadsRequestBody: true,
		Configure: func(config []byte) error {
			var err error
			// One word a line, matched in any ASCII case.
			denied, err = guest.CompilePatterns(strings.Fields(string(config)), true)
			return err
		},
		OnRequest: func() guest.Action {
			var err error
			if found, err = denied.ScanBody(found[:0], guest.Request); err != nil || len(found) > 0 {
				return guest.RespondWith(403, nil)
			}
			return guest.Continue
		},
	})
}
