package conformance

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/filtertest"
)

// soakServer starts a server under test on loopback, running each chain
// of routes on the paths under its prefix, in front of the echo upstream,
// and returns its URL and a stop function. The soak runs against any of
// them unchanged.
type soakServer func(t *testing.T, routes []soakRoute) (url string, stop func())

// soakRoute is a chain served under a path prefix.
type soakRoute struct {
	prefix  string
	filters []Filter
}

// middlewareServer is pipeline.Chain.Middleware in a net/http server on a
// real TCP port.
func middlewareServer(t *testing.T, routes []soakRoute) (string, func()) {
	mux := http.NewServeMux()
	var releases []func()
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	for _, r := range routes {
		h, rel, err := gojinnHost(t).Load(r.filters, http.HandlerFunc(echo))
		if err != nil {
			release()
			t.Fatal(err)
		}
		releases = append(releases, rel)
		mux.Handle(r.prefix+"/", h)
	}
	srv := httptest.NewServer(mux)
	return srv.URL, func() { srv.Close(); release() }
}

// soakFaults are what a share of the soak's requests ask for, with the
// status each must get. The rest continue to the upstream.
var soakFaults = []struct {
	fault  string
	weight int   // per ten thousand requests
	status []int // any of these
}{
	{"trap", 200, []int{500}},
	{"return 9", 150, []int{500}},
	{"raw body_write 1 0xFFFFFFF0 64", 150, []int{500}},
	{"raw header_get 0 0 4 0x7FFFFFFF 0x7FFFFFFF", 100, []int{500}},
	{"grow", 30, []int{500}},
	{"recurse", 20, []int{500}},
	// Sent to the looping chain (soakLoopPath), the only one whose time
	// limit can fire.
	{"loop", 3, []int{504}},
	{"body_write 1 x*1048577", 100, []int{200}}, // refused with ErrTooLarge, not a fault
}

const (
	// soakRequests is the soak's size; -short (make test-stress, which
	// runs it five times on a loaded machine) sends a quarter of it, with
	// every kind of fault still among them.
	soakRequests = 20000
	soakConns    = 64
	// soakLoopPath is the prefix of the chain that loops. Its limit is
	// short, each loop spinning for the whole of it; it is still long for
	// the C runner's start-up and configure, which take microseconds.
	soakLoopPath    = "/loop"
	soakLoopTimeout = 500 * time.Millisecond
)

func TestSoak(t *testing.T) {
	soak(t, middlewareServer)
}

