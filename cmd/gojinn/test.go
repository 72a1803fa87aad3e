package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
)

// testFile is a cases file: the guest's config and the cases.
type testFile struct {
	// Config is the guest's config: a JSON string is handed over as its
	// text, any other JSON value as it is written.
	Config json.RawMessage `json:"config"`
	Cases  []testCase      `json:"cases"`
}

// testCase is a request, the response the next handler answers with,
// and what is expected of the filter.
type testCase struct {
	Name     string        `json:"name"`
	Request  testRequest   `json:"request"`
	Response *testResponse `json:"response"`
	Expect   expectation   `json:"expect"`
}

type testRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

type testResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// expectation is what a case checks; what it leaves out is not checked.
// A header or variable expected as null must be absent.
type expectation struct {
	// Decision is "continue", "answer" or "fail".
	Decision string `json:"decision"`
	// Status is the status of the response that went out.
	Status int `json:"status"`
	// RequestHeaders are the request's headers after the filter's request
	// phase; ResponseHeaders those of the response that went out.
	RequestHeaders  map[string]*string `json:"request_headers"`
	ResponseHeaders map[string]*string `json:"response_headers"`
	Variables       map[string]*string `json:"variables"`
	// Body is the body of the response that went out.
	Body *string `json:"body"`
}

// test runs a cases file against a module and reports each case.
func test(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn test <module.wasm> <cases.json>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	tf, err := readTestFile(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "gojinn test: %v\n", err)
		return exitUsage
	}
	ctx := context.Background()
	l, err := load(ctx, fs.Arg(0), tf.guestConfig())
	if err != nil {
		fmt.Fprintf(stderr, "gojinn test: %v\n", err)
		return exitFailure
	}
	defer l.close(ctx)
	failed := 0
	for i, c := range tf.Cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i+1)
		}
		problems, err := runCase(l, c)
		if err != nil {
			fmt.Fprintf(stderr, "gojinn test: %s: %s: %v\n", fs.Arg(1), name, err)
			return exitFailure
		}
		if len(problems) == 0 {
			fmt.Fprintf(stdout, "ok    %s\n", name)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL  %s\n", name)
		for _, p := range problems {
			fmt.Fprintf(stdout, "      %s\n", p)
		}
	}
	fmt.Fprintf(stdout, "%d of %d cases passed\n", len(tf.Cases)-failed, len(tf.Cases))
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

func readTestFile(path string) (*testFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tf testFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt expectation would check nothing
	if err := dec.Decode(&tf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(tf.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	for i, c := range tf.Cases {
		switch c.Expect.Decision {
		case "", "continue", "answer", "fail":
		default:
			return nil, fmt.Errorf("%s: case %d: decision %q: want continue, answer or fail", path, i+1, c.Expect.Decision)
		}
	}
	return &tf, nil
}

func (tf *testFile) guestConfig() []byte {
	var s string
	if json.Unmarshal(tf.Config, &s) == nil {
		return []byte(s)
	}
	return tf.Config
}

// runCase runs one case and returns what did not meet its expectation.
func runCase(l *loaded, c testCase) ([]string, error) {
	method := c.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	url := c.Request.URL
	if url == "" {
		url = "http://localhost/"
	}
	headers := make([]string, 0, len(c.Request.Headers))
	for k, v := range c.Request.Headers {
		headers = append(headers, k+": "+v)
	}
	req, err := flagRequest(method, url, headers, c.Request.Body)
	if err != nil {
		return nil, err
	}
	resp := &recordedResponse{status: http.StatusOK, header: http.Header{}}
	if r := c.Response; r != nil {
		resp.body = []byte(r.Body)
		if r.Status != 0 {
			resp.status = r.Status
		}
		for k, v := range r.Headers {
			resp.header.Set(k, v)
		}
	}
	o, err := l.serve(req, resp)
	if err != nil {
		return nil, err
	}
	var problems []string
	decision := "answer"
	switch {
	case o.failure != nil:
		decision = "fail"
	case o.continued:
		decision = "continue"
	}
	if e := c.Expect.Decision; e != "" && e != decision {
		p := fmt.Sprintf("decision %s, want %s", decision, e)
		if o.failure != nil {
			p += ": " + o.failure.Err.Error()
		}
		problems = append(problems, p)
	}
	if e := c.Expect.Status; e != 0 && e != o.out.status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", o.out.status, e))
	}
	problems = append(problems, checkValues("request header", c.Expect.RequestHeaders, func(k string) (string, bool) {
		vs, ok := o.after[http.CanonicalHeaderKey(k)]
		return strings.Join(vs, ", "), ok
	})...)
	problems = append(problems, checkValues("response header", c.Expect.ResponseHeaders, func(k string) (string, bool) {
		vs, ok := o.out.header[http.CanonicalHeaderKey(k)]
		return strings.Join(vs, ", "), ok
	})...)
	problems = append(problems, checkValues("variable", c.Expect.Variables, func(k string) (string, bool) {
		i := slices.IndexFunc(o.vars, func(v [2]string) bool { return v[0] == k })
		if i < 0 {
			return "", false
		}
		return o.vars[i][1], true
	})...)
	if e := c.Expect.Body; e != nil && *e != string(o.out.body) {
		problems = append(problems, fmt.Sprintf("body %q, want %q", o.out.body, *e))
	}
	for _, line := range strings.Split(strings.TrimSpace(o.logs), "\n") {
		if len(problems) > 0 && line != "" {
			problems = append(problems, "log: "+line)
		}
	}
	return problems, nil
}

// checkValues checks each expected value against get's; a nil one must
// be absent. Names are checked in order, so that the report is the same
// on every run.
func checkValues(what string, want map[string]*string, get func(string) (string, bool)) []string {
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	slices.Sort(names)
	var problems []string
	for _, k := range names {
		got, ok := get(k)
		switch w := want[k]; {
		case w == nil && ok:
			problems = append(problems, fmt.Sprintf("%s %s is %q, want it absent", what, k, got))
		case w != nil && !ok:
			problems = append(problems, fmt.Sprintf("%s %s is absent, want %q", what, k, *w))
		case w != nil && got != *w:
			problems = append(problems, fmt.Sprintf("%s %s is %q, want %q", what, k, got, *w))
		}
	}
	return problems
}
