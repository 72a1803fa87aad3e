// Command noop is the benchmark guest that does nothing: it measures what
// a Go guest costs before it makes a single host call.
package main

import "github.com/gojinn/gojinn/hostabi/guest"

func init() { guest.Register(guest.Filter{OnRequest: func() guest.Action { return guest.Continue }}) }

func main() {}
