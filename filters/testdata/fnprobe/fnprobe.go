// Package fnprobe is the test function of the engine's tests: its input
// is "<op> <arg>", one thing for it to do, and its output is bytes, not
// the JSON contract (which is package functions' business). The command
// form (./command) is a plain main, the reactor form (./reactor) the same
// Serve registered with the Go SDK.
package fnprobe

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// served counts the inputs this instance served.
var served int

// Serve answers one input.
func Serve(input []byte) []byte {
	served++
	op, arg, _ := strings.Cut(string(input), " ")
	switch op {
	case "echo":
		return []byte(arg)
	case "served":
		return []byte(strconv.Itoa(served))
	case "args":
		return []byte(strings.Join(os.Args, ","))
	case "env":
		return []byte(os.Getenv(arg))
	case "exit":
		n, _ := strconv.Atoi(arg)
		fmt.Print("partial")
		os.Exit(n)
	case "panic":
		panic("fnprobe panics on purpose")
	case "loop":
		for {
			served++
		}
	case "alloc":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
			served += len(keep[len(keep)-1]) & 1
		}
	case "big":
		// arg bytes in writes of 1 KiB; a failed write is reported on
		// stderr and ends the output.
		n, _ := strconv.Atoi(arg)
		chunk := []byte(strings.Repeat("x", 1024))
		for n > 0 {
			w, err := os.Stdout.Write(chunk[:min(n, len(chunk))])
			if err != nil {
				fmt.Fprintf(os.Stderr, "write failed after %d bytes: %v\n", w, err)
				return nil
			}
			n -= w
		}
		return nil
	case "stderr":
		n, _ := strconv.Atoi(arg)
		for i := range n {
			fmt.Fprintf(os.Stderr, "line %d\n", i)
		}
		fmt.Fprint(os.Stderr, "no newline")
		return []byte("ok")
	}
	return []byte("unknown op " + op)
}
