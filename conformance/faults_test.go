package conformance

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/pipeline"
)

// faultHost is a Gojinn host that records outcomes and logs, so that a
// fault test can tell what kind of failure a request met and why.
type faultHost struct {
	*Gojinn
	outcomes *Outcomes
	logs     *observer.ObservedLogs
}

func newFaultHost(t testing.TB) *faultHost {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	o := &Outcomes{}
	return &faultHost{Gojinn: &Gojinn{Engine: filtertest.Engine(t), Logger: zap.New(core), Observer: o}, outcomes: o, logs: logs}
}

// callErrors returns the errors of the failed calls logged so far.
func (h *faultHost) callErrors() []string {
	var out []string
	for _, e := range h.logs.FilterMessage("filter call failed").All() {
		out = append(out, fmt.Sprint(e.ContextMap()["error"]))
	}
	return out
}

// serve sends one default request, with the given X-Fault when not empty.
func serve(h http.Handler, fault string) *http.Response {
	r := DefaultRequest()
	if fault != "" {
		r.Header.Set("X-Fault", fault)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

func body(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// badPairs are (pointer, length) pairs outside a one-page memory.
var badPairs = [][2]uint32{
	{0xFFFFFFF0, 64},         // wraps around the 32-bit space
	{0x7FFFFFFF, 0x7FFFFFFF}, // sums to just under 4 GiB
	{65536 - 8, 16},          // starts inside, crosses the end
	{65536, 1},               // one past the end
	{0, 0xFFFFFFFF},          // the largest length
	{0xFFFFFFFF, 1},          // the last byte of the address space
}

// argsWith returns the arguments of a call to a function of shape, with
// every pair valid but pair number bad, which gets p.
func argsWith(shape string, bad int, p [2]uint32) []uint32 {
	args := make([]uint32, len(shape))
	pair := 0
	for i := 0; i < len(shape); i++ {
		switch shape[i] {
		case roleVal:
			args[i] = 0
		case rolePtr:
			args[i], args[i+1] = 1024, 8
			if pair == bad {
				args[i], args[i+1] = p[0], p[1]
			}
			pair++
			i++
		}
	}
	return args
}

// knownDeviations are where this host breaks the ABI, reported and not yet
// fixed. A test that meets one checks that it still happens, so the entry
// cannot outlive the bug.
var knownDeviations = map[string]string{}

// TestBadPointersTrap hands every host function, in each of its pointer
// pairs, pairs outside the guest's memory: each must trap the guest with
// the host's bounds error (not a host panic wazero caught), in the request
// phase and in configure, whatever the other arguments.
func TestBadPointersTrap(t *testing.T) {
	tried := 0
	for _, f := range hostabi.HostFuncs() {
		shape := shapeOf(f)
		pairs := strings.Count(shape, string(rolePtr))
		for bad := range pairs {
			for _, p := range badPairs {
				args := argsWith(shape, bad, p)
				name := fmt.Sprintf("%s/pair%d/%#x,%#x", f.Name, bad, p[0], p[1])
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					fh := newFaultHost(t)
					_, release, err := fh.Load([]Filter{{Name: "bad", Wasm: callGuest(f.Name, args, true), Timeout: filtertest.PatientTimeout}}, http.NotFoundHandler())
					if why, known := knownDeviations[f.Name+"/configure"]; known {
						// Kept failing the other way round, so that the
						// entry goes once the host is fixed.
						if err != nil {
							t.Fatalf("fixed (%v): remove %s/configure from knownDeviations", err, f.Name)
						}
						release()
						t.Logf("known deviation: %s", why)
					} else if err == nil {
						release()
						t.Fatal("configure with a bad pointer loaded")
					} else if !strings.Contains(err.Error(), host.ErrGuestPointer.Error()) {
						t.Fatalf("load error %q is not the host's bounds error", err)
					}
					h, release, err := fh.Load([]Filter{{Name: "bad", Wasm: callGuest(f.Name, args, false), Timeout: filtertest.PatientTimeout}}, http.NotFoundHandler())
					if err != nil {
						t.Fatal(err)
					}
					defer release()
					for range 2 { // the second call meets a fresh instance
						if resp := serve(h, ""); resp.StatusCode != http.StatusInternalServerError {
							t.Fatalf("status %d, want 500", resp.StatusCode)
						}
						if o := fh.outcomes.Last(); o != pipeline.OutcomeTrap {
							t.Fatalf("outcome %s, want trap", o)
						}
					}
					errs := fh.callErrors()
					if len(errs) != 2 || !strings.Contains(errs[0], host.ErrGuestPointer.Error()) {
						t.Fatalf("logged errors %q, want the host's bounds error twice", errs)
					}
				})
				tried++
			}
		}
	}
	t.Logf("%d bad (pointer, length) pairs, each in configure and on request", tried)
}

// The faults a case runner can commit when asked, in both languages.
var runnerFaults = []struct {
	step    string
	status  int
	outcome []pipeline.Outcome // any of these
	load    string             // the load error of the same step in configure
}{
	{"trap", 500, []pipeline.Outcome{pipeline.OutcomeTrap}, "filter trapped"},
	{"loop", 504, []pipeline.Outcome{pipeline.OutcomeTimeout}, "filter timed out"},
	// Go's runtime grows a goroutine stack in linear memory, so a Go
	// guest's runaway recursion may end at the memory limit instead.
	{"recurse", 500, []pipeline.Outcome{pipeline.OutcomeTrap, pipeline.OutcomeMemory}, "gojinn_configure"},
	// A runtime that asks for memory in large steps (Go: 4 MiB arenas)
	// fails while under the limit by less than a step, which the host
	// classes as a trap; a page-wise allocator meets the limit itself.
	{"grow", 500, []pipeline.Outcome{pipeline.OutcomeMemory, pipeline.OutcomeTrap}, "gojinn_configure"},
	{"return 7", 500, []pipeline.Outcome{pipeline.OutcomeAction}, ""},
	{"return 0x7FFFFFFF", 500, []pipeline.Outcome{pipeline.OutcomeAction}, ""},
	{"raw uri_set 0xFFFFFFF0 64", 500, []pipeline.Outcome{pipeline.OutcomeTrap}, host.ErrGuestPointer.Error()},
	{"raw header_set 1 0x7FFFFFFF 0x7FFFFFFF 0 1", 500, []pipeline.Outcome{pipeline.OutcomeTrap}, host.ErrGuestPointer.Error()},
	{"raw body_write 1 0 0xFFFFFFFF", 500, []pipeline.Outcome{pipeline.OutcomeTrap}, host.ErrGuestPointer.Error()},
	{"raw signature_verify 0 0 0 0 0 0 0 0xFFFFFF00 4096", 500, []pipeline.Outcome{pipeline.OutcomeTrap}, host.ErrGuestPointer.Error()},
}

// The faults' limits. Only a loop may meet the time limit, so only the
// loop gets a short one; every other fault gets one that cannot fire
// however loaded the machine, so that a slow trap (a Go runner printing
// its panic, a recursion growing its stack) is still a trap. The short
// limit is still long for everything but the loop: a replacement
// instance starts under ten times it, and a Go runner's start-up took up
// to 0.85 s under -race with both cores held by busy loops.
const (
	loopTimeout = 2 * time.Second
	faultMemory = 16 << 20
)

// faultTimeout is the time limit of a runner committing step.
func faultTimeout(step string) time.Duration {
	if step == "loop" {
		return loopTimeout
	}
	return filtertest.PatientTimeout
}

// TestRunnerFaults has each runner commit each fault in the request phase,
// then checks the answer, the kind of failure and that the next request
// meets a fresh instance; and in configure, where the load must fail.
func TestRunnerFaults(t *testing.T) {
	for _, g := range runners(t) {
		for _, f := range runnerFaults {
			t.Run(g.Name+"/"+f.step, func(t *testing.T) {
				t.Parallel()
				fh := newFaultHost(t)
				h, release, err := fh.Load([]Filter{{Name: "faulty", Wasm: g.Wasm, Config: []byte(Script("count", "fault")),
					Timeout: faultTimeout(f.step), MemoryLimit: faultMemory, PoolMax: 1}}, http.NotFoundHandler())
				if err != nil {
					t.Fatal(err)
				}
				defer release()
				for i, want := range []string{"1;-", "2;-"} { // one instance, reused while healthy
					if got := body(serve(h, "")); got != want {
						t.Fatalf("request %d: %q, want %q", i, got, want)
					}
				}
				resp := serve(h, f.step)
				if resp.StatusCode != f.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, f.status)
				}
				if o := fh.outcomes.Last(); !containsOutcome(f.outcome, o) {
					t.Fatalf("outcome %s, want one of %v", o, f.outcome)
				}
				if got := body(serve(h, "")); got != "1;-" {
					t.Fatalf("after the fault: %q, want a fresh instance's \"1;-\"", got)
				}
				if f.load == "" {
					return
				}
				_, release2, err := fh.Load([]Filter{{Name: "faulty", Wasm: g.Wasm, Config: []byte("configure " + f.step),
					Timeout: faultTimeout(f.step), MemoryLimit: faultMemory}}, http.NotFoundHandler())
				if err == nil {
					release2()
					t.Fatal("a configure that faults loaded")
				}
				if !strings.Contains(err.Error(), f.load) {
					t.Fatalf("load error %q does not hold %q", err, f.load)
				}
			})
		}
	}
}

