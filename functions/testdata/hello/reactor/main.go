//go:build wasip1

// Command reactor is a small reactor on the Go SDK's fast path: it
// decodes the request and encodes its answer with the SDK, without
// reflection, reusing its buffers, and greets the X-Name header.
package main

import "github.com/gojinn/gojinn/hostabi/function"

var (
	req    function.Request
	answer = function.Response{Status: 200, Header: map[string][]string{"Content-Type": {"text/plain"}}}
	out    []byte
)

func init() { function.Handle(greet) }

func greet(raw []byte) []byte {
	if err := function.DecodeRequest(raw, &req); err != nil {
		panic(err)
	}
	name := req.HeaderValue("X-Name")
	if name == "" {
		name = "world"
	}
	answer.Body = append(append(append(answer.Body[:0], "hello, "...), name...), '\n')
	out = answer.AppendJSON(out[:0])
	return out
}

func main() {}
