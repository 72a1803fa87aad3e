package conformance

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/hostabi"
)

// Guest is a case runner built for the host: a name (its language) and
// its module.
type Guest struct {
	Name string
	Wasm []byte
}

// Cases is the suite: every case, grouped by function in ABI order.
func Cases() []Case {
	var all []Case
	for _, group := range [][]Case{requestCases(), headerCases(), bodyCases(), stateCases(), responseCases(), jsonCases(), regexCases(), patternCases(), injectionCases(), traceCases(), kvCases()} {
		all = append(all, group...)
	}
	funcs := hostabi.HostFuncs()
	order := make(map[string]int, len(funcs))
	for i, f := range funcs {
		order[f.Name] = i
	}
	slices.SortStableFunc(all, func(a, b Case) int { return order[a.Func] - order[b.Func] })
	return all
}

// Uncovered returns the functions of the ABI table that no case
// defines, and the cases that name a function the ABI does not have or
// whose script never calls it.
func Uncovered(cases []Case) (funcs, stray []string) {
	covered := map[string]bool{}
	for _, c := range cases {
		if !calls(c, c.Func) {
			stray = append(stray, c.Func+"/"+c.Name)
			continue
		}
		covered[c.Func] = true
	}
	known := map[string]bool{}
	for _, f := range hostabi.HostFuncs() {
		known[f.Name] = true
		if !covered[f.Name] {
			funcs = append(funcs, f.Name)
		}
	}
	for _, c := range cases {
		if !known[c.Func] {
			stray = append(stray, c.Func+"/"+c.Name)
		}
	}
	return funcs, stray
}

// calls reports whether a case's scripts have a step that calls fn.
func calls(c Case, fn string) bool {
	for _, line := range strings.Split(c.Script+"\n"+c.Then, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "configure" || f[0] == "response") {
			f = f[1:]
		}
		if len(f) > 0 && f[0] == fn || len(f) > 1 && f[0] == "raw" && f[1] == fn {
			return true
		}
	}
	return false
}

// Result is how one case went with one guest: "" when it passed, else
// what differed.
type Result struct {
	Case    Case
	Guest   string
	Failure string
}

const caseTimeout = 30 * time.Second

// RunCase runs one case with one guest on host.
func RunCase(host Host, g Guest, c Case) Result {
	res := Result{Case: c, Guest: g.Name}
	res.Failure = runCase(host, g, c)
	return res
}

func runCase(host Host, g Guest, c Case) string {
	// A generous time limit: the cases run in parallel, some build 10 MiB
	// values, and none is about time.
	fs := []Filter{{Name: "case", Wasm: g.Wasm, Config: []byte(c.Script), PoolMax: 1, Timeout: caseTimeout}}
	if c.Then != "" {
		fs = append(fs, Filter{Name: "then", Wasm: g.Wasm, Config: []byte(c.Then), PoolMax: 1, Timeout: caseTimeout})
	}
	h, release, err := host.Load(fs, http.HandlerFunc(echo))
	if c.LoadError != "" {
		if err == nil {
			release()
			return "loaded; want a load error holding " + fmt.Sprintf("%q", c.LoadError)
		}
		if !strings.Contains(err.Error(), c.LoadError) {
			return fmt.Sprintf("load error %q does not hold %q", err, c.LoadError)
		}
		return ""
	}
	if err != nil {
		return "load: " + err.Error()
	}
	defer release()
	req := DefaultRequest()
	if c.Request != nil {
		c.Request(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return check(c, rec.Result())
}

// check compares a response with what the case wants.
func check(c Case, resp *http.Response) string {
	body, _ := io.ReadAll(resp.Body)
	var problems []string
	want := c.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		problems = append(problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, want))
	}
	reached := resp.Header.Get("X-Upstream") != ""
	report := string(body)
	if reached {
		report = strings.Join(resp.Header.Values("X-Report"), "|")
	}
	if reached != c.Continues {
		problems = append(problems, fmt.Sprintf("reached the upstream: %v, want %v", reached, c.Continues))
	}
	if report != c.Want {
		problems = append(problems, fmt.Sprintf("report %s, want %s", clip(report), clip(c.Want)))
	}
	if got := strings.Join(resp.Header.Values("X-Response-Report"), "|"); got != c.ResponseWant {
		problems = append(problems, fmt.Sprintf("response report %s, want %s", clip(got), clip(c.ResponseWant)))
	}
	if c.Body != nil && string(body) != *c.Body {
		problems = append(problems, fmt.Sprintf("body %s, want %s", clip(string(body)), clip(*c.Body)))
	}
	lines := strings.Split(string(body), "\n")
	for _, l := range c.Upstream {
		if !reached || !slices.Contains(lines, l) {
			problems = append(problems, fmt.Sprintf("upstream did not see %s", clip(l)))
		}
	}
	for _, l := range c.NotUpstream {
		if slices.Contains(lines, l) {
			problems = append(problems, fmt.Sprintf("upstream saw %s", clip(l)))
		}
	}
	for k, vs := range c.Header {
		if got := resp.Header.Values(k); !slices.Equal(got, vs) {
			problems = append(problems, fmt.Sprintf("response header %s: %q, want %q", k, got, vs))
		}
	}
	return strings.Join(problems, "; ")
}

func clip(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%q...(%d bytes)", s[:200], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// echo is the upstream: it answers with the request it got, one line for
// the request line, one per header value ("Name: value", sorted, Host and
// Content-Length included) and "Body: " with the body as a report shows
// data, and passes X-Report back as a response header. X-Upstream and
// X-Echo mark its answers.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	lines := []string{
		r.Method + " " + r.RequestURI + " " + r.Proto,
		"Host: " + r.Host,
		fmt.Sprintf("Content-Length: %d", r.ContentLength),
	}
	for k, vs := range r.Header {
		if k == "X-Report" {
			continue
		}
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	slices.Sort(lines[1:])
	lines = append(lines, "Body: "+Data(string(body)))
	w.Header()["X-Report"] = r.Header["X-Report"]
	w.Header().Set("X-Upstream", "1")
	w.Header().Set("X-Echo", "1") // for hooks to remove
	_, _ = io.WriteString(w, strings.Join(lines, "\n"))
}

// Run runs every case with guest as a parallel subtest of t.
func Run(t *testing.T, host Host, guest Guest) {
	t.Helper()
	for _, c := range Cases() {
		t.Run(c.Func+"/"+c.Name, func(t *testing.T) {
			t.Parallel()
			if r := RunCase(host, guest, c); r.Failure != "" {
				t.Errorf("%s\nscript:\n%s", r.Failure, indent(c.Script))
			}
		})
	}
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if len(l) > 120 {
			l = l[:120] + "..."
		}
		lines[i] = "\t" + l
	}
	return strings.Join(lines, "\n")
}
