package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/gojinntest"
)

// listFlag is a repeatable flag's values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// envFlag is a repeatable --env KEY=value.
type envFlag struct{ listFlag }

func (e *envFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=value", v)
	}
	return e.listFlag.Set(v)
}

// functionFlags are a function's settings, --arg and --env, which
// Caddy's gojinn directive gives as args and env.
type functionFlags struct {
	args listFlag
	env  envFlag
}

func (f *functionFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.args, "arg", "an argument of a function (its os.Args, whole: no program name first), repeatable")
	fs.Var(&f.env, "env", "an environment variable of a function, KEY=value, repeatable")
}

// headerFlags is a repeatable -H "Name: value".
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	if name, _, ok := strings.Cut(v, ":"); !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("%q is not Name: value", v)
	}
	*h = append(*h, v)
	return nil
}

// exchangeFlags are the flags and arguments gojinn run and gojinn bench
// share: the module, its config, the request (a file or flags), the
// response the next handler answers with, and a function's arguments.
type exchangeFlags struct {
	fs                *flag.FlagSet
	config, response  *string
	method, url, data *string
	headers           headerFlags
	fn                functionFlags
}

// newExchangeFlags makes the flag set of the subcommand name, which
// writes its usage and errors to stderr.
func newExchangeFlags(name string, stderr io.Writer) *exchangeFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &exchangeFlags{fs: fs}
	e.config = fs.String("config", "", "the guest's config: a file, or JSON written out (starts with { or [)")
	e.response = fs.String("response", "", "file with the response the next handler answers with (HTTP/1.1 wire format); default 200 with no body")
	e.method = fs.String("method", http.MethodGet, "request method, without a request file")
	e.url = fs.String("url", "http://localhost/", "request URL, without a request file")
	e.data = fs.String("data", "", "request body, without a request file")
	fs.Var(&e.headers, "H", `request header "Name: value", repeatable, without a request file`)
	e.fn.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gojinn %s [flags] <module.wasm> [request file (HTTP/1.1 wire format)]\n", name)
		fs.PrintDefaults()
	}
	return e
}

// parse reads args; code is the exit code when they are wrong (the usage
// printed), else 0.
func (e *exchangeFlags) parse(args []string) (code int) {
	if err := e.fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if e.fs.NArg() < 1 || e.fs.NArg() > 2 {
		e.fs.Usage()
		return exitUsage
	}
	return 0
}

// module is the module's path.
func (e *exchangeFlags) module() string { return e.fs.Arg(0) }

// exchange reads what the parsed flags name: the guest's config, the
// request and the response.
func (e *exchangeFlags) exchange() (guestCfg []byte, req *http.Request, resp *gojinntest.Response, err error) {
	if guestCfg, err = guestConfig(*e.config); err != nil {
		return nil, nil, nil, err
	}
	if e.fs.NArg() == 2 {
		req, err = readRequest(e.fs.Arg(1))
	} else {
		req, err = flagRequest(*e.method, *e.url, e.headers, *e.data)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if resp, err = readResponse(*e.response); err != nil {
		return nil, nil, nil, err
	}
	return guestCfg, req, resp, nil
}

// run passes one request through a chain of the module's filter, with a
// next handler that records what it got and answers with --response, and
// reports what the filter did.
func run(args []string, stdout, stderr io.Writer) int {
	flags := newExchangeFlags("run", stderr)
	if code := flags.parse(args); code != 0 {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "gojinn run: %v\n", err)
		return code
	}
	guestCfg, req, resp, err := flags.exchange()
	if err != nil {
		return fail(exitUsage, err)
	}
	fn := flags.fn
	opts := gojinntest.Options{Config: guestCfg, Args: fn.args, Env: fn.env.listFlag, CacheDir: cacheDir()}
	if err := runOnce(context.Background(), flags.module(), opts, req, resp, stdout); err != nil {
		return fail(exitFailure, err)
	}
	return exitOK
}

// readRequest reads a request in HTTP/1.1 wire format from path.
func readRequest(path string) (*http.Request, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not an HTTP/1.1 request: %w", path, err)
	}
	req.RemoteAddr = gojinntest.ClientAddr
	return req, nil
}

// flagRequest makes the request of the flags, as a server would have
// read it.
func flagRequest(method, url string, headers []string, data string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("--method %s --url %s: %w", method, url, err)
	}
	if data == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	req.RequestURI, req.RemoteAddr = req.URL.RequestURI(), gojinntest.ClientAddr
	return req, nil
}

