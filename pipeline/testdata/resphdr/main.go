// Command resphdr is the benchmark guest of a header-only response hook:
// it sets one header on every response, which keeps streaming.
package main

import "github.com/gojinn/gojinn/hostabi/guest"

func init() {
	guest.Register(guest.Filter{
		OnRequest: func() guest.Action { return guest.Continue },
		OnResponse: func() guest.Action {
			_ = guest.Response.Header.Set("X-Content-Type-Options", "nosniff")
			return guest.Continue
		},
	})
}

func main() {}
