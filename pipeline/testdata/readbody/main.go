// Command readbody is the test guest of the chain's request body reading:
// it declares that it reads the body (unless configured "lazy"), and
// passes on, in request headers, what it found: body_size, the
// Transfer-Encoding pseudo-header, and the body's length and checksum.
package main

import (
	"strconv"

	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, ReadsRequestBody: true})
}

func configure(config []byte) error {
	if string(config) == "lazy" {
		guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
	}
	return nil
}

func onRequest() guest.Action {
	h := guest.Request.Header
	size := "error: "
	n, err := guest.Request.BodySize()
	if err != nil {
		size += err.Error()
	} else {
		size = strconv.Itoa(n)
	}
	te, ok := h.Lookup("Transfer-Encoding")
	if !ok {
		te = "absent"
	}
	b, err := guest.Request.Body()
	read := strconv.Itoa(len(b)) + " " + checksum(b)
	if err != nil {
		read = "error: " + err.Error()
	}
	h.Set("X-Size", size)
	h.Set("X-Te", te)
	h.Set("X-Read", read)
	return guest.Continue
}

// checksum is FNV-1a, as the tests' upstream computes it.
func checksum(b []byte) string {
	var s uint32 = 2166136261
	for _, c := range b {
		s ^= uint32(c)
		s *= 16777619
	}
	return strconv.FormatUint(uint64(s), 16)
}

func main() {}
