// Command respbody is the benchmark guest of a body hook: it reads the
// held response body and writes it back with one byte changed, the
// least a rewriting filter does.
package main

import "github.com/gojinn/gojinn/hostabi/guest"

func init() {
	guest.Register(guest.Filter{
		OnRequest: func() guest.Action { return guest.Continue },
		OnResponse: func() guest.Action {
			b, err := guest.Response.Body()
			if err != nil || len(b) == 0 {
				return guest.Continue
			}
			b[0] = '['
			_ = guest.Response.SetBody(b)
			return guest.Continue
		},
		BufferResponseBody: true,
	})
}

func main() {}
