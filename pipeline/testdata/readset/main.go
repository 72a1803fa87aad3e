// Command readset is the benchmark guest: it reads one request header and
// sets another, the least a useful filter does.
package main

import "github.com/gojinn/gojinn/hostabi/guest"

func init() { guest.Register(guest.Filter{OnRequest: onRequest}) }

func onRequest() guest.Action {
	if v := guest.Request.Header.Get("X-In"); v != "" {
		_ = guest.Request.Header.Set("X-Out", v)
	}
	return guest.Continue
}

func main() {}
