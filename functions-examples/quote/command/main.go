// Command command is the quote function as a WASI command, as the
// original Gojinn's users write one: read the request from stdin, write
// the answer to stdout. Nothing of Gojinn is in it:
//
//	GOOS=wasip1 GOARCH=wasm go build -o quote-command.wasm ./functions-examples/quote/command
package main

import (
	"io"
	"os"

	"github.com/gojinn/gojinn/functions-examples/quote/quote"
)

func main() {
	req, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(quote.Serve(req))
}
