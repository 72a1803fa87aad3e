package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestTest(t *testing.T) {
	hello := guest(t, "../../filters-examples/hello")
	secheaders := guest(t, "../../filters-examples/secheaders")
	badImport := guest(t, "testdata/badimport")
	cases := func(s string) string { return writeFile(t, "cases.json", []byte(s)) }
	passing := cases(`{
		"config": {"greeting": "hi"},
		"cases": [
			{"name": "greets", "request": {"headers": {"X-Name": "ada"}},
			 "expect": {"decision": "continue", "status": 200, "request_headers": {"X-Hello": "hi, ada"},
			            "variables": {"hello.message": "hi, ada"}}},
			{"name": "admin closed", "request": {"method": "POST", "url": "http://localhost/admin", "body": "x"},
			 "expect": {"decision": "answer", "status": 403, "body": "hello filter: /admin is closed\n",
			            "variables": {"hello.message": null}}}
		]}`)
	failing := cases(`{"cases": [
			{"name": "right", "expect": {"decision": "continue"}},
			{"name": "wrong", "request": {"url": "http://localhost/admin"},
			 "expect": {"decision": "continue", "status": 200, "response_headers": {"Content-Type": null},
			            "variables": {"hello.message": "hello, stranger"}}}
		]}`)
	// A string config is handed over as its text.
	textConfig := cases(`{"config": "{\"greeting\": \"yo\"}", "cases": [
			{"expect": {"request_headers": {"X-Hello": "yo, stranger"}}}]}`)
	yamlCases := writeFile(t, "cases.yaml", []byte(`
config: {greeting: hi}
cases:
  - name: greets
    request: {headers: {X-Name: ada}}
    expect: {decision: continue, request_headers: {X-Hello: "hi, ada"}}
  - name: admin closed
    request: {url: "http://localhost/admin"}
    expect: {decision: answer, status: 403, variables: {hello.message: null}}
`))
	responses := cases(`{"cases": [
			{"name": "headers added", "response": {"status": 201, "headers": {"Content-Type": "text/html"}, "body": "hi"},
			 "expect": {"status": 201, "body": "hi", "response_headers": {"X-Frame-Options": "DENY", "Content-Type": "text/html"}}}
		]}`)
	for _, tc := range []struct {
		name   string
		module string
		cases  string
		code   int
		want   []string
		errOut string
	}{
		{"passing cases", hello, passing, exitOK, []string{`^ok    greets$`, `^ok    admin closed$`, `^2 of 2 cases passed$`}, ""},
		{"failing cases", hello, failing, exitFailure, []string{
			`^ok    right$`,
			`^FAIL  wrong$`,
			`^      decision answer, want continue$`,
			`^      status 403, want 200$`,
			`^      response header Content-Type is "text/plain; charset=utf-8", want it absent$`,
			`^      variable hello\.message is absent, want "hello, stranger"$`,
			`^1 of 2 cases passed$`,
		}, ""},
		{"a config as text", hello, textConfig, exitOK, []string{`^ok    case 1$`}, ""},
		{"cases in YAML", hello, yamlCases, exitOK, []string{`^ok    greets$`, `^ok    admin closed$`, `^2 of 2 cases passed$`}, ""},
		{"response hooks", secheaders, responses, exitOK, []string{`^ok    headers added$`}, ""},
		{"a module the loader refuses", badImport, passing, exitFailure, nil, "imports unknown host function gojinn.no_such_function"},
		{"a cases file that is not JSON", hello, cases(`{"cases": [`), exitUsage, nil, "cases.json: unexpected EOF"},
		{"a misspelt expectation", hello, cases(`{"cases": [{"expect": {"stauts": 200}}]}`), exitUsage, nil, `unknown field "stauts"`},
		{"an unknown decision", hello, cases(`{"cases": [{"expect": {"decision": "allow"}}]}`), exitUsage, nil, `case 1: decision "allow"`},
		{"no cases", hello, cases(`{"cases": []}`), exitUsage, nil, "no cases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, "test", tc.module, tc.cases)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
					t.Errorf("stdout has no line matching %s", w)
				}
			}
			if !strings.Contains(errOut, tc.errOut) {
				t.Errorf("stderr does not hold %q", tc.errOut)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
			}
		})
	}
}