// readResponse reads the next handler's response from path, in HTTP/1.1
// wire format; no path is a 200 with no body.
func readResponse(path string) (*gojinntest.Response, error) {
	if path == "" {
		return &gojinntest.Response{Status: http.StatusOK, Header: http.Header{}}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--response: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return nil, fmt.Errorf("--response %s: not an HTTP/1.1 response: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("--response %s: body: %w", path, err)
	}
	// Framing is the server's to set again.
	resp.Header.Del("Content-Length")
	return &gojinntest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func runOnce(ctx context.Context, path string, opts gojinntest.Options, req *http.Request, resp *gojinntest.Response, w io.Writer) error {
	m, err := gojinntest.Load(ctx, path, opts)
	if err != nil {
		return err
	}
	defer m.Close(ctx)
	o, err := m.Serve(req, resp)
	if err != nil {
		return err
	}
	switch o.Decision {
	case gojinntest.Fail:
		what := "the chain"
		if m.Function() != nil {
			what = "the function handler"
		}
		fmt.Fprintf(w, "decision: failed, %s answers %d: %v\n", what, o.Status, o.Err)
	case gojinntest.Continue:
		fmt.Fprintln(w, "decision: continue")
	default:
		fmt.Fprintf(w, "decision: answered %d %s\n", o.Status, http.StatusText(o.Status))
		writeHeader(w, o.Header)
		fmt.Fprintf(w, "  body (%d bytes): %s\n", len(o.Body), strconv.Quote(string(o.Body)))
	}
	if f := m.Filter(); f != nil {
		writeFilterChanges(w, f, req, resp, o)
	}
	fmt.Fprintln(w, "logs:")
	if o.Logs == "" {
		fmt.Fprintln(w, "  none")
	}
	for _, line := range strings.Split(strings.TrimSuffix(o.Logs, "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	what := "the chain's Serve, the next handler included"
	if m.Function() != nil {
		what = "the function handler's Serve"
	}
	fmt.Fprintf(w, "time: %s (%s)\n", o.Elapsed.Round(time.Microsecond), what)
	// The peak counts every instance since the load: the one configured
	// for the snapshot and the one that served the request.
	switch st := m.Stats(); {
	case st.SnapshotBytes > 0:
		fmt.Fprintf(w, "memory: %s at most, configure and the request included (%s when configured: its snapshot)\n",
			bytesText(st.PeakMemory), bytesText(st.SnapshotBytes))
	case st.PeakMemory > 0:
		fmt.Fprintf(w, "memory: %s at most\n", bytesText(st.PeakMemory))
	}
	return nil
}

// writeFilterChanges writes what a filter changed: the request line and
// headers, the body the next handler got, the variables, and what its
// response hooks changed.
func writeFilterChanges(w io.Writer, f *filters.Filter, req *http.Request, resp *gojinntest.Response, o *gojinntest.Outcome) {
	fmt.Fprintln(w, "request changes:")
	n := 0
	if o.AfterLine != "" && o.AfterLine != o.BeforeLine {
		fmt.Fprintf(w, "  - %s\n  + %s\n", o.BeforeLine, o.AfterLine)
		n++
	}
	n += writeHeaderDiff(w, o.Before, o.After)
	if o.Decision == gojinntest.Continue && req.ContentLength != 0 {
		fmt.Fprintf(w, "  body the next handler got (%d bytes): %s\n", len(o.NextBody), strconv.Quote(string(o.NextBody)))
		n++
	}
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintln(w, "variables:")
	if len(o.Variables) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, v := range o.Variables {
		fmt.Fprintf(w, "  %s = %s\n", v.Name, strconv.Quote(v.Value))
	}
	if o.Decision == gojinntest.Continue && f.HasResponse() {
		fmt.Fprintln(w, "response changes:")
		n := 0
		if o.Status != resp.Status {
			fmt.Fprintf(w, "  - status %d\n  + status %d\n", resp.Status, o.Status)
			n++
		}
		n += writeHeaderDiff(w, resp.Header, withoutFraming(o.Header))
		if !bytes.Equal(o.Body, resp.Body) {
			fmt.Fprintf(w, "  body (%d bytes): %s\n", len(o.Body), strconv.Quote(string(o.Body)))
			n++
		}
		if n == 0 {
			fmt.Fprintln(w, "  none")
		}
	}
}

// withoutFraming is h without the headers the server adds to frame a
// response, which are no filter's change.
func withoutFraming(h http.Header) http.Header {
	h = h.Clone()
	h.Del("Content-Length")
	return h
}

func writeHeader(w io.Writer, h http.Header) {
	for _, k := range sortedKeys(h) {
		for _, v := range h[k] {
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
}

// writeHeaderDiff writes each header whose values differ between before
// and after, its old values with -, its new ones with +, and returns how
// many headers it wrote.
func writeHeaderDiff(w io.Writer, before, after http.Header) int {
	keys := sortedKeys(before)
	for _, k := range sortedKeys(after) {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	n := 0
	for _, k := range keys {
		if slices.Equal(before[k], after[k]) {
			continue
		}
		n++
		for _, v := range before[k] {
			fmt.Fprintf(w, "  - %s: %s\n", k, v)
		}
		for _, v := range after[k] {
			fmt.Fprintf(w, "  + %s: %s\n", k, v)
		}
	}
	return n
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
