package gojinntest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// File is a cases file: the module's settings and its cases. It is the
// JSON (or YAML) `gojinn test` reads (docs/CLI.md); unknown fields are
// refused, so that a misspelt expectation fails the file instead of
// checking nothing.
type File struct {
	// Config is a filter's config: a JSON string is handed over as its
	// text (a config that is not JSON), any other JSON value as it is
	// written.
	Config json.RawMessage `json:"config,omitempty"`
	// Args and Env are a function's arguments and environment.
	Args  []string `json:"args,omitempty"`
	Env   []string `json:"env,omitempty"`
	Cases []Case   `json:"cases"`
}

// Case is a request, the response the next handler answers with, and
// what is expected of the module.
type Case struct {
	Name     string        `json:"name,omitempty"`
	Request  Request       `json:"request"`
	Response *NextResponse `json:"response,omitempty"`
	Expect   Expect        `json:"expect"`
}

// Request is a case's request; the zero value is GET http://localhost/.
type Request struct {
	Method  string            `json:"method,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// NextResponse is what the handler behind a filter answers with; the
// zero value is 200 with no header and no body.
type NextResponse struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Expect is what a case checks; what it leaves out is not checked. A
// header or variable expected as nil must be absent; several values of a
// header are compared joined with ", ".
type Expect struct {
	// Decision is "continue", "answer" or "fail" (a function answers or
	// fails).
	Decision Decision `json:"decision,omitempty"`
	// Status is the status of the response that went out.
	Status int `json:"status,omitempty"`
	// RequestHeaders are the request's headers after the filter's request
	// phase (what the next handler got); ResponseHeaders those of the
	// response that went out.
	RequestHeaders  map[string]*string `json:"request_headers,omitempty"`
	ResponseHeaders map[string]*string `json:"response_headers,omitempty"`
	Variables       map[string]*string `json:"variables,omitempty"`
	// Body is the body of the response that went out.
	Body *string `json:"body,omitempty"`
}

// ReadFile reads and checks a cases file: JSON, or YAML when its name
// ends in .yaml or .yml.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	parse := Parse
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		parse = ParseYAML
	}
	f, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ParseYAML reads and checks a cases file written in YAML: the same
// document as the JSON one, and the same checks (it is read as YAML,
// then decoded as that JSON is). A config written as a YAML mapping
// reaches the filter as JSON.
func ParseYAML(b []byte) (*File, error) {
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	j, err := json.Marshal(doc)
	if err != nil {
		// A mapping with keys that are not strings has no JSON.
		return nil, fmt.Errorf("not a cases file: %w", err)
	}
	return Parse(j)
}

// Parse reads and checks the JSON of a cases file.
func Parse(b []byte) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt expectation would check nothing
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// Validate reports what is wrong with f: no cases, or a decision that is
// none of the three.
func (f *File) Validate() error {
	if len(f.Cases) == 0 {
		return fmt.Errorf("no cases")
	}
	for i, c := range f.Cases {
		switch c.Expect.Decision {
		case "", Continue, Answer, Fail:
		default:
			return fmt.Errorf("case %d: decision %q: want continue, answer or fail", i+1, c.Expect.Decision)
		}
	}
	return nil
}

// GuestConfig is the bytes a filter's configure reads: Config's text
// when it is a JSON string, Config as written otherwise.
func (f *File) GuestConfig() []byte {
	var s string
	if json.Unmarshal(f.Config, &s) == nil {
		return []byte(s)
	}
	return f.Config
}

// Options are the Load options of f's settings: a filter's config, a
// function's args and env.
func (f *File) Options() Options {
	return Options{Config: f.GuestConfig(), Args: f.Args, Env: f.Env}
}

// CaseName is c's name, or "case N" (from 1) for the i-th case without
// one.
func CaseName(c Case, i int) string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("case %d", i+1)
}

// HTTPRequest is r as a server would have read it, from a loopback
// client.
func (r Request) HTTPRequest() (*http.Request, error) {
	method, url := r.Method, r.URL
	if method == "" {
		method = http.MethodGet
	}
	if url == "" {
		url = "http://localhost/"
	}
	req, err := http.NewRequest(method, url, strings.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("request %s %s: %w", method, url, err)
	}
	if r.Body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	req.RequestURI, req.RemoteAddr = req.URL.RequestURI(), ClientAddr
	return req, nil
}

// ClientAddr is the client address of every request: nothing is served
// on a network, and a filter that reads it gets a loopback one.
const ClientAddr = "127.0.0.1:50000"

// Check runs c on m and returns what did not meet its expectation, each
// a line of text, followed when there are any by the request's log
// lines; none means the case passed. An error is one of running the case
// (a request that cannot be made), not of the module.
func (m *Module) Check(c Case) ([]string, error) {
	req, err := c.Request.HTTPRequest()
	if err != nil {
		return nil, err
	}
	next := &Response{Status: http.StatusOK, Header: http.Header{}}
	if r := c.Response; r != nil {
		next.Body = []byte(r.Body)
		if r.Status != 0 {
			next.Status = r.Status
		}
		for k, v := range r.Headers {
			next.Header.Set(k, v)
		}
	}
	o, err := m.Serve(req, next)
	if err != nil {
		return nil, err
	}
	return o.unmet(c.Expect), nil
}

// unmet is what of e o does not meet, then o's logs when anything is.
func (o *Outcome) unmet(e Expect) []string {
	var problems []string
	if e.Decision != "" && e.Decision != o.Decision {
		p := fmt.Sprintf("decision %s, want %s", o.Decision, e.Decision)
		if o.Err != nil {
			p += ": " + o.Err.Error()
		}
		problems = append(problems, p)
	}
	if e.Status != 0 && e.Status != o.Status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", o.Status, e.Status))
	}
	header := func(h http.Header) func(string) (string, bool) {
		return func(k string) (string, bool) {
			vs, ok := h[http.CanonicalHeaderKey(k)]
			return strings.Join(vs, ", "), ok
		}
	}
	problems = append(problems, checkValues("request header", e.RequestHeaders, header(o.After))...)
	problems = append(problems, checkValues("response header", e.ResponseHeaders, header(o.Header))...)
	problems = append(problems, checkValues("variable", e.Variables, func(k string) (string, bool) {
		i := slices.IndexFunc(o.Variables, func(v Variable) bool { return v.Name == k })
		if i < 0 {
			return "", false
		}
		return o.Variables[i].Value, true
	})...)
	if e.Body != nil && *e.Body != string(o.Body) {
		problems = append(problems, fmt.Sprintf("body %q, want %q", o.Body, *e.Body))
	}
	if len(problems) > 0 {
		for _, line := range strings.Split(strings.TrimSpace(o.Logs), "\n") {
			if line != "" {
				problems = append(problems, "log: "+line)
			}
		}
	}
	return problems
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

// Run loads the module at path with f's config and checks each of f's
// cases (Module.Run). A module that does not load, or cases that are not
// valid, fail t at once. Load the module with Options.CacheDir and call
// its Run to compile it once for several tests.
func Run(t testing.TB, path string, f *File) {
	t.Helper()
	if err := f.Validate(); err != nil {
		t.Fatalf("gojinntest: %v", err)
	}
	ctx := context.Background()
	m, err := Load(ctx, path, f.Options())
	if err != nil {
		t.Fatalf("gojinntest: %v", err)
	}
	defer m.Close(ctx)
	m.Run(t, f.Cases)
}

// RunFile is Run with the cases of a cases file.
func RunFile(t testing.TB, path, casesPath string) {
	t.Helper()
	f, err := ReadFile(casesPath)
	if err != nil {
		t.Fatalf("gojinntest: %v", err)
	}
	Run(t, path, f)
}

// Run checks each case on m and reports every unmet expectation through
// t, with the case's name: under a *testing.T each case is a subtest of
// its name.
func (m *Module) Run(t testing.TB, cases []Case) {
	t.Helper()
	for i, c := range cases {
		name := CaseName(c, i)
		check := func(tb testing.TB) {
			tb.Helper()
			problems, err := m.Check(c)
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			if len(problems) > 0 {
				tb.Errorf("%s:\n\t%s", name, strings.Join(problems, "\n\t"))
			}
		}
		if tt, ok := t.(*testing.T); ok {
			tt.Run(name, func(t *testing.T) { check(t) })
			continue
		}
		check(t)
	}
}
