// Command densitybench measures what Gojinn costs a Caddy that serves
// many sites, against the same Caddy serving the same sites without
// chains, and prints each figure next to its goal (issue 12):
//
//   - provisioning N sites, each with a chain of three filters from two
//     module files, from a warm compile cache;
//   - resident memory above bare Caddy, in all and per idle chain, and
//     idle CPU over a window;
//   - a cold request (the chain scaled to zero, the snapshot ready)
//     against a warm one, one request to each site;
//   - the WAF alone under wrk: resident memory under load and once idle.
//
// Run it from the repository root (make bench-density does):
//
//	go run ./cmd/densitybench -caddy bin/caddy
//
// It builds its filters from source. The machine's other load shows in
// every figure: run it on a quiet one.
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
	sites := flag.Int("sites", 1000, "sites, each with a chain of three filters")
	idleWindow := flag.Duration("idle", 10*time.Second, "window over which idle CPU is measured")
	wafLoad := flag.Duration("waf", 20*time.Second, "duration of the WAF load (0 skips it)")
	flag.Parse()
	if err := run(*caddyBin, *sites, *idleWindow, *wafLoad); err != nil {
		log.Fatal(err)
	}
}

// bench holds what the runs share.
type bench struct {
	caddy    string
	dir      string
	upstream string
	hello    string
	secheads string
	waf      string
}

func run(caddyBin string, sites int, idleWindow, wafLoad time.Duration) error {
	dir, err := os.MkdirTemp("", "gojinn-densitybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{caddy: caddyBin, dir: dir}
	for _, g := range []struct {
		pkg string
		dst *string
	}{
		{"filters-examples/hello", &b.hello},
		{"filters-examples/secheaders", &b.secheads},
		{"filters-examples/waf", &b.waf},
	} {
		if *g.dst, err = wasmbuild.Go(g.pkg); err != nil {
			return err
		}
	}
	up, err := loopback.Upstream()
	if err != nil {
		return err
	}
	defer up.Close()
	b.upstream = up.Addr().String()

	fmt.Printf("densitybench: %d sites; machine load %s\n\n", sites, loadavg())
	if err := b.sites(sites, idleWindow); err != nil {
		return err
	}
	if wafLoad > 0 {
		if err := b.wafSite(wafLoad); err != nil {
			return err
		}
	}
	return nil
}

// sites runs bare Caddy and Caddy with chains on the same sites.
func (b *bench) sites(n int, idleWindow time.Duration) error {
	// The first run warms the on-disk compile cache (and is not timed).
	warm, err := b.start(b.sitesConfig(n, true, "5m"))
	if err != nil {
		return err
	}
	warm.stop()

	bare, err := b.start(b.sitesConfig(n, false, ""))
	if err != nil {
		return err
	}
	bareRSS := bare.rss()
	bareCPU := bare.cpuOver(idleWindow)
	bare.stop()

	c, err := b.start(b.sitesConfig(n, true, "5m"))
	if err != nil {
		return err
	}
	defer c.stop()
	idleRSS := c.rss()
	idleCPU := c.cpuOver(idleWindow)
	cold, err := c.everySite(n)
	if err != nil {
		return err
	}
	warmLat, err := c.everySite(n)
	if err != nil {
		return err
	}
	busyRSS, busyPSS := c.rss(), c.pss()

	mib := func(v int64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }
	fmt.Printf("%-46s %14s %14s   %s\n", "figure", "with chains", "bare Caddy", "goal")
	fmt.Printf("%-46s %14s %14s   %s\n", "provision (start to every site answering)", c.ready.Round(time.Millisecond), bare.ready.Round(time.Millisecond), "under 5 s")
	fmt.Printf("%-46s %14s %14s   %s\n", "resident, idle after provisioning", mib(idleRSS), mib(bareRSS),
		"under 300 MiB above bare")
	fmt.Printf("%-46s %14s %14s   %s\n", "  above bare, per idle chain", fmt.Sprintf("%.1f KiB", float64(idleRSS-bareRSS)/float64(n)/1024), "", "under 256 KiB")
	fmt.Printf("%-46s %14s %14s   %s\n", fmt.Sprintf("idle CPU over %s", idleWindow), pct(idleCPU), pct(bareCPU), "within 0.1% of bare")
	fmt.Printf("%-46s %14s %14s   %s\n", "cold request (3 instances restored) p50/p99", cold.p(50)+"/"+cold.p(99), "", "adds under 1 ms p99")
	fmt.Printf("%-46s %14s %14s\n", "warm request p50/p99", warmLat.p(50)+"/"+warmLat.p(99), "")
	fmt.Printf("%-46s %14s %14s\n", "resident after one request to every site", mib(busyRSS), "")
	fmt.Printf("%-46s %14s %14s\n", "  proportional (shared pages counted once)", mib(busyPSS), "")
	fmt.Println()
	return nil
}

// wafSite runs the WAF alone in one site under wrk, then lets it idle.
func (b *bench) wafSite(d time.Duration) error {
	bareCfg := func(port int) string {
		return fmt.Sprintf("{\n\tadmin off\n\thttp_port %d\n\tpersist_config off\n}\nhttp://127.0.0.1:%d {\n\trespond \"ok\"\n}\n", port, port)
	}
	wafCfg := func(port int) string {
		return fmt.Sprintf("{\n\tadmin off\n\thttp_port %d\n\tpersist_config off\n}\nhttp://127.0.0.1:%d {\n\tgojinn_chain {\n\t\tfilter waf %s {\n\t\t\tidle_timeout 5s\n\t\t}\n\t}\n\trespond \"ok\"\n}\n", port, port, b.waf)
	}
	bare, err := b.start(bareCfg)
	if err != nil {
		return err
	}
	bareLoaded, err := bare.wrk(d)
	bare.stop()
	if err != nil {
		return err
	}
	c, err := b.start(wafCfg)
	if err != nil {
		return err
	}
	defer c.stop()
	loaded, err := c.wrk(d)
	if err != nil {
		return err
	}
	// Past the idle timeout (5s) and a collection cycle.
	time.Sleep(15 * time.Second)
	idle := c.rss()
	mib := func(v int64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }
	fmt.Printf("%-46s %14s %14s   %s\n", "WAF site under wrk -t2 -c32: resident at end", mib(loaded), mib(bareLoaded), "under 150 MiB")
	fmt.Printf("%-46s %14s %14s   %s\n", "  and 15 s after (idle_timeout 5s)", mib(idle), "", "under 100 MiB")
	return nil
}

// sitesConfig is a Caddyfile of n sites on one port; with chains, each
// has hello, secheaders and hello again (two module files).
func (b *bench) sitesConfig(n int, chains bool, idleTimeout string) func(port int) string {
	return func(port int) string {
		var s strings.Builder
		fmt.Fprintf(&s, "{\n\tadmin off\n\thttp_port %d\n\tpersist_config off\n}\n", port)
		for i := range n {
			fmt.Fprintf(&s, "http://site%d.test:%d {\n", i, port)
			if chains {
				fmt.Fprintf(&s, "\tgojinn_chain {\n\t\tfilter hello %s {\n\t\t\tidle_timeout %s\n\t\t}\n", b.hello, idleTimeout)
				fmt.Fprintf(&s, "\t\tfilter secheaders %s {\n\t\t\tidle_timeout %s\n\t\t}\n", b.secheads, idleTimeout)
				fmt.Fprintf(&s, "\t\tfilter hello2 %s {\n\t\t\tconfig `{\"greeting\": \"again\"}`\n\t\t\tidle_timeout %s\n\t\t}\n\t}\n", b.hello, idleTimeout)
			}
			fmt.Fprintf(&s, "\treverse_proxy %s\n}\n", b.upstream)
		}
		return s.String()
	}
}

// caddy is one running Caddy.
type caddy struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	port   int
	sites  int
	ready  time.Duration // from start to the last site answering
	client *http.Client
	stderr *strings.Builder
}

