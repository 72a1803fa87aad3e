package main

import (
	"bufio"
	"bytes"
	"context"
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
func runTail(caddyBin string, d time.Duration, conns, threads, rounds, poolMax int) error {
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
	type key struct{ req, site int }
	results := make(map[key][]result)
	for round := 1; round <= rounds; round++ {
		for ri, rq := range requests {
			script, err := wrkScript(dir, ri, rq.req)
			if err != nil {
				return err
			}
			for si, site := range sites {
				r, counts, err := measureTail(caddyBin, dir, site.chain, rq.req, script, d, conns, threads)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", rq.name, site.name, err)
				}
				results[key{ri, si}] = append(results[key{ri, si}], r)
				fmt.Printf("round %d  %-16s %-14s %7.0f req/s, p50 %v, p99 %v", round, rq.name, site.name, r.rps, r.p50, r.p99)
				if site.chain != "" {
					fmt.Printf(", %d calls waited for an instance, %d instances made, 99%% of filter calls within %v",
						counts.waits, counts.started, counts.callQuantile(0.99))
				}
				fmt.Println()
			}
		}
	}
	fmt.Printf("\n%-16s %-14s %10s %10s %10s   (medians of %d runs of %s, wrk -t%d -c%d)\n",
		"request", "site", "req/s", "p50", "p99", rounds, d, threads, conns)
	for ri, rq := range requests {
		for si, site := range sites {
			rs := results[key{ri, si}]
			fmt.Printf("%-16s %-14s %10.0f %10v %10v\n", rq.name, site.name,
				median(rs, func(r result) float64 { return r.rps }),
				time.Duration(median(rs, func(r result) float64 { return float64(r.p50) })).Round(time.Microsecond),
				time.Duration(median(rs, func(r result) float64 { return float64(r.p99) })).Round(time.Microsecond))
		}
	}
	return nil
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

func measureTail(caddyBin, dir, chain string, req *detect.Request, script string, d time.Duration, conns, threads int) (result, filterCounts, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return result{}, filterCounts{}, err
	}
	admin, err := loopback.FreePort()
	if err != nil {
		return result{}, filterCounts{}, err
	}
	config := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	http_port %d
	persist_config off
}
http://127.0.0.1:%d {
	%s
	respond "ok" 200
}
`, admin, port, port, chain)
	path := filepath.Join(dir, "Caddyfile.tail")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		return result{}, filterCounts{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, caddyBin, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "GOJINN_CACHE_DIR="+filepath.Join(dir, "cache"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return result{}, filterCounts{}, err
	}
	defer func() {
		cancel() // kills Caddy
		_ = cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitReady(url+"/", 60*time.Second); err != nil {
		return result{}, filterCounts{}, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	metrics := fmt.Sprintf("http://127.0.0.1:%d/metrics", admin)
	before, err := scrapeCounts(metrics)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	out, err := exec.Command("wrk", "--latency", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+d.String(), "-s", script, url).CombinedOutput()
	if err != nil {
		return result{}, filterCounts{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return result{}, filterCounts{}, fmt.Errorf("wrk saw errors (did the WAF refuse the request?):\n%s", out)
	}
	after, err := scrapeCounts(metrics)
	if err != nil {
		return result{}, filterCounts{}, err
	}
	r, err := parseWrk(out)
	return r, after.sub(before), err
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
