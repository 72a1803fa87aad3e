// Command command is the smallest function, the floor of the command
// form's cost: it reads the request and answers a constant.
package main

import (
	"io"
	"os"
)

func main() {
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Stdout.WriteString(`{"status":200,"headers":{"Content-Type":["text/plain"]},"body":"hello\n"}`)
}
