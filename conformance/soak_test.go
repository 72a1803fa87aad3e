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
)

// soakServer starts a server under test on loopback, running a chain of
// fs in front of the echo upstream, and returns its URL and a stop
// function. The soak runs against any of them unchanged.
type soakServer func(t *testing.T, fs []Filter) (url string, stop func())

// middlewareServer is pipeline.Chain.Middleware in a net/http server on a
// real TCP port.
func middlewareServer(t *testing.T, fs []Filter) (string, func()) {
	h, release, err := gojinnHost().Load(fs, http.HandlerFunc(echo))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	return srv.URL, func() { srv.Close(); release() }
}

// soakFaults are what a share of the soak's requests ask the first filter
// to do, with the status each must get. The rest continue to the upstream.
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
	// The clock does not stop a recursion, the stack does, after tens of
	// milliseconds of work: on a loaded machine that may be past the
	// time limit, and the failure is then reported as a timeout.
	{"recurse", 20, []int{500, 504}},
	{"loop", 3, []int{504}},
	{"body_write 1 x*1048577", 100, []int{200}}, // refused with ErrTooLarge, not a fault
}

const (
	soakRequests = 20000
	soakConns    = 64
	// soakTimeout is well above a healthy call, or a trap and its stack
	// trace, even on a loaded CI machine, so that only the loops time out;
	// the loops are few, since each spins for the whole limit.
	soakTimeout = time.Second
)

func TestSoak(t *testing.T) {
	needGuests(t)
	soak(t, middlewareServer)
}

func soak(t *testing.T, start soakServer) {
	var c Guest
	for _, g := range guests {
		if g.Name == "c" {
			c = g
		}
	}
	// Both filters are the C runner, whose instances start in
	// microseconds, so that the replacements do not dominate the run (the
	// Go runner's faults are in TestRunnerFaults). The second filter checks
	// that a healthy filter behind a faulting one is unaffected.
	fs := []Filter{
		{Name: "faulty", Wasm: c.Wasm, Config: []byte(Script("fault", "continue")),
			Timeout: soakTimeout, MemoryLimit: 4 << 20, PoolMax: 8},
		{Name: "healthy", Wasm: c.Wasm, Config: []byte(Script("var_set seen 1", "count", "continue")),
			Timeout: soakTimeout, MemoryLimit: 4 << 20, PoolMax: 8},
	}
	url, stop := start(t, fs)
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
	goroutines0, heap0 := settle(client)

	requests := plan(soakRequests, true, 7)
	bad := drive(t, client, url, requests)
	if bad != 0 {
		t.Errorf("%d of %d requests got the wrong answer", bad, soakRequests)
	}
	// Still serving, healthily.
	if b := drive(t, client, url, plan(soakConns, false, 0)); b != 0 {
		t.Errorf("%d requests failed after the soak", b)
	}
	goroutines1, heap1 := settle(client)
	faults := 0
	for _, i := range requests {
		if i >= 0 {
			faults++
		}
	}
	t.Logf("soak: %d requests over %d connections, %d asked for a fault; goroutines %d -> %d, heap %.1f -> %.1f MiB",
		soakRequests, soakConns, faults, goroutines0, goroutines1, mib(heap0), mib(heap1))
	// A goroutine or buffer leaked per request, or per fault, would show
	// as hundreds of goroutines or tens of MiB here; the margins allow for
	// the runtime's own background goroutines and for which instances the
	// pools happen to hold.
	if goroutines1 > goroutines0+8 {
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
				want, fault := []int{http.StatusOK}, ""
				if plan[i] >= 0 {
					want, fault = soakFaults[plan[i]].status, soakFaults[plan[i]].fault
				}
				if err := check1(client, url, fault, want); err != nil {
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
	req, err := http.NewRequest(http.MethodGet, url+"/soak", nil)
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
// garbage, then returns the goroutine count and the live heap.
func settle(client *http.Client) (int, uint64) {
	client.CloseIdleConnections()
	// Connection goroutines end asynchronously after the close; wait for
	// the count to stop falling, not for a fixed time.
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			break
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
