package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/filters-examples/waf/benchreq"
	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/internal/loopback"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// runTail is the -waf mode: the latency of the WAF alone in front of
// Caddy's respond, against respond alone, on the WAF's typical GET and
// 4 KiB JSON POST (filters-examples/waf/benchreq), in interleaved rounds.
// Beside each run's percentiles it prints what the filter's metrics
// counted during the run: calls that waited for an instance, and
// instances made, the two pauses a filter can add to a request's time.
//
// poolMax, when not 0, adds a third site: the WAF with a pool of that
// size (its default is four instances per core), in the same rounds.
//
// rates, when not empty, replaces wrk's closed loop by an open one at
// each of these rates in turn (see openLoop): the latency a site shows at
// a given traffic, where wrk's percentiles are those of a saturated
// server.
func runTail(caddyBin string, d time.Duration, conns, threads, rounds, poolMax int, rates []int) error {
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	waf, err := wasmbuild.Go("filters-examples/waf")
	if err != nil {
		return err
	}
	requests := []struct {
		name string
		req  *detect.Request
	}{{"GET", benchreq.GET()}, {"POST 4 KiB JSON", benchreq.JSONPOST4K()}}
	sites := []struct{ name, chain string }{
		{"respond", ""},
		{"waf + respond", fmt.Sprintf("gojinn_chain {\n\t\tfilter waf %s\n\t}", waf)},
	}
	if poolMax > 0 {
		sites = append(sites, struct{ name, chain string }{fmt.Sprintf("waf pool %d", poolMax),
			fmt.Sprintf("gojinn_chain {\n\t\tfilter waf %s {\n\t\t\tpool 0 %d\n\t\t}\n\t}", waf, poolMax)})
	}
	type key struct{ req, load, site int }
	results := make(map[key][]result)
	record := func(round, ri, li, si, rate int, r result, counts filterCounts) {
		results[key{ri, li, si}] = append(results[key{ri, li, si}], r)
		fmt.Printf("round %d  %-16s %-14s %s: %7.0f req/s, p50 %v, p99 %v", round, requests[ri].name, sites[si].name,
			loadName(rate), r.rps, r.p50, r.p99)
		if rate > 0 {
			fmt.Printf(", p99.9 %v", r.p999)
		}
		if sites[si].chain != "" {
			fmt.Printf(", %d calls waited for an instance, %d instances made, 99%% of filter calls within %v",
				counts.waits, counts.started, counts.callQuantile(0.99))
		}
		fmt.Println()
	}
	for round := 1; round <= rounds; round++ {
		for ri, rq := range requests {
			if len(rates) == 0 {
				script, err := wrkScript(dir, ri, rq.req)
				if err != nil {
					return err
				}
				for si, st := range sites {
					r, counts, err := closedLoopTail(caddyBin, dir, st.chain, script, d, conns, threads)
					if err != nil {
						return fmt.Errorf("%s, %s: %w", rq.name, st.name, err)
					}
					record(round, ri, 0, si, 0, r, counts)
				}
				continue
			}
			for li, rate := range rates {
				chains := make([]string, len(sites))
				for si, st := range sites {
					chains[si] = st.chain
				}
				rs, counts, err := openLoopTail(caddyBin, dir, chains, rq.req, rate, d)
				if errors.Is(err, errSaturated) {
					fmt.Printf("round %d  %-16s %s: %v\n", round, rq.name, loadName(rate), err)
					continue
				}
				if err != nil {
					return fmt.Errorf("%s, %s: %w", rq.name, loadName(rate), err)
				}
				for si := range sites {
					record(round, ri, li, si, rate, rs[si], counts[si])
				}
			}
		}
	}
	loads, how := []int{0}, fmt.Sprintf("wrk -t%d -c%d, one site at a time", threads, conns)
	if len(rates) > 0 {
		loads, how = rates, "open loop, every site at once, requests alternating between them"
	}
	fmt.Printf("\n%-16s %-14s %-12s %4s %8s %9s %9s %9s   (medians of the runs of %s; %s)\n",
		"request", "site", "load", "runs", "req/s", "p50", "p99", "p99.9", d, how)
	at := func(rs []result, of func(r result) time.Duration) time.Duration {
		return time.Duration(median(rs, func(r result) float64 { return float64(of(r)) })).Round(10 * time.Microsecond)
	}
	for ri, rq := range requests {
		for li, rate := range loads {
			for si, st := range sites {
				rs := results[key{ri, li, si}]
				if len(rs) == 0 {
					fmt.Printf("%-16s %-14s %-12s %4d   saturated in every run\n", rq.name, st.name, loadName(rate), 0)
					continue
				}
				fmt.Printf("%-16s %-14s %-12s %4d %8.0f %9v %9v %9v", rq.name, st.name, loadName(rate), len(rs),
					median(rs, func(r result) float64 { return r.rps }),
					at(rs, func(r result) time.Duration { return r.p50 }),
					at(rs, func(r result) time.Duration { return r.p99 }),
					at(rs, func(r result) time.Duration { return r.p999 }))
				// In an open loop every site ran in the same runs, so the
				// ratio of one run is of the same minutes: its median is
				// the comparison, not the ratio of two medians.
				if base := results[key{ri, li, 0}]; len(rates) > 0 && si > 0 && len(base) == len(rs) {
					ratios := make([]float64, len(rs))
					for i := range rs {
						ratios[i] = float64(rs[i].p99) / float64(base[i].p99)
					}
					fmt.Printf("   p99 %.2fx %s's (median of the runs' ratios)", median(ratios, func(r float64) float64 { return r }),
						sites[0].name)
				}
				fmt.Println()
			}
		}
	}
	return nil
}

