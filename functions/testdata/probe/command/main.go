// Command command is the probe as the original Gojinn's users write a
// function: a main that reads the request on stdin and writes the answer
// on stdout, built with a plain GOOS=wasip1 GOARCH=wasm go build.
package main

import (
	"io"
	"os"

	"github.com/gojinn/gojinn/functions/testdata/probe"
)

func main() {
	req, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(probe.Serve(req))
}
