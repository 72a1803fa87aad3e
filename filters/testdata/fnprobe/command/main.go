// Command command is fnprobe as a WASI command.
package main

import (
	"io"
	"os"

	"github.com/gojinn/gojinn/filters/testdata/fnprobe"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(fnprobe.Serve(in))
}
