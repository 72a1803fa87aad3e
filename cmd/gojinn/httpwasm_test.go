package main

import (
	"regexp"
	"strings"
	"testing"
)

// The tool on an http-wasm guest (hostabi/httpwasm/testdata/probe,
// built against the http-wasm ABI alone): each request's X-Probe header,
// or its config's op=, names what it does.
func TestHTTPWasmGuest(t *testing.T) {
	probe := guest(t, "../../hostabi/httpwasm/testdata/probe")
	cases := writeFile(t, "cases.json", []byte(`{
		"config": "buffer_request",
		"cases": [
			{"name": "reads and rewrites", "request": {"method": "POST", "url": "http://localhost/p?x=1",
			   "headers": {"X-Probe": "request", "X-Remove": "gone"}, "body": "b"},
			 "expect": {"decision": "continue", "status": 200,
			            "request_headers": {"X-Got-Method": "POST", "X-Got-URI": "/p?x=1", "X-Got-Config": "buffer_request",
			                                "X-Added": "one, two", "X-Remove": null}}},
			{"name": "answers", "request": {"headers": {"X-Probe": "answer"}},
			 "expect": {"decision": "answer", "status": 418, "body": "short-circuit", "response_headers": {"X-Answer": "yes"}}},
			{"name": "an invalid status fails the call", "request": {"headers": {"X-Probe": "invalid-status"}},
			 "expect": {"decision": "fail", "status": 500}}
		]}`))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"inspect", []string{"inspect", probe}, exitOK, []string{
			`^kind +filter$`, `^dialect +http-wasm$`, `^  handle_request +\(\) -> \(i64\)$`,
			`^  http_handler\.get_header_values +\(i32, i32, i32, i32, i32\) -> \(i64\)$`, `^check: ok$`,
		}},
		{"inspect with a config", []string{"inspect", "--config", writeFile(t, "probe.conf", []byte("buffer_request,buffer_response")), probe},
			exitOK, []string{`^check: ok$`}},
		{"run, an answer", []string{"run", "-H", "X-Probe: answer", probe}, exitOK, []string{
			`^decision: answered 418 I'm a teapot$`, `^  X-Answer: yes$`, `^  body \(13 bytes\): "short-circuit"$`,
		}},
		{"run, header changes", []string{"run", "-H", "X-Probe: request", "-H", "X-Remove: 1", "--url", "http://localhost/a", probe}, exitOK, []string{
			`^decision: continue$`, `^  - GET /a$`, `^  \+ PATCH /rewritten\?q=a%26b$`, `^  \+ X-Added: one$`, `^  \+ X-Added: two$`,
			`^  - X-Remove: 1$`, `^  \+ X-Got-Method: GET$`,
		}},
		{"run, a log line", []string{"run", "-H", "X-Probe: log", probe}, exitOK, []string{`^logs:$`, `probe says hello`}},
		{"test", []string{"test", probe, cases}, exitOK, []string{
			`^ok    reads and rewrites$`, `^ok    answers$`, `^ok    an invalid status fails the call$`, `^3 of 3 cases passed$`,
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
			if strings.Contains(out, "NOT PROVIDED") {
				t.Error("an import of the http-wasm ABI is marked not provided")
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
			}
		})
	}
}
