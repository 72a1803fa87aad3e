// Package probe is the test function of the functions and Caddy tests,
// written to the original Gojinn's contract with nothing but the standard
// library: each request names, in its X-Op header, one thing to do, from
// a correct answer to every way of breaking the contract. The command
// form (./command) is a plain main; the reactor form (./reactor)
// registers the same Serve with the Go SDK.
package probe

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

// Request is the contract's request.
type Request struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	TraceID string              `json:"trace_id"`
}

// Response is the contract's response.
type Response struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// Echo is the body of the "echo" answer: what the function received.
type Echo struct {
	Method   string              `json:"method"`
	URI      string              `json:"uri"`
	Headers  map[string][]string `json:"headers"`
	Body     string              `json:"body"`
	TraceID  string              `json:"trace_id"`
	Args     []string            `json:"args"`
	Env      map[string]string   `json:"env"`
	Requests int                 `json:"requests"`
}

// requests counts the requests this instance served: a reactor's
// instances serve many, a command's one.
var requests int

// Serve answers one request's JSON with the response's.
func Serve(raw []byte) []byte {
	requests++
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		fmt.Fprintln(os.Stderr, "probe: bad request JSON:", err)
		os.Exit(4)
	}
	arg := first(req.Headers["X-Arg"])
	switch op := first(req.Headers["X-Op"]); op {
	case "", "echo":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		body, _ := json.Marshal(Echo{
			Method: req.Method, URI: req.URI, Headers: req.Headers, Body: req.Body,
			TraceID: req.TraceID, Args: os.Args, Env: env, Requests: requests,
		})
		return answer(200, map[string][]string{"Content-Type": {"application/json"}}, string(body))
	case "status":
		n, _ := strconv.Atoi(arg)
		return answer(n, map[string][]string{"X-Probe": {"a", "b"}}, "status "+arg+"\n")
	case "raw":
		// The output exactly as the test wrote it.
		return []byte(arg)
	case "string-status":
		return []byte(`{"status": "200", "headers": {}, "body": "x"}`)
	case "non-array-headers":
		return []byte(`{"status": 200, "headers": {"Content-Type": "text/plain"}, "body": "x"}`)
	case "debug-line":
		fmt.Println("debug: handling", req.URI)
		return answer(200, nil, "fine\n")
	case "trailing":
		return append(answer(200, nil, "fine\n"), "\nand then some"...)
	case "exit":
		fmt.Fprintln(os.Stderr, "probe: giving up")
		os.Exit(3)
	case "panic":
		panic("probe panics on purpose")
	case "trap":
		// A load past the end of linear memory: a wasm trap, not a Go
		// panic.
		return []byte{*(*byte)(unsafe.Add(unsafe.Pointer(&requests), 3<<30))}
	case "loop":
		for {
			requests++
		}
	case "alloc":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
			requests += len(keep[len(keep)-1]) & 1
		}
	case "big-stdout":
		n, _ := strconv.Atoi(arg)
		line := []byte(strings.Repeat("x", 1023) + "\n")
		for written := 0; written < n; written += len(line) {
			if _, err := os.Stdout.Write(line); err != nil {
				fmt.Fprintln(os.Stderr, "probe: stdout:", err)
				os.Exit(5)
			}
		}
		return nil
	case "stderr":
		n, _ := strconv.Atoi(arg)
		for i := range n {
			fmt.Fprintf(os.Stderr, "probe line %d\n", i)
		}
		fmt.Fprint(os.Stderr, "probe last words")
		return answer(200, nil, "logged\n")
	case "body-length":
		return answer(200, nil, strconv.Itoa(len(req.Body)))
	}
	return answer(400, nil, "unknown op\n")
}

func answer(status int, headers map[string][]string, body string) []byte {
	b, err := json.Marshal(Response{Status: status, Headers: headers, Body: body})
	if err != nil {
		panic(err)
	}
	return b
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
