package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/gojinn/gojinn/internal/redistest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// storeTimeout is the Redis store's default per-operation timeout
// (caddy/stores_caddyfile.go), which -redisdown leaves as it is.
const storeTimeout = 50 * time.Millisecond

// runRedisDown is the -redisdown mode: how long requests through the
// rate-limit example take while its Redis store is gone, under fail_open
// with the store's default timeout and circuit breaker, against the same
// Caddy's route without the filter at the same moments (a request to
// each in turn), so that the machine's own stalls show in both. Issue
// 20's goal is every request answered within the timeout plus 1 ms.
// Each round restarts Redis, warms up, kills it, and sends requests one
// at a time.
func runRedisDown(caddyBin string, requests, rounds int) error {
	dir, err := os.MkdirTemp("", "gojinn-loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	filter, err := wasmbuild.Go("filters-examples/ratelimit")
	if err != nil {
		return err
	}
	redis, err := redistest.Run(dir)
	if err != nil {
		return err
	}
	defer redis.Stop()
	globals := fmt.Sprintf("\tgojinn {\n\t\tstore shared redis %s {\n\t\t\ton_error fail_open\n\t\t}\n\t}", redis.URL())
	body := fmt.Sprintf("handle /limited {\n\t\tgojinn_chain {\n\t\t\tfilter ratelimit %s {\n"+
		"\t\t\t\tconfig `{\"store\": \"shared\", \"limit\": 1000000000, \"window\": \"1m\"}`\n"+
		"\t\t\t\tstores shared\n\t\t\t}\n\t\t}\n\t\trespond \"ok\" 200\n\t}\n\trespond \"ok\" 200", filter)
	site, err := startSite(caddyBin, dir, "redisdown", globals, body)
	if err != nil {
		return err
	}
	defer site.stop()
	client := &http.Client{Timeout: time.Minute}
	get := func(path string) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Get(site.url + path)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return time.Since(start), nil
	}
	bound := storeTimeout + time.Millisecond
	fmt.Printf("store timeout %v (default), fail_open; %d requests to each route a round, one at a time\n", storeTimeout, requests)
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			if err := redis.Restart(); err != nil {
				return err
			}
		}
		// With Redis up: the filter reaches it (and the pool warms).
		for range 100 {
			if _, err := get("/limited"); err != nil {
				return err
			}
		}
		redis.Stop()
		var limited, bare []time.Duration
		for range requests {
			d, err := get("/limited")
			if err != nil {
				return err
			}
			limited = append(limited, d)
			if d, err = get("/"); err != nil {
				return err
			}
			bare = append(bare, d)
		}
		fmt.Printf("round %d  with the filter: %s; over %v: %d\n", round, spread(limited), bound, over(limited, bound))
		fmt.Printf("         without:         %s; over %v: %d\n", spread(bare), bound, over(bare, bound))
	}
	return nil
}

// spread is a latency distribution's median, p99, p99.9 and max.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return fmt.Sprintf("median %v, p99 %v, p99.9 %v, max %v", at(0.5), at(0.99), at(0.999), s[len(s)-1])
}

// over counts the durations past bound.
func over(ds []time.Duration, bound time.Duration) int {
	n := 0
	for _, d := range ds {
		if d > bound {
			n++
		}
	}
	return n
}
