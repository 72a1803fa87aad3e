// Package function is the Go SDK for Gojinn functions in the reactor
// form, and the encoder of the answer they write.
//
// A function reads one request as JSON on stdin and writes one response
// as JSON on stdout (docs/ABI.md, "Functions"):
//
//	{"method": "POST", "uri": "/api/contact?id=123", "headers": {"Content-Type": ["application/json"]}, "body": "..."}
//	{"status": 200, "headers": {"Content-Type": ["application/json"]}, "body": "..."}
//
// Any WASI program that does that is a function: a plain
// `GOOS=wasip1 GOARCH=wasm go build` of a main that reads os.Stdin and
// writes os.Stdout, with no Gojinn code in it, is one (a command). A
// command runs once per request, so each request pays for its runtime's
// start-up. The reactor form does not: built with -buildmode=c-shared,
// it starts once, and then each request is a call of the handler it
// registered, on an instance the host keeps (and restores, for the next
// one, from a snapshot taken after the start-up):
//
//	//go:build wasip1
//
//	package main
//
//	import "github.com/gojinn/gojinn/hostabi/function"
//
//	func init() { function.Handle(handle) }
//
//	func handle(request []byte) []byte {
//		r := function.Response{Status: 200, Header: map[string][]string{"Content-Type": {"text/plain"}}, Body: []byte("hi\n")}
//		return r.AppendJSON(nil)
//	}
//
//	func main() {}
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o fn.wasm .
//
// The handler gets the same bytes a command reads on stdin, and what it
// returns is written to stdout, where anything else the function prints
// goes too: a stray debug line breaks the response in both forms alike.
// DecodeRequest and Response.AppendJSON read and write the contract's
// JSON without reflection; encoding/json works as well, and costs a wasm
// guest tens of microseconds a request.
// Log to stderr instead (fmt.Fprintln(os.Stderr, ...)); the host logs it
// line by line.
//
// Instances are restored from one snapshot, so they share everything the
// start-up drew at random (math/rand's seeds): draw per-request
// randomness from crypto/rand, which asks the host every time.
package function
