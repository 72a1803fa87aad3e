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

// loaded is a filter loaded on an engine of its own, with its logs kept.
type loaded struct {
	engine *filters.Engine
	filter *filters.Filter
	logger *zap.Logger
	logs   *bytes.Buffer
}

// load loads the module at path as Caddy would, with a logger that keeps
// every line (the guest's debug lines too) for the report.
func load(ctx context.Context, path string, guestCfg []byte) (*loaded, error) {
	logs := &bytes.Buffer{}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = "" // the report is the same on every run
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(logs), zap.DebugLevel))
	engine, err := newEngine()
	if err != nil {
		return nil, err
	}
	f, err := engine.Load(ctx, filters.Config{Name: filterName(path), Path: path, GuestConfig: guestCfg, PoolMax: 1, Logger: logger})
	if err != nil {
		_ = engine.Close(ctx)
		return nil, err
	}
	return &loaded{engine: engine, filter: f, logger: logger, logs: logs}, nil
}

func (l *loaded) close(ctx context.Context) {
	l.filter.Close(ctx)
	_ = l.engine.Close(ctx)
}

// outcome is what one request through the filter came to.
type outcome struct {
	// failure is the chain's failure, nil when the call succeeded.
	failure *pipeline.Failure
	// continued: the request reached the next handler.
	continued bool
	// out is the response that went out.
	out recordedResponse
	// The request line and headers before the filter and after its
	// request phase, the body the next handler got.
	beforeLine, afterLine string
	before, after         http.Header
	nextBody              []byte
	vars                  [][2]string
	logs                  string
	elapsed               time.Duration
}

// serve passes req through a chain of the filter alone, in front of a
// next handler that records what it gets and answers with resp.
func (l *loaded) serve(req *http.Request, resp *recordedResponse) (*outcome, error) {
	l.logs.Reset() // the load's lines and an earlier request's are not this one's
	o := &outcome{before: req.Header.Clone(), beforeLine: req.Method + " " + req.RequestURI}
	visit := func(ex *pipeline.Exchange) {
		r := ex.Request()
		o.afterLine, o.after = r.Method+" "+ex.URI(), r.Header.Clone()
		ex.Vars(func(name, value string) { o.vars = append(o.vars, [2]string{name, value}) })
	}
	next := func(rw http.ResponseWriter, r *http.Request) error {
		o.continued = true
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("next handler reading the request body: %w", err)
		}
		o.nextBody = b
		for k, vs := range resp.header {
			rw.Header()[k] = slices.Clone(vs)
		}
		rw.WriteHeader(resp.status)
		_, err = rw.Write(resp.body)
		return err
	}
	chain := pipeline.New([]pipeline.Stage{{Filter: l.filter}}, pipeline.Options{Logger: l.logger})
	rec := httptest.NewRecorder()
	start := time.Now()
	err := chain.Serve(rec, req, next, visit)
	o.elapsed = time.Since(start)
	if err != nil && !errors.As(err, &o.failure) {
		return nil, err
	}
	o.out = recordedResponse{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if o.failure != nil {
		o.out.status = o.failure.Status
	}
	o.logs = l.logs.String()
	return o, nil
}

// runOnce loads the module and runs req through it, writing the report
// to w.
func runOnce(ctx context.Context, path string, guestCfg []byte, req *http.Request, resp *recordedResponse, w io.Writer) error {
	l, err := load(ctx, path, guestCfg)
	if err != nil {
		return err
	}
	defer l.close(ctx)
	o, err := l.serve(req, resp)
	if err != nil {
		return err
	}
	switch {
	case o.failure != nil:
		fmt.Fprintf(w, "decision: failed, the chain answers %d: %v\n", o.failure.Status, o.failure.Err)
	case o.continued:
		fmt.Fprintln(w, "decision: continue")
	default:
		fmt.Fprintf(w, "decision: answered %d %s\n", o.out.status, http.StatusText(o.out.status))
		writeHeader(w, o.out.header)
		fmt.Fprintf(w, "  body (%d bytes): %s\n", len(o.out.body), strconv.Quote(string(o.out.body)))
	}
	fmt.Fprintln(w, "request changes:")
	n := 0
	if o.afterLine != "" && o.afterLine != o.beforeLine {
		fmt.Fprintf(w, "  - %s\n  + %s\n", o.beforeLine, o.afterLine)
		n++
	}
	n += writeHeaderDiff(w, o.before, o.after)
	if o.continued && req.ContentLength != 0 {
		fmt.Fprintf(w, "  body the next handler got (%d bytes): %s\n", len(o.nextBody), strconv.Quote(string(o.nextBody)))
		n++
	}
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintln(w, "variables:")
	if len(o.vars) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, v := range o.vars {
		fmt.Fprintf(w, "  %s = %s\n", v[0], strconv.Quote(v[1]))
	}
	if o.continued && l.filter.HasResponse() {
		fmt.Fprintln(w, "response changes:")
		n := 0
		if o.out.status != resp.status {
			fmt.Fprintf(w, "  - status %d\n  + status %d\n", resp.status, o.out.status)
			n++
		}
		n += writeHeaderDiff(w, resp.header, withoutFraming(o.out.header))
		if !bytes.Equal(o.out.body, resp.body) {
			fmt.Fprintf(w, "  body (%d bytes): %s\n", len(o.out.body), strconv.Quote(string(o.out.body)))
			n++
		}
		if n == 0 {
			fmt.Fprintln(w, "  none")
		}
	}
	fmt.Fprintln(w, "logs:")
	if o.logs == "" {
		fmt.Fprintln(w, "  none")
	}
	for _, line := range strings.Split(strings.TrimSuffix(o.logs, "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	fmt.Fprintf(w, "time: %s (the chain's Serve, the next handler included)\n", o.elapsed.Round(time.Microsecond))
	if st := l.filter.Stats(); st.SnapshotBytes > 0 {
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