func containsOutcome(list []pipeline.Outcome, o pipeline.Outcome) bool {
	for _, x := range list {
		if x == o {
			return true
		}
	}
	return false
}

// TestRunnerFaultsInResponse commits each fault in the response phase,
// with the upstream's answer held: the failure must replace that answer
// entirely, and the next request must meet a fresh instance.
func TestRunnerFaultsInResponse(t *testing.T) {
	for _, g := range runners(t) {
		for _, f := range runnerFaults {
			t.Run(g.Name+"/"+f.step, func(t *testing.T) {
				t.Parallel()
				fh := newFaultHost(t)
				h, release, err := fh.Load([]Filter{{Name: "faulty", Wasm: g.Wasm, Config: []byte(Script("count", "continue", "response fault")),
					Timeout: faultTimeout(f.step), MemoryLimit: faultMemory, PoolMax: 1}}, http.HandlerFunc(echo))
				if err != nil {
					t.Fatal(err)
				}
				defer release()
				for i, want := range []string{"1", "2"} { // one instance, reused while healthy
					if got := serve(h, "").Header.Get("X-Report"); got != want {
						t.Fatalf("request %d: report %q, want %q", i, got, want)
					}
				}
				resp := serve(h, f.step)
				if resp.StatusCode != f.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, f.status)
				}
				if o := fh.outcomes.Last(); !containsOutcome(f.outcome, o) {
					t.Fatalf("outcome %s, want one of %v", o, f.outcome)
				}
				if leaked := upstreamHeaders(resp.Header); len(leaked) > 0 {
					if why, known := knownDeviations["response failure headers"]; known {
						t.Logf("known deviation: %s: %v", why, leaked)
					} else {
						t.Errorf("the failure answer carries the upstream's headers %v", leaked)
					}
				} else if _, known := knownDeviations["response failure headers"]; known {
					t.Errorf("fixed: remove \"response failure headers\" from knownDeviations")
				}
				if got := serve(h, "").Header.Get("X-Report"); got != "1" {
					t.Fatalf("after the fault: report %q, want a fresh instance's \"1\"", got)
				}
			})
		}
	}
}

// upstreamHeaders returns the headers of resp that only the echo upstream
// sets.
func upstreamHeaders(h http.Header) []string {
	var out []string
	for _, k := range []string{"X-Echo", "X-Upstream", "X-Report"} {
		if h.Get(k) != "" {
			out = append(out, k)
		}
	}
	return out
}
