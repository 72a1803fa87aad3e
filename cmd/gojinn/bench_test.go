package main

import (
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// TestBench checks bench's report: its lines, in order, and that what
// it measured is there and positive. No figure is held to a bound: the
// machine may be busy.
func TestBench(t *testing.T) {
	hello := guest(t, "../../filters-examples/hello")
	probe := guest(t, "../../hostabi/httpwasm/testdata/probe")
	quote, err := wasmbuild.GoCommand("../../functions-examples/quote/command")
	if err != nil {
		t.Fatal(err)
	}
	few := []string{"bench", "--runs", "3", "--calls", "20", "--instances", "3"}
	dur := `([0-9.]+(?:ns|µs|ms|s))`
	size := `([0-9.]+) (?:bytes|KiB|MiB)`
	filterLines := []string{
		`^module      \S+ \(filter\)$`,
		`^request     GET http://localhost/[^:]*: continue, the next handler answered 200$`,
		`^per call    ` + dur + ` \(median of 3 runs of 20 calls; spread ` + dur + ` to ` + dur + `\): the chain's Serve, the next handler included$`,
		`^allocs      ([0-9.]+) allocations, ` + size + `.* per call, on the host`,
		`^cold load   ` + dur + ` \(median of 3; spread ` + dur + ` to ` + dur + `\)`,
		`^restore     ` + dur + ` \(median of 3; spread ` + dur + ` to ` + dur + `\)`,
		`^memory      ` + size + `.* when configured \(the snapshot; `,
	}
	if runtime.GOOS == "linux" {
		// The process's memory, which may move more than a small guest's
		// instances add: a figure, or the reading that says so.
		filterLines = append(filterLines, `^instance    (?:`+size+`.* private memory per instance busy with a request \(over 3 at once|`+
			`under what the process's memory measures: 3 instances busy at once added no private memory)`)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		lines []string
	}{
		{"a go filter", append(few, "-H", "X-Name: ada", hello), filterLines},
		{"an http-wasm filter", append(few, "-H", "X-Probe: request", probe), filterLines},
		{"a function", append(few, "--method", "POST", "--url", "http://localhost/api/v2/quote",
			"--data", `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}]}`, quote), []string{
			`^module      \S+ \(function\)$`,
			`^request     POST http://localhost/api/v2/quote: answered 200$`,
			`^per call    ` + dur + ` \(median of 3 runs of 20 calls; spread ` + dur + ` to ` + dur + `\): the function handler's Serve$`,
			`^allocs      ([0-9.]+) allocations, ` + size,
			`^cold load   ` + dur + ` \(median of 3; `,
			// A command is restored for every call: the first and the 3x20.
			`^restore     ` + dur + ` \(median of 61; spread ` + dur + ` to ` + dur + `\)`,
			`^memory      ` + size,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != exitOK {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(tc.lines) {
				t.Errorf("%d lines, want %d", len(lines), len(tc.lines))
			}
			for i, pattern := range tc.lines {
				if i >= len(lines) {
					break
				}
				m := regexp.MustCompile(pattern).FindStringSubmatch(lines[i])
				if m == nil {
					t.Errorf("line %d %q does not match %s", i+1, lines[i], pattern)
					continue
				}
				for _, figure := range m[1:] {
					if figure == "" {
						continue // the branch of an alternative that did not match
					}
					if !positive(figure, strings.HasPrefix(lines[i], "allocs")) {
						t.Errorf("line %d: %q is not a positive figure", i+1, figure)
					}
				}
			}
			if t.Failed() {
				t.Logf("stdout:\n%s", out)
			}
		})
	}
}

// positive tells whether s is a duration or a number above zero; an
// allocation count may be zero (a call the host serves without one).
func positive(s string, zeroOK bool) bool {
	if d, err := time.ParseDuration(s); err == nil {
		return d > 0
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && (f > 0 || zeroOK && f == 0)
}

func TestBenchUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		errOut string
	}{
		{"no module", []string{"bench"}, exitUsage, "usage: gojinn bench"},
		{"no runs", []string{"bench", "--runs", "0", "m.wasm"}, exitUsage, "--runs and --calls must be at least 1"},
		{"too many instances", []string{"bench", "--instances", "5000", "m.wasm"}, exitUsage, "--instances from 1 to 1000"},
		{"no such module", []string{"bench", "none.wasm"}, exitFailure, "none.wasm: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("%q = %d\nstdout:\n%s\nstderr:\n%s\nwant %d, stderr with %q", tc.args, code, out, errOut, tc.code, tc.errOut)
			}
		})
	}
}
