package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	hello := guest(t, "../../filters-examples/hello")
	secheaders := guest(t, "../../filters-examples/secheaders")
	redact := guest(t, "../../filters-examples/redact")
	badImport := guest(t, "testdata/badimport")
	postFile := writeFile(t, "post.http", []byte("POST /submit?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Name: ada\r\nContent-Length: 4\r\n\r\nbody"))
	brokenRequest := writeFile(t, "broken.http", []byte("this is not HTTP\r\n\r\n"))
	htmlResponse := writeFile(t, "html.http", []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\n\r\nhi\n"))
	jsonResponse := writeFile(t, "json.http", []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"+`{"email":"ada@example.com"}`))
	gzipResponse := writeFile(t, "gzip.http", []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\r\n"+`{"email":"ada@example.com"}`))
	for _, tc := range []struct {
		name string
		args []string
		code int
		// want are patterns stdout must match, line by line (?m);
		// absent patterns it must not; errOut a text stderr must hold.
		want, absent []string
		errOut       string
	}{
		{
			name: "a request that continues, from flags",
			args: []string{"run", "-H", "X-Name: ada", hello},
			code: exitOK,
			want: []string{
				`^decision: continue$`,
				`^  \+ X-Hello: hello, ada$`,
				`^  hello\.message = "hello, ada"$`,
				`^time: [0-9.]+[µm]?s `,
				`^memory: [0-9.]+ MiB \([0-9]+ bytes\) at most, configure and the request included \([0-9.]+ MiB \([0-9]+ bytes\) when configured: its snapshot\)$`,
			},
			absent: []string{`^response changes:`, `X-Name`},
		},
		{
			name: "a request the filter answers",
			args: []string{"run", "--url", "http://localhost/admin/users", hello},
			code: exitOK,
			want: []string{
				`^decision: answered 403 Forbidden$`,
				`^  Content-Type: text/plain`,
				`^  body \(31 bytes\): "hello filter: /admin is closed\\n"$`,
				`^request changes:\n  none$`,
				`^variables:\n  none$`,
			},
		},
		{
			name: "a config changes what the filter does",
			args: []string{"run", "--config", `{"greeting": "hi"}`, "-H", "X-Name: ada", hello},
			code: exitOK,
			want: []string{`^  \+ X-Hello: hi, ada$`},
		},
		{
			name: "a request from a file in wire format, with a body",
			args: []string{"run", hello, postFile},
			code: exitOK,
			want: []string{
				`^decision: continue$`,
				`^  \+ X-Hello: hello, ada$`,
				`^  body the next handler got \(4 bytes\): "body"$`,
			},
		},
		{
			name: "response hooks change the response's headers",
			args: []string{"run", "--response", htmlResponse, secheaders},
			code: exitOK,
			want: []string{
				`^response changes:$`,
				`^  \+ X-Frame-Options: DENY$`,
				`^  \+ X-Content-Type-Options: nosniff$`,
			},
			absent: []string{`Content-Length`, `^  body`},
		},
		{
			name: "response hooks change the response's body",
			args: []string{"run", "--response", jsonResponse, redact},
			code: exitOK,
			want: []string{`^  \+ X-Redacted: 1$`, `^  body \(22 bytes\): "\{\\"email\\":\\"\[redacted\]\\"\}"$`},
		},
		{
			// redact leaves an encoded body alone and says so in a log.
			name: "the filter's logs",
			args: []string{"run", "--response", gzipResponse, redact},
			code: exitOK,
			want: []string{
				`^response changes:\n  none$`,
				`^logs:\n  DEBUG\tredact: body has Content-Encoding gzip: left untouched`,
			},
		},
		{
			name:   "a module the loader refuses",
			args:   []string{"run", badImport},
			code:   exitFailure,
			errOut: "imports unknown host function gojinn.no_such_function",
		},
		{
			name:   "a request file that is not HTTP",
			args:   []string{"run", hello, brokenRequest},
			code:   exitUsage,
			errOut: brokenRequest + ": not an HTTP/1.1 request",
		},
		{
			name:   "a request file that is not there",
			args:   []string{"run", hello, brokenRequest + ".missing"},
			code:   exitUsage,
			errOut: brokenRequest + ".missing: no such file",
		},
		{
			name:   "a response file that is not HTTP",
			args:   []string{"run", "--response", brokenRequest, hello},
			code:   exitUsage,
			errOut: "--response " + brokenRequest + ": not an HTTP/1.1 response",
		},
		{
			name:   "a header flag without a colon",
			args:   []string{"run", "-H", "X-Name", hello},
			code:   exitUsage,
			errOut: `"X-Name" is not Name: value`,
		},
		{
			name:   "no module",
			args:   []string{"run"},
			code:   exitUsage,
			errOut: "usage: gojinn run",
		},
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
			for _, a := range tc.absent {
				if regexp.MustCompile(`(?m)` + a).MatchString(out) {
					t.Errorf("stdout has a line matching %s", a)
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

// TestRunReportsPeakMemory: a call that grows the instance's memory is
// reported above the snapshot's size (the probe allocates 16 MiB).
func TestRunReportsPeakMemory(t *testing.T) {
	probe := guest(t, "../../filters/testdata/probe")
	code, out, errOut := gojinn(t, "run", "-H", "X-Op: alloc", "-H", "X-Arg: 16", probe)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(?m)^memory: .*?\((\d+) bytes\) at most, .*?\((\d+) bytes\) when configured`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no memory line in:\n%s", out)
	}
	peak, _ := strconv.ParseUint(m[1], 10, 64)
	snap, _ := strconv.ParseUint(m[2], 10, 64)
	if peak < snap+16<<20 {
		t.Errorf("peak %d bytes, snapshot %d: a 16 MiB allocation is not in the peak\n%s", peak, snap, out)
	}
}
