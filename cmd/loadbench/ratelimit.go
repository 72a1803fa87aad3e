package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// runRateLimit is the -ratelimit mode: what the rate-limit example
// (filters-examples/ratelimit) on the memory store costs a site's
// throughput, with a limit no run reaches (every request counted, none
// refused), against the same site without it: respond alone, wrk's
// closed loop, the two sites alternating within each round.
func runRateLimit(caddyBin string, d time.Duration, conns, threads, rounds int) error {
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	filter, err := wasmbuild.Go("filters-examples/ratelimit")
	if err != nil {
		return err
	}
	script := filepath.Join(dir, "get.lua")
	if err := os.WriteFile(script, []byte("wrk.method = \"GET\"\n"), 0o644); err != nil {
		return err
	}
	// One client, one key: every request increments the same counter,
	// the hottest case for the store.
	limited := fmt.Sprintf("gojinn_chain {\n\t\tfilter ratelimit %s {\n\t\t\tconfig `{\"limit\": 1000000000, \"window\": \"1m\"}`\n"+
		"\t\t\tstores default\n\t\t}\n\t}", filter)
	var ratios []float64
	var bare, rl []result
	for round := 1; round <= rounds; round++ {
		a, _, err := closedLoopTail(caddyBin, dir, "", script, d, conns, threads)
		if err != nil {
			return fmt.Errorf("respond: %w", err)
		}
		b, _, err := closedLoopTail(caddyBin, dir, limited, script, d, conns, threads)
		if err != nil {
			return fmt.Errorf("rate-limited: %w", err)
		}
		bare, rl = append(bare, a), append(rl, b)
		ratios = append(ratios, b.rps/a.rps)
		fmt.Printf("round %d  respond %7.0f req/s, rate-limited %7.0f req/s: %.2f\n", round, a.rps, b.rps, b.rps/a.rps)
	}
	rps := func(r result) float64 { return r.rps }
	fmt.Printf("\nmedians of %d rounds of %s (wrk -t%d -c%d): respond %.0f req/s, rate-limited %.0f req/s; "+
		"ratio %.2f (median of the rounds' ratios)\n", rounds, d, threads, conns,
		median(bare, rps), median(rl, rps), median(ratios, func(r float64) float64 { return r }))
	return nil
}