// loadName is how a load is printed: a rate, or wrk's closed loop (0).
func loadName(rate int) string {
	if rate == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%d req/s", rate)
}

// wrkScript writes the Lua script that makes wrk send req.
func wrkScript(dir string, i int, req *detect.Request) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", req.Method)
	fmt.Fprintf(&b, "wrk.path = %q\n", req.URI)
	for _, h := range req.Headers {
		if h.Name == "Host" {
			continue // wrk's own, for the address it connects to
		}
		fmt.Fprintf(&b, "wrk.headers[%q] = %q\n", h.Name, h.Value)
	}
	if len(req.Body) > 0 {
		fmt.Fprintf(&b, "wrk.body = %q\n", req.Body)
	}
	path := filepath.Join(dir, fmt.Sprintf("request%d.lua", i))
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// filterCounts are the filter's pool waits, instances made, and its
// calls by duration (the call-duration histogram's cumulative buckets,
// by upper bound in seconds).
type filterCounts struct {
	waits, started int64
	calls          int64
	le             map[float64]int64
}

func (c filterCounts) sub(o filterCounts) filterCounts {
	d := filterCounts{waits: c.waits - o.waits, started: c.started - o.started, calls: c.calls - o.calls,
		le: make(map[float64]int64, len(c.le))}
	for b, n := range c.le {
		d.le[b] = n - o.le[b]
	}
	return d
}

