// Command loadbench measures what a chain costs Caddy in throughput: wrk
// on loopback against one Caddy binary serving the same upstream with no
// chain, then with chains of 1 and 5 header filters, in interleaved
// rounds, printing the median requests per second of each, its ratio to
// no chain, and the median of the runs' 50th and 99th latency percentiles
// (wrk --latency).
//
//	go run ./cmd/loadbench -caddy bin/caddy
//
// With -waf it measures instead what the WAF (filters-examples/waf) adds
// to the latency of a site that answers with respond, on a typical GET
// and a 4 KiB JSON POST (see runTail); -rate 500,1000 does it with an
// open loop at those rates instead of wrk (see openLoop):
//
//	go run ./cmd/loadbench -caddy bin/caddy -waf -rate 500,1000 -d 5s -rounds 3
//
// -ratelimit measures the rate-limit example's cost in throughput, in Go
// and in Rust (see runRateLimit); -redisdown the latency of its requests
// while its Redis store is gone (see runRedisDown).
//
// It needs wrk (Debian's package) and is run from the repository root,
// where it builds its filter (pipeline/testdata/readset) from source.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/internal/loopback"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

func main() {
	caddyBin := flag.String("caddy", "bin/caddy", "Caddy binary with the plugin")
	duration := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	rounds := flag.Int("rounds", 3, "rounds; each runs every chain once")
	waf := flag.Bool("waf", false, "measure the latency of the WAF alone before respond, against respond alone")
	poolMax := flag.Int("pool", 0, "with -waf: also run the WAF with a pool of this size")
	rateLimit := flag.Bool("ratelimit", false, "measure the throughput of the rate-limit example (Go and Rust) before respond, against respond alone")
	redisDown := flag.Bool("redisdown", false, "measure the latency of the rate-limit example's requests while its Redis store is down")
	requests := flag.Int("requests", 2000, "with -redisdown: requests to each route a round")
	rateList := flag.String("rate", "", "with -waf: an open loop at these rates (req/s, comma-separated) instead of wrk's closed loop")
	flag.Parse()
	rates, err := parseRates(*rateList)
	if err != nil {
		log.Fatalf("-rate: %v", err)
	}
	if len(rates) > 0 && !*waf {
		log.Fatal("-rate needs -waf")
	}
	if _, err := exec.LookPath("wrk"); err != nil && len(rates) == 0 {
		log.Fatal("wrk not found: run `make deps` (Debian package wrk)")
	}
	switch {
	case *redisDown:
		err = runRedisDown(*caddyBin, *requests, *rounds)
	case *rateLimit:
		err = runRateLimit(*caddyBin, *duration, *conns, *threads, *rounds)
	case *waf:
		err = runTail(*caddyBin, *duration, *conns, *threads, *rounds, *poolMax, rates)
	default:
		err = run(*caddyBin, *duration, *conns, *threads, *rounds)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func run(caddyBin string, d time.Duration, conns, threads, rounds int) error {
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	filter, err := wasmbuild.Go("pipeline/testdata/readset")
	if err != nil {
		return err
	}
	up, err := loopback.Upstream()
	if err != nil {
		return err
	}
	defer up.Close()

	chains := []int{0, 1, 5}
	results := make(map[int][]result)
	for round := 1; round <= rounds; round++ {
		for _, n := range chains {
			r, err := measure(caddyBin, dir, filter, up.Addr().String(), n, d, conns, threads)
			if err != nil {
				return fmt.Errorf("chain of %d: %w", n, err)
			}
			results[n] = append(results[n], r)
			fmt.Printf("round %d  chain of %d: %.0f req/s, p50 %v, p99 %v\n", round, n, r.rps, r.p50, r.p99)
		}
	}
	base := median(results[0], func(r result) float64 { return r.rps })
	fmt.Printf("\n%-12s %12s %8s %10s %10s   (medians of %d runs of %s, wrk -t%d -c%d)\n",
		"chain", "req/s", "ratio", "p50", "p99", rounds, d, threads, conns)
	for _, n := range chains {
		rs := results[n]
		m := median(rs, func(r result) float64 { return r.rps })
		p50 := time.Duration(median(rs, func(r result) float64 { return float64(r.p50) }))
		p99 := time.Duration(median(rs, func(r result) float64 { return float64(r.p99) }))
		fmt.Printf("%-12s %12.0f %7.1f%% %10v %10v\n", label(n), m, 100*m/base,
			p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
	return nil
}

// parseRates reads -rate: positive integers separated by commas.
func parseRates(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var rates []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number of requests per second", f)
		}
		rates = append(rates, n)
	}
	return rates, nil
}

// result is one run: requests per second and latency percentiles (wrk
// reports no 99.9th: p999 is 0 for its runs).
type result struct {
	rps            float64
	p50, p99, p999 time.Duration
}

func label(n int) string {
	if n == 0 {
		return "no chain"
	}
	return fmt.Sprintf("%d filter(s)", n)
}

func median[T any](v []T, of func(T) float64) float64 {
	s := make([]float64, len(v))
	for i, x := range v {
		s[i] = of(x)
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var (
	rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	// In wrk --latency's distribution: "     99%   12.34ms".
	percentileLine = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// parseWrk reads the requests per second and the 50th and 99th latency
// percentiles from wrk --latency's output.
func parseWrk(out []byte) (result, error) {
	var r result
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	var err error
	if r.rps, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
		return r, fmt.Errorf("wrk's Requests/sec: %w", err)
	}
	for _, p := range percentileLine.FindAllSubmatch(out, -1) {
		d, err := time.ParseDuration(string(p[2]) + string(p[3]))
		if err != nil {
			return r, fmt.Errorf("wrk's %s%% latency: %w", p[1], err)
		}
		if string(p[1]) == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return r, fmt.Errorf("no 50%% and 99%% latencies in wrk's output (--latency):\n%s", out)
	}
	return r, nil
}

// measure starts Caddy with a chain of n filters and runs wrk against it.
func measure(caddyBin, dir, filter, upstream string, n int, d time.Duration, conns, threads int) (result, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return result{}, err
	}
	var chain strings.Builder
	if n > 0 {
		chain.WriteString("gojinn_chain {\n")
		for i := range n {
			fmt.Fprintf(&chain, "\t\tfilter f%d %s\n", i, filter)
		}
		chain.WriteString("\t}")
	}
	config := fmt.Sprintf(`{
	admin off
	http_port %d
	persist_config off
}
http://127.0.0.1:%d {
	%s
	reverse_proxy %s
}
`, port, port, chain.String(), upstream)
	path := filepath.Join(dir, fmt.Sprintf("Caddyfile.%d", n))
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, caddyBin, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "GOJINN_CACHE_DIR="+filepath.Join(dir, "cache"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return result{}, err
	}
	defer func() {
		cancel() // kills Caddy
		_ = cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if err := waitReady(url, 60*time.Second); err != nil {
		return result{}, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	out, err := exec.Command("wrk", "--latency", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+d.String(), "-H", "X-In: loadbench", url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return result{}, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	return parseWrk(out)
}

func waitReady(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("caddy did not answer in time")
}
