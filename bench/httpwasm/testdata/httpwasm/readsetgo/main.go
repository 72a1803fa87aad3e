// Command readsetgo reads X-In and sets X-Out to its first value, in Go
// on the http-wasm ABI: the same logic as Gojinn's readsetraw.
package main

import "unsafe"

//go:wasmimport http_handler get_header_values
func getHeaderValues(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, limit uint32) uint64

//go:wasmimport http_handler set_header_value
func setHeaderValue(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32)

const (
	kindRequest = 0
	inName      = "X-In"
	outName     = "X-Out"
)

var buf [2048]byte

//go:wasmexport handle_request
func handleRequest() uint64 {
	countLen := getHeaderValues(kindRequest, unsafe.Pointer(unsafe.StringData(inName)), uint32(len(inName)),
		unsafe.Pointer(&buf[0]), uint32(len(buf)))
	n := uint32(countLen)
	if countLen>>32 == 0 || int(n) > len(buf) {
		return 1
	}
	// Each value is NUL-terminated: set the first.
	v := buf[:n]
	for i, c := range v {
		if c == 0 {
			v = v[:i]
			break
		}
	}
	if len(v) > 0 {
		setHeaderValue(kindRequest, unsafe.Pointer(unsafe.StringData(outName)), uint32(len(outName)),
			unsafe.Pointer(&v[0]), uint32(len(v)))
	}
	return 1
}

//go:wasmexport handle_response
func handleResponse(reqCtx, isError uint32) {}

func main() {}
