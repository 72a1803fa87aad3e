package gojinntest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gojinn/gojinn/gojinntest"
)

// recorder is a testing.TB that records what a test reports instead of
// failing the test that runs it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

// record runs fn with a recorder, on a goroutine of its own as Fatalf
// ends it, and returns what it reported.
func record(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func load(t *testing.T, path string, opts gojinntest.Options) *gojinntest.Module {
	t.Helper()
	opts.CacheDir = cacheDir
	m, err := gojinntest.Load(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func str(s string) *string { return &s }

func TestModuleRun(t *testing.T) {
	m := load(t, helloWasm, gojinntest.Options{Config: []byte(`{"greeting": "hi"}`)})
	r := record(t, func(tb testing.TB) {
		m.Run(tb, []gojinntest.Case{
			{Name: "right", Request: gojinntest.Request{Headers: map[string]string{"X-Name": "ada"}},
				Expect: gojinntest.Expect{Decision: gojinntest.Continue, Status: 200,
					RequestHeaders: map[string]*string{"x-hello": str("hi, ada"), "X-Other": nil},
					Variables:      map[string]*string{"hello.message": str("hi, ada")}}},
			{Name: "wrong", Request: gojinntest.Request{Method: http.MethodPost, URL: "http://localhost/admin/x", Body: "b"},
				Expect: gojinntest.Expect{Decision: gojinntest.Continue, Status: 200, Body: str(""),
					ResponseHeaders: map[string]*string{"Content-Type": nil, "X-Missing": str("1")},
					Variables:       map[string]*string{"hello.message": str("hi, stranger")}}},
		})
	})
	if r.fatal || len(r.errors) != 1 {
		t.Fatalf("reported %q (fatal %t), want one error, of the case wrong", r.errors, r.fatal)
	}
	for _, want := range []string{
		"wrong:\n",
		"\tdecision answer, want continue\n",
		"\tstatus 403, want 200\n",
		"\tresponse header Content-Type is \"text/plain; charset=utf-8\", want it absent\n",
		"\tresponse header X-Missing is absent, want \"1\"\n",
		"\tvariable hello.message is absent, want \"hi, stranger\"\n",
		"\tbody \"hello filter: /admin is closed\\n\", want \"\"",
	} {
		if !strings.Contains(r.errors[0], want) {
			t.Errorf("the report does not hold %q:\n%s", want, r.errors[0])
		}
	}
}

func TestFunctions(t *testing.T) {
	order := `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}]}`
	f := &gojinntest.File{
		Args: []string{"--currency", "USD"},
		Env:  []string{"TAX_RATE_PERCENT=10"},
		Cases: []gojinntest.Case{
			{Name: "quote", Request: gojinntest.Request{Method: http.MethodPost, URL: "http://localhost/api/v2/quote", Body: order},
				Expect: gojinntest.Expect{Decision: gojinntest.Answer, Status: 200,
					ResponseHeaders: map[string]*string{"Content-Type": str("application/json")},
					Body:            str(`{"currency":"USD","subtotal_cents":900,"tax_cents":90,"total_cents":990,"items":1}`)}},
			{Name: "method", Request: gojinntest.Request{URL: "http://localhost/api/v2/quote"},
				Expect: gojinntest.Expect{Decision: gojinntest.Answer, Status: 405, ResponseHeaders: map[string]*string{"Allow": str("POST")}}},
		},
	}
	for _, path := range []string{quoteCommand, quoteReactor} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			opts := f.Options()
			opts.CacheDir = cacheDir
			m, err := gojinntest.Load(context.Background(), path, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close(context.Background())
			if m.Function() == nil || m.Filter() != nil {
				t.Fatalf("%s loaded as a filter", path)
			}
			m.Run(t, f.Cases)
		})
	}
	// A failure is a decision: the function exits with an error at start
	// on a bad setting, and the handler answers 502.
	m := load(t, quoteCommand, gojinntest.Options{Env: []string{"TAX_RATE_PERCENT=x"}})
	problems, err := m.Check(gojinntest.Case{Expect: gojinntest.Expect{Decision: gojinntest.Answer}})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) == 0 || !strings.HasPrefix(problems[0], "decision fail, want answer: ") {
		t.Errorf("problems %q, want a failed decision first", problems)
	}
}