var siteCount = regexp.MustCompile(`http://site\d+\.test`)

func (b *bench) start(config func(port int) string) (*caddy, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	text := config(port)
	path := filepath.Join(b.dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, b.caddy, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "GOJINN_CACHE_DIR="+filepath.Join(b.dir, "cache"))
	c := &caddy{cmd: cmd, cancel: cancel, port: port, sites: len(siteCount.FindAllString(text, -1)),
		client: &http.Client{Timeout: 10 * time.Second}, stderr: &strings.Builder{}}
	cmd.Stderr = c.stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	last := "127.0.0.1"
	if c.sites > 0 {
		last = fmt.Sprintf("site%d.test", c.sites-1)
	}
	if err := c.waitReady(last, 5*time.Minute); err != nil {
		c.stop()
		return nil, fmt.Errorf("%w\n%s", err, tail(c.stderr.String()))
	}
	c.ready = time.Since(begin)
	return c, nil
}

func (c *caddy) stop() {
	c.cancel()
	_ = c.cmd.Wait()
}

func (c *caddy) get(host string) (time.Duration, error) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/", c.port), nil)
	req.Host = fmt.Sprintf("%s:%d", host, c.port)
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != 200 {
		return d, fmt.Errorf("%s: status %d", host, resp.StatusCode)
	}
	return d, nil
}

func (c *caddy) waitReady(host string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := c.get(host); err == nil {
			return nil
		}
	}
	return errors.New("caddy did not answer in time")
}

// everySite sends one request to each site, in order, and returns the
// latencies.
func (c *caddy) everySite(n int) (latencies, error) {
	var l latencies
	for i := range n {
		d, err := c.get(fmt.Sprintf("site%d.test", i))
		if err != nil {
			return nil, err
		}
		l = append(l, d)
	}
	return l, nil
}

var rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk loads the server for d and returns its resident memory at the end.
func (c *caddy) wrk(d time.Duration) (int64, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d/search?q=hello+world&page=2", c.port)
	out, err := exec.Command("wrk", "-t2", "-c32", "-d"+d.String(), url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") || rpsLine.Find(out) == nil {
		return 0, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	return c.rss(), nil
}

// rss is the process's resident memory, bytes.
func (c *caddy) rss() int64 { return procField(c.cmd.Process.Pid, "status", "VmRSS:") }

// pss is its proportional set size: pages shared between mappings (an
// image mapped by many instances) counted once in all.
func (c *caddy) pss() int64 { return procField(c.cmd.Process.Pid, "smaps_rollup", "Pss:") }

func procField(pid int, file, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return -1
}

// cpuOver is the share of one CPU the process used over d, idle.
func (c *caddy) cpuOver(d time.Duration) float64 {
	before := cpuTicks(c.cmd.Process.Pid)
	time.Sleep(d)
	after := cpuTicks(c.cmd.Process.Pid)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return float64(after-before) / ticksPerSecond / d.Seconds()
}

func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

type latencies []time.Duration

func (l latencies) p(q int) string {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*q/100)].Round(10 * time.Microsecond).String()
}

func pct(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}
