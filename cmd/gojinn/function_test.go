package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The tool on functions: the quote example in its two forms.
func TestFunctionModules(t *testing.T) {
	command, err := wasmbuild.GoCommand("../../functions-examples/quote/command")
	if err != nil {
		t.Fatal(err)
	}
	reactor := guest(t, "../../functions-examples/quote/reactor")
	order := `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}]}`
	// The cases file gives a function its args and env.
	cases := writeFile(t, "cases.json", []byte(`{"args": ["--currency", "USD"], "env": ["TAX_RATE_PERCENT=10"], "cases": [
		{"name": "quote", "request": {"method": "POST", "url": "http://localhost/api/v2/quote",
		                              "body": "{\"items\": [{\"sku\": \"tea\", \"price_cents\": 450, \"qty\": 2}]}"},
		 "expect": {"decision": "answer", "status": 200,
		            "body": "{\"currency\":\"USD\",\"subtotal_cents\":900,\"tax_cents\":90,\"total_cents\":990,\"items\":1}"}},
		{"name": "a filter's expectation fails", "expect": {"decision": "continue"}}]}`))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"inspect a command", []string{"inspect", command}, exitOK, []string{
			`^kind +function \(command\)$`, `^  _start +\(\) -> \(\)$`, `^load `, `^check: ok$`,
		}},
		{"inspect a reactor", []string{"inspect", reactor}, exitOK, []string{`^kind +function \(reactor\)$`, `^check: ok$`}},
		{"inspect a function with a config", []string{"inspect", "--config", "{}", command}, exitFailure, []string{
			`^check: refused: function \S+ \(.*\): a function reads no config$`,
		}},
		{"run a command", []string{"run", "--method", "POST", "--url", "http://localhost/api/v2/quote", "--data", order, command}, exitOK, []string{
			`^decision: answered 200 OK$`, `^  Content-Type: application/json$`,
			`^  body \(\d+ bytes\): "\{\\"currency\\":\\"EUR\\",\\"subtotal_cents\\":900,`, `^time: .* \(the function handler's Serve\)$`,
		}},
		{"test a command", []string{"test", command, cases}, exitFailure, []string{
			`^ok    quote$`, `^FAIL  a filter's expectation fails$`, `^      decision answer, want continue$`, `^1 of 2 cases passed$`,
		}},
		{"test a reactor", []string{"test", reactor, cases}, exitFailure, []string{`^ok    quote$`, `^1 of 2 cases passed$`}},
		{"run a command with its args and env", []string{"run", "--arg", "--currency", "--arg", "USD", "--env", "TAX_RATE_PERCENT=10",
			"--method", "POST", "--url", "http://localhost/api/v2/quote", "--data", order, command}, exitOK, []string{
			`^  body \(\d+ bytes\): "\{\\"currency\\":\\"USD\\",\\"subtotal_cents\\":900,\\"tax_cents\\":90,`,
		}},
		{"bench a function with its env", []string{"bench", "--runs", "1", "--calls", "2", "--instances", "1", "--env", "TAX_RATE_PERCENT=10",
			"--method", "POST", "--url", "http://localhost/api/v2/quote", "--data", order, reactor}, exitOK, []string{
			`^request     POST http://localhost/api/v2/quote: answered 200$`,
		}},
		{"run a reactor on a path it does not serve", []string{"run", "--url", "http://localhost/nope", reactor}, exitOK, []string{
			`^decision: answered 404 Not Found$`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
					t.Errorf("stdout has no line matching %s", w)
				}
			}
			if regexp.MustCompile(`(?m)^(dialect|request changes|variables)`).MatchString(out) {
				t.Error("a function's report has a filter's lines")
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
			}
		})
	}
}

// A function's settings are refused for a filter, and a filter's for a
// function, with the reason.
func TestFunctionSettingsErrors(t *testing.T) {
	hello := guest(t, "../../filters-examples/hello")
	command, err := wasmbuild.GoCommand("../../functions-examples/quote/command")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		errOut string
	}{
		{"run a filter with an arg", []string{"run", "--arg", "-v", hello}, exitFailure, "is a filter: a filter takes no args or env"},
		{"run a function with a config", []string{"run", "--config", "{}", command}, exitFailure, "is a function: a function reads no config"},
		{"bench a filter with an env", []string{"bench", "--env", "A=1", hello}, exitFailure, "is a filter: a filter takes no --arg or --env"},
		{"bench a function with a config", []string{"bench", "--config", "{}", command}, exitFailure, "is a function: a function reads no config"},
		{"an env that is not KEY=value", []string{"run", "--env", "A", command}, exitUsage, `"A" is not KEY=value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("%q = %d\nstdout:\n%s\nstderr:\n%s\nwant %d, stderr with %q", tc.args, code, out, errOut, tc.code, tc.errOut)
			}
		})
	}
}