// callQuantile is the upper bound of the histogram bucket that holds the
// q quantile of the calls' durations: "q of the calls took at most this".
func (c filterCounts) callQuantile(q float64) time.Duration {
	bounds := make([]float64, 0, len(c.le))
	for b := range c.le {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	for _, b := range bounds {
		if float64(c.le[b]) >= q*float64(c.calls) {
			return time.Duration(b * float64(time.Second))
		}
	}
	return 0
}

// tailSite is one Caddy process serving a chain before respond.
type tailSite struct {
	url, metrics string
	stop         func()
}

// startTailSite starts Caddy with chain ("" for none) before respond and
// waits until it answers; i tells its Caddyfile from the other sites'.
func startTailSite(caddyBin, dir string, i int, chain string) (*tailSite, error) {
	return startSite(caddyBin, dir, fmt.Sprintf("tail%d", i), "", chain+"\n\trespond \"ok\" 200")
}

// startSite starts a Caddy serving body as its one site on a loopback
// port, with more global options (a gojinn block) when globals is not
// empty, and waits until the site answers.
func startSite(caddyBin, dir, name, globals, body string) (*tailSite, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	admin, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	http_port %d
	persist_config off
%s
}
http://127.0.0.1:%d {
	%s
}
`, admin, port, globals, port, body)
	path := filepath.Join(dir, "Caddyfile."+name)
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, caddyBin, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "GOJINN_CACHE_DIR="+filepath.Join(dir, "cache"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	s := &tailSite{
		url:     fmt.Sprintf("http://127.0.0.1:%d", port),
		metrics: fmt.Sprintf("http://127.0.0.1:%d/metrics", admin),
		stop: func() {
			cancel() // kills Caddy
			_ = cmd.Wait()
		},
	}
	if err := waitReady(s.url+"/", 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return s, nil
}

// closedLoopTail loads one site with wrk for d.
func closedLoopTail(caddyBin, dir, chain, script string, d time.Duration, conns, threads int) (result, filterCounts, error) {
	s, err := startTailSite(caddyBin, dir, 0, chain)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	defer s.stop()
	before, err := scrapeCounts(s.metrics)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	r, err := wrk(s.url, script, d, conns, threads)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	after, err := scrapeCounts(s.metrics)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	return r, after.sub(before), nil
}

// openLoopTail starts one Caddy per chain and sends req to all of them at
// once, rate requests per second each, alternating: every site meets the
// same neighbours on the machine at the same moments, so that the
// comparison of their tails is not one of two different minutes (on a
// shared machine, bare Caddy's own p99 moves tenfold from one run to
// the next).
func openLoopTail(caddyBin, dir string, chains []string, req *detect.Request, rate int, d time.Duration) ([]result, []filterCounts, error) {
	sites := make([]*tailSite, len(chains))
	for i, chain := range chains {
		s, err := startTailSite(caddyBin, dir, i, chain)
		if err != nil {
			return nil, nil, err
		}
		defer s.stop()
		sites[i] = s
	}
	urls := make([]string, len(sites))
	before := make([]filterCounts, len(sites))
	for i, s := range sites {
		urls[i] = s.url
		var err error
		if before[i], err = scrapeCounts(s.metrics); err != nil {
			return nil, nil, err
		}
	}
	rs, err := openLoop(urls, req, rate, d)
	if err != nil {
		return nil, nil, err
	}
	counts := make([]filterCounts, len(sites))
	for i, s := range sites {
		after, err := scrapeCounts(s.metrics)
		if err != nil {
			return nil, nil, err
		}
		counts[i] = after.sub(before[i])
	}
	return rs, counts, nil
}

// wrk runs wrk's closed loop with script against url.
func wrk(url, script string, d time.Duration, conns, threads int) (result, error) {
	out, err := exec.Command("wrk", "--latency", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+d.String(), "-s", script, url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return result{}, fmt.Errorf("wrk saw errors (did the WAF refuse the request?):\n%s", out)
	}
	return parseWrk(out)
}

var leLabel = regexp.MustCompile(`le="([^"]+)"`)

// scrapeCounts sums the filters' pool waits and instance starts in
// Caddy's metrics.
func scrapeCounts(url string) (filterCounts, error) {
	resp, err := http.Get(url)
	if err != nil {
		return filterCounts{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return filterCounts{}, fmt.Errorf("metrics: %w", err)
	}
	return parseCounts(body.Bytes())
}

func parseCounts(text []byte) (filterCounts, error) {
	c := filterCounts{le: make(map[float64]int64)}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		var into *int64
		switch {
		case strings.HasPrefix(line, "gojinn_filter_call_duration_seconds_count"):
			into = &c.calls
		case strings.HasPrefix(line, "gojinn_filter_call_duration_seconds_bucket"):
			m := leLabel.FindStringSubmatch(line)
			if m == nil {
				return c, fmt.Errorf("metrics line %q: no le label", line)
			}
			if m[1] == "+Inf" {
				continue // the count
			}
			b, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return c, fmt.Errorf("metrics line %q: %w", line, err)
			}
			fields := strings.Fields(line)
			v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				return c, fmt.Errorf("metrics line %q: %w", line, err)
			}
			c.le[b] += int64(v)
			continue
		case strings.HasPrefix(line, "gojinn_filter_pool_waits_total"):
			into = &c.waits
		case strings.HasPrefix(line, "gojinn_filter_instances_started_total"):
			into = &c.started
		default:
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return c, fmt.Errorf("metrics line %q: %w", line, err)
		}
		*into += int64(v)
	}
	return c, sc.Err()
}
