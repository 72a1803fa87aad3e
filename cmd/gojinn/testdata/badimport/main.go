//go:build wasip1

// Command badimport is a filter that imports a host function ABI v1 does
// not have, as one built against a newer or a misspelt SDK would: the
// loader must refuse it and inspect must mark the import.
package main

import "github.com/gojinn/gojinn/hostabi/guest"

//go:wasmimport gojinn no_such_function
func noSuchFunction() int32

func init() {
	guest.Register(guest.Filter{OnRequest: func() guest.Action {
		if noSuchFunction() != 0 {
			return guest.Respond
		}
		return guest.Continue
	}})
}

func main() {}