func TestLoadErrors(t *testing.T) {
	notWasm := filepath.Join(t.TempDir(), "x.wasm")
	if err := os.WriteFile(notWasm, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		opts gojinntest.Options
		want string
	}{
		{"no file", filepath.Join(t.TempDir(), "none.wasm"), gojinntest.Options{}, "no such file"},
		{"not wasm", notWasm, gojinntest.Options{}, "x.wasm: not a valid wasm module"},
		{"a config for a function", quoteCommand, gojinntest.Options{Config: []byte("{}")}, "is a function: a function reads no config"},
		{"args for a filter", helloWasm, gojinntest.Options{Args: []string{"-v"}}, "is a filter: a filter takes no args or env"},
		{"a config the filter refuses", helloWasm, gojinntest.Options{Config: []byte("{")}, "config is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.CacheDir = cacheDir
			m, err := gojinntest.Load(context.Background(), tc.path, tc.opts)
			if err == nil {
				m.Close(context.Background())
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to hold %q", err, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not JSON", `{"cases": [`, "unexpected EOF"},
		{"a misspelt expectation", `{"cases": [{"expect": {"stauts": 200}}]}`, `unknown field "stauts"`},
		{"an unknown decision", `{"cases": [{"expect": {"decision": "allow"}}]}`, `case 1: decision "allow": want continue, answer or fail`},
		{"no cases", `{"cases": []}`, "no cases"},
		{"valid", `{"config": "text", "cases": [{"expect": {"decision": "fail"}}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := gojinntest.Parse([]byte(tc.json))
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "":
				if string(f.GuestConfig()) != "text" {
					t.Errorf("config %q, want the string's text", f.GuestConfig())
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %v, want it to hold %q", err, tc.want)
			}
		})
	}
}

// Run fails at once on cases that are not valid and on a module that
// does not load, naming the reason.
func TestRunFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(tb testing.TB)
		want string
	}{
		{"no cases", func(tb testing.TB) { gojinntest.Run(tb, helloWasm, &gojinntest.File{}) }, "gojinntest: no cases"},
		{"no cases file", func(tb testing.TB) { gojinntest.RunFile(tb, helloWasm, "none.json") }, "none.json: no such file"},
		{"no module", func(tb testing.TB) {
			gojinntest.Run(tb, "none.wasm", &gojinntest.File{Cases: []gojinntest.Case{{}}})
		}, "none.wasm: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := record(t, tc.run)
			if !r.fatal || len(r.errors) != 1 || !strings.Contains(r.errors[0], tc.want) {
				t.Errorf("reported %q (fatal %t), want a fatal error with %q", r.errors, r.fatal, tc.want)
			}
		})
	}
}

func TestParseYAML(t *testing.T) {
	const asJSON = `{"config": {"greeting": "hi", "n": 2}, "cases": [
		{"name": "greets", "request": {"headers": {"X-Name": "ada"}},
		 "expect": {"decision": "continue", "request_headers": {"X-Hello": "hi, ada", "X-Gone": null}}}]}`
	const asYAML = `
config:
  greeting: hi
  n: 2
cases:
  - name: greets
    request:
      headers: {X-Name: ada}
    expect:
      decision: continue
      request_headers:
        X-Hello: hi, ada
        X-Gone: null
`
	j, err := gojinntest.Parse([]byte(asJSON))
	if err != nil {
		t.Fatal(err)
	}
	y, err := gojinntest.ParseYAML([]byte(asYAML))
	if err != nil {
		t.Fatal(err)
	}
	var jc, yc any
	if err := json.Unmarshal(j.GuestConfig(), &jc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(y.GuestConfig(), &yc); err != nil {
		t.Fatalf("the YAML config is no JSON for the filter: %v (%q)", err, y.GuestConfig())
	}
	j.Config, y.Config = nil, nil
	if !reflect.DeepEqual(jc, yc) || !reflect.DeepEqual(j, y) {
		t.Errorf("YAML %+v (config %v), want the JSON's %+v (config %v)", y, yc, j, jc)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"a misspelt expectation", "cases:\n  - expect: {stauts: 200}\n", `unknown field "stauts"`},
		{"not YAML", "cases: [\n", "yaml:"},
		{"keys that are not strings", "cases:\n  - expect:\n      variables: {1: x}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gojinntest.ParseYAML([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "cases.yml")
	if err := os.WriteFile(path, []byte(asYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := gojinntest.ReadFile(path); err != nil || len(f.Cases) != 1 {
		t.Errorf("ReadFile(cases.yml) = %+v, %v", f, err)
	}
}
