// Command loadbench measures what a chain costs Caddy in throughput: wrk
// on loopback against one Caddy binary serving the same upstream with no
// chain, then with chains of 1 and 5 header filters, in interleaved
// rounds, printing the median requests per second of each and its ratio
// to no chain.
//
//	go run ./cmd/loadbench -caddy bin/caddy
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
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

func main() {
	caddyBin := flag.String("caddy", "bin/caddy", "Caddy binary with the plugin")
	duration := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 32, "wrk connections")
	threads := flag.Int("t", 2, "wrk threads")
	rounds := flag.Int("rounds", 3, "rounds; each runs every chain once")
	flag.Parse()
	if err := run(*caddyBin, *duration, *conns, *threads, *rounds); err != nil {
		log.Fatal(err)
	}
}

func run(caddyBin string, d time.Duration, conns, threads, rounds int) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: run `make deps` (Debian package wrk)")
	}
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	filter, err := wasmbuild.Go("pipeline/testdata/readset")
	if err != nil {
		return err
	}
	up, err := startUpstream()
	if err != nil {
		return err
	}
	defer up.Close()

	chains := []int{0, 1, 5}
	results := make(map[int][]float64)
	for round := 1; round <= rounds; round++ {
		for _, n := range chains {
			rps, err := measure(caddyBin, dir, filter, up.Addr().String(), n, d, conns, threads)
			if err != nil {
				return fmt.Errorf("chain of %d: %w", n, err)
			}
			results[n] = append(results[n], rps)
			fmt.Printf("round %d  chain of %d: %.0f req/s\n", round, n, rps)
		}
	}
	base := median(results[0])
	fmt.Printf("\n%-12s %12s %8s   (median of %d runs of %s, wrk -t%d -c%d)\n", "chain", "req/s", "ratio", rounds, d, threads, conns)
	for _, n := range chains {
		m := median(results[n])
		fmt.Printf("%-12s %12.0f %7.1f%%\n", label(n), m, 100*m/base)
	}
	return nil
}

func label(n int) string {
	if n == 0 {
		return "no chain"
	}
	return fmt.Sprintf("%d filter(s)", n)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// startUpstream serves a small fixed answer, as a typical API would.
func startUpstream() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	body := []byte(`{"status":"ok","items":[1,2,3]}`)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	return ln, nil
}

var rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// measure starts Caddy with a chain of n filters and runs wrk against it.
func measure(caddyBin, dir, filter, upstream string, n int, d time.Duration, conns, threads int) (float64, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
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
		return 0, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, caddyBin, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "GOJINN_CACHE_DIR="+filepath.Join(dir, "cache"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return 0, err
	}
	defer func() {
		cancel() // kills Caddy
		_ = cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if err := waitReady(url, 60*time.Second); err != nil {
		return 0, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+d.String(), "-H", "X-In: loadbench", url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return 0, fmt.Errorf("wrk saw errors:\n%s", out)
	}
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
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
