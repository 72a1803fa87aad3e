// Command readsetraw is readset written on the raw imports, without the
// SDK: the floor a Go guest of that logic can reach, which the SDK's cost
// is measured against (BenchmarkGoGuest). It reads X-In into a buffer it
// keeps and sets X-Out from the buffer's first value.
package main

import "unsafe"

//go:wasmimport gojinn header_get
func headerGet(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn header_set
func headerSet(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

const (
	kindRequest = 0
	inName      = "X-In"
	outName     = "X-Out"
)

// buf holds the value read; a longer one is not copied and not set.
var buf [2048]byte

//go:wasmexport gojinn_abi_v1
func abiV1() {}

//go:wasmexport gojinn_on_request
func onRequest() int32 {
	n := headerGet(kindRequest, unsafe.Pointer(unsafe.StringData(inName)), uint32(len(inName)),
		unsafe.Pointer(&buf[0]), uint32(len(buf)))
	if n <= 0 || int(n) > len(buf) {
		return 0
	}
	// The host lists the values NUL-separated: set the first.
	v := buf[:n]
	for i, c := range v {
		if c == 0 {
			v = v[:i]
			break
		}
	}
	if len(v) > 0 {
		headerSet(kindRequest, unsafe.Pointer(unsafe.StringData(outName)), uint32(len(outName)),
			unsafe.Pointer(&v[0]), uint32(len(v)))
	}
	return 0
}

func main() {}
