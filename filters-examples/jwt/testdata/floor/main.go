//go:build wasip1

// Command floor makes the host calls the JWT filter makes on a cached
// token (the Authorization header into a kept buffer, the clock, a
// header set, two variables) and nothing else: the floor under a cached
// hit, which BenchmarkWasmCachedToken sets its figures beside.
package main

import (
	"unsafe"

	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() { guest.Register(guest.Filter{OnRequest: onRequest}) }

func main() {}

var buf = make([]byte, 0, 2048)

//go:wasmimport wasi_snapshot_preview1 clock_time_get
//go:noescape
func clockTimeGet(id uint32, precision uint64, out unsafe.Pointer) uint32

func onRequest() guest.Action {
	buf, _ = guest.Request.Header.AppendValues(buf[:0], "Authorization")
	var ns uint64
	clockTimeGet(0, 1000, unsafe.Pointer(&ns))
	guest.Request.Header.Set("X-User", "alice")
	guest.SetVar("jwt.sub", "alice")
	guest.SetVar("jwt.iss", "https://idp.example")
	return guest.Continue
}
