package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// runRateLimit is the -ratelimit mode: what the rate-limit example on the
// memory store costs a site's throughput, in Go (filters-examples/
// ratelimit) and in Rust (filters-examples/ratelimit-rust), with a limit
// no run reaches (every request counted, none refused), against the same
// site without it: respond alone, wrk's closed loop, the three sites in
// turn within each round.
func runRateLimit(caddyBin string, d time.Duration, conns, threads, rounds int) error {
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	goFilter, err := wasmbuild.Go("filters-examples/ratelimit")
	if err != nil {
		return err
	}
	rustFilter, err := wasmbuild.Rust("filters-examples/ratelimit-rust")
	if err != nil {
		return err
	}
	script := filepath.Join(dir, "get.lua")
	if err := os.WriteFile(script, []byte("wrk.method = \"GET\"\n"), 0o644); err != nil {
		return err
	}
	// One client, one key: every request increments the same counter,
	// the hottest case for the store.
	limited := func(filter string) string {
		return fmt.Sprintf("gojinn_chain {\n\t\tfilter ratelimit %s {\n\t\t\tconfig `{\"limit\": 1000000000, \"window\": \"1m\"}`\n"+
			"\t\t\tstores default\n\t\t}\n\t}", filter)
	}
	sites := []struct{ name, chain string }{{"respond", ""}, {"go", limited(goFilter)}, {"rust", limited(rustFilter)}}
	rps := make([][]float64, len(sites))
	ratios := make([][]float64, len(sites))
	for round := 1; round <= rounds; round++ {
		line := []string{fmt.Sprintf("round %d", round)}
		for i, s := range sites {
			r, _, err := closedLoopTail(caddyBin, dir, s.chain, script, d, conns, threads)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			rps[i] = append(rps[i], r.rps)
			ratios[i] = append(ratios[i], r.rps/rps[0][round-1])
			line = append(line, fmt.Sprintf("%s %7.0f req/s (%.2f)", s.name, r.rps, ratios[i][round-1]))
		}
		fmt.Println(strings.Join(line, "  "))
	}
	self := func(v float64) float64 { return v }
	fmt.Printf("\nmedians of %d rounds of %s (wrk -t%d -c%d):", rounds, d, threads, conns)
	for i, s := range sites {
		fmt.Printf(" %s %.0f req/s", s.name, median(rps[i], self))
		if i > 0 {
			fmt.Printf(" (ratio %.2f, the median of the rounds' ratios)", median(ratios[i], self))
		}
		if i < len(sites)-1 {
			fmt.Print(";")
		}
	}
	fmt.Println()
	return nil
}