func soak(t *testing.T, start soakServer) {
	// Every filter is the C runner, whose instances start in
	// microseconds, so that the replacements do not dominate the run (the
	// Go runner's faults are in TestRunnerFaults). The second filter checks
	// that a healthy filter behind a faulting one is unaffected. Only the
	// looping chain's time limit can fire, and no request waits long
	// enough for an instance to be refused: under any load, a request gets
	// the answer its fault calls for.
	c := runner(t, "c")
	patient := func(f Filter) Filter {
		f.Timeout, f.PoolWait, f.MemoryLimit, f.PoolMax = filtertest.PatientTimeout, filtertest.PatientTimeout, 4<<20, 8
		return f
	}
	url, stop := start(t, []soakRoute{
		{"/soak", []Filter{
			patient(Filter{Name: "faulty", Wasm: c.Wasm, Config: []byte(Script("fault", "continue"))}),
			patient(Filter{Name: "healthy", Wasm: c.Wasm, Config: []byte(Script("var_set seen 1", "count", "continue"))}),
		}},
		{soakLoopPath, []Filter{{Name: "looping", Wasm: c.Wasm, Config: []byte(Script("loop")),
			Timeout: soakLoopTimeout, PoolWait: filtertest.PatientTimeout, MemoryLimit: 4 << 20, PoolMax: 8}}},
	})
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: soakConns, MaxIdleConnsPerHost: soakConns}}
	defer client.CloseIdleConnections()

	// Warm up with every connection and a full pool, then take the
	// baseline, so that what is compared is the steady state.
	plan := func(n int, faults bool, seed uint64) []int {
		r := rand.New(rand.NewPCG(seed, 1))
		out := make([]int, n)
		for i := range out {
			out[i] = -1
			if !faults {
				continue
			}
			p := r.IntN(10000)
			for j, f := range soakFaults {
				if p < f.weight {
					out[i] = j
					break
				}
				p -= f.weight
			}
		}
		return out
	}
	if bad := drive(t, client, url, plan(2*soakConns*8, false, 0)); bad != 0 {
		t.Fatalf("%d warm-up requests failed", bad)
	}
	goroutines0, heap0 := settle(t, client, -1)

	n := soakRequests
	if testing.Short() {
		n /= 4
	}
	requests := plan(n, true, 7)
	asked := make([]int, len(soakFaults))
	for _, i := range requests {
		if i >= 0 {
			asked[i]++
		}
	}
	for i, c := range asked {
		if c == 0 {
			t.Fatalf("the plan of %d requests asks for no %q", n, soakFaults[i].fault)
		}
	}
	bad := drive(t, client, url, requests)
	if bad != 0 {
		t.Errorf("%d of %d requests got the wrong answer", bad, n)
	}
	// Still serving, healthily.
	if b := drive(t, client, url, plan(soakConns, false, 0)); b != 0 {
		t.Errorf("%d requests failed after the soak", b)
	}
	// A goroutine or buffer leaked per request, or per fault, would show
	// as hundreds of goroutines or tens of MiB here; the margins allow for
	// the runtime's own background goroutines and for which instances the
	// pools happen to hold.
	const goroutineMargin = 8
	goroutines1, heap1 := settle(t, client, goroutines0+goroutineMargin)
	faults := 0
	for _, c := range asked {
		faults += c
	}
	t.Logf("soak: %d requests over %d connections, %d asked for a fault; goroutines %d -> %d, heap %.1f -> %.1f MiB",
		n, soakConns, faults, goroutines0, goroutines1, mib(heap0), mib(heap1))
	if goroutines1 > goroutines0+goroutineMargin {
		t.Errorf("goroutines grew from %d to %d", goroutines0, goroutines1)
	}
	if heap1 > heap0+16<<20 {
		t.Errorf("heap grew from %.1f to %.1f MiB", mib(heap0), mib(heap1))
	}
}

// drive sends the planned requests (an index into soakFaults, or -1 for
// none) over soakConns connections and returns how many got an answer
// other than the one planned.
func drive(t *testing.T, client *http.Client, url string, plan []int) int {
	var next, bad atomic.Int64
	var wg sync.WaitGroup
	for range soakConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(plan) {
					return
				}
				path, want, fault := "/soak/", []int{http.StatusOK}, ""
				if plan[i] >= 0 {
					want, fault = soakFaults[plan[i]].status, soakFaults[plan[i]].fault
				}
				header := fault
				if fault == "loop" {
					// The looping chain loops without being asked.
					path, header = soakLoopPath+"/", ""
				}
				if err := check1(client, url+path, header, want); err != nil {
					if bad.Add(1) <= 5 {
						t.Errorf("request %d (fault %q): %v", i, fault, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	return int(bad.Load())
}

func check1(client *http.Client, url, fault string, want []int) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if fault != "" {
		req.Header.Set("X-Fault", fault)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !slices.Contains(want, resp.StatusCode) {
		return fmt.Errorf("status %d, want %v: %.100q", resp.StatusCode, want, b)
	}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("X-Upstream") == "" {
		return fmt.Errorf("answered by a filter, not the upstream: %.100q", b)
	}
	return nil
}

// settle closes idle connections, lets their goroutines end and collects
// garbage, then returns the goroutine count and the live heap. With a
// target of -1 (the baseline) it waits for the count to hold still for a
// while; otherwise until it is down to target. Connection goroutines end
// asynchronously after the close, sooner or later depending on the
// machine's load, so both waits are bounded by a guard against a hang
// (or a leak), not by a time they are expected to take.
func settle(t *testing.T, client *http.Client, target int) (int, uint64) {
	t.Helper()
	client.CloseIdleConnections()
	n, still := runtime.NumGoroutine(), 0
	for give := time.Now().Add(30 * time.Second); time.Now().Before(give); {
		if target >= 0 && n <= target || target < 0 && still == 25 {
			break
		}
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			still++
		} else {
			still = 0
		}
		n = m
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return n, ms.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
