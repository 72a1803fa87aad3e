package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/pipeline"
)

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

// clientAddr is the request's client address: run serves no network, and
// a filter that reads client_addr gets a loopback one.
const clientAddr = "127.0.0.1:50000"

// run passes one request through a chain of the module's filter, with a
// next handler that records what it got and answers with --response, and
// reports what the filter did.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the guest's config: a file, or JSON written out (starts with { or [)")
	response := fs.String("response", "", "file with the response the next handler answers with (HTTP/1.1 wire format); default 200 with no body")
	method := fs.String("method", http.MethodGet, "request method, without a request file")
	url := fs.String("url", "http://localhost/", "request URL, without a request file")
	data := fs.String("data", "", "request body, without a request file")
	var headers headerFlags
	fs.Var(&headers, "H", `request header "Name: value", repeatable, without a request file`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn run [flags] <module.wasm> [request file (HTTP/1.1 wire format)]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		fs.Usage()
		return exitUsage
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "gojinn run: %v\n", err)
		return code
	}
	guestCfg, err := guestConfig(*config)
	if err != nil {
		return fail(exitUsage, err)
	}
	var req *http.Request
	if fs.NArg() == 2 {
		req, err = readRequest(fs.Arg(1))
	} else {
		req, err = flagRequest(*method, *url, headers, *data)
	}
	if err != nil {
		return fail(exitUsage, err)
	}
	resp, err := readResponse(*response)
	if err != nil {
		return fail(exitUsage, err)
	}
	if err := runOnce(context.Background(), fs.Arg(0), guestCfg, req, resp, stdout); err != nil {
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
	req.RemoteAddr = clientAddr
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
	req.RequestURI, req.RemoteAddr = req.URL.RequestURI(), clientAddr
	return req, nil
}

// recordedResponse is a response: the one the next handler answers
// with, or the one that went out.
type recordedResponse struct {
	status int
	header http.Header
	body   []byte
}

// readResponse reads the next handler's response from path, in HTTP/1.1
// wire format; no path is a 200 with no body.
func readResponse(path string) (*recordedResponse, error) {
	if path == "" {
		return &recordedResponse{status: http.StatusOK, header: http.Header{}}, nil
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
	return &recordedResponse{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// runOnce loads the module and runs req through it, writing the report
// to w.
func runOnce(ctx context.Context, path string, guestCfg []byte, req *http.Request, resp *recordedResponse, w io.Writer) error {
	var logs bytes.Buffer
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = "" // the report is the same on every run
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(&logs), zap.DebugLevel))
	engine, err := filters.NewEngine(filters.EngineConfig{})
	if err != nil {
		return err
	}
	defer engine.Close(ctx)
	f, err := engine.Load(ctx, filters.Config{Name: filterName(path), Path: path, GuestConfig: guestCfg, PoolMax: 1, Logger: logger})
	if err != nil {
		return err
	}
	defer f.Close(ctx)
	logs.Reset() // the load's own lines are not the request's

	before := req.Header.Clone()
	beforeLine := req.Method + " " + req.RequestURI
	var afterLine string
	var after http.Header
	var vars [][2]string
	visit := func(ex *pipeline.Exchange) {
		r := ex.Request()
		afterLine, after = r.Method+" "+ex.URI(), r.Header.Clone()
		ex.Vars(func(name, value string) { vars = append(vars, [2]string{name, value}) })
	}
	nextCalled := false
	var nextBody []byte
	next := func(rw http.ResponseWriter, r *http.Request) error {
		nextCalled = true
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("next handler reading the request body: %w", err)
		}
		nextBody = b
		for k, vs := range resp.header {
			rw.Header()[k] = slices.Clone(vs)
		}
		rw.WriteHeader(resp.status)
		_, err = rw.Write(resp.body)
		return err
	}
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{Logger: logger})
	rec := httptest.NewRecorder()
	start := time.Now()
	serveErr := chain.Serve(rec, req, next, visit)
	elapsed := time.Since(start)
	out := &recordedResponse{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}

	var failure *pipeline.Failure
	switch {
	case errors.As(serveErr, &failure):
		fmt.Fprintf(w, "decision: failed, the chain answers %d: %v\n", failure.Status, failure.Err)
	case serveErr != nil:
		return serveErr
	case nextCalled:
		fmt.Fprintln(w, "decision: continue")
	default:
		fmt.Fprintf(w, "decision: answered %d %s\n", out.status, http.StatusText(out.status))
		writeHeader(w, out.header)
		fmt.Fprintf(w, "  body (%d bytes): %s\n", len(out.body), strconv.Quote(string(out.body)))
	}
	fmt.Fprintln(w, "request changes:")
	n := 0
	if afterLine != "" && afterLine != beforeLine {
		fmt.Fprintf(w, "  - %s\n  + %s\n", beforeLine, afterLine)
		n++
	}
	n += writeHeaderDiff(w, before, after)
	if nextCalled && req.ContentLength != 0 {
		fmt.Fprintf(w, "  body the next handler got (%d bytes): %s\n", len(nextBody), strconv.Quote(string(nextBody)))
		n++
	}
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintln(w, "variables:")
	if len(vars) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, v := range vars {
		fmt.Fprintf(w, "  %s = %s\n", v[0], strconv.Quote(v[1]))
	}
	if nextCalled && f.HasResponse() {
		fmt.Fprintln(w, "response changes:")
		n := 0
		if out.status != resp.status {
			fmt.Fprintf(w, "  - status %d\n  + status %d\n", resp.status, out.status)
			n++
		}
		n += writeHeaderDiff(w, resp.header, withoutFraming(out.header))
		if !bytes.Equal(out.body, resp.body) {
			fmt.Fprintf(w, "  body (%d bytes): %s\n", len(out.body), strconv.Quote(string(out.body)))
			n++
		}
		if n == 0 {
			fmt.Fprintln(w, "  none")
		}
	}
	fmt.Fprintln(w, "logs:")
	if logs.Len() == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, line := range strings.SplitAfter(strings.TrimSuffix(logs.String(), "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(w, "  %s", strings.TrimSuffix(line, "\n")+"\n")
		}
	}
	st := f.Stats()
	fmt.Fprintf(w, "time: %s (the chain's Serve, the next handler included)\n", elapsed.Round(time.Microsecond))
	if st.SnapshotBytes > 0 {
		fmt.Fprintf(w, "memory: %s, the instance's memory when configured (its snapshot)\n", bytesText(st.SnapshotBytes))
	}
	return nil
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
