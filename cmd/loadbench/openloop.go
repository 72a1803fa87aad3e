package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// openLoop sends req to each of urls at rate requests per second for d,
// alternating between them: each request leaves at its scheduled time
// whatever happened to the ones before it, and its latency is counted
// from that time, not from when it was sent. A closed loop such as wrk's
// sends a connection's next request only when the last one is answered,
// so a server that stalls is asked less while it stalls and its tail goes
// unseen (coordinated omission); and a closed loop runs the server at
// saturation, where every request's latency is the queue ahead of it:
// connections over throughput, whatever the filter. At a rate the server
// keeps up with, the percentiles are what a site with that much traffic
// would see.
//
// A request that fails (the client gives each 30 s) or is not answered
// with a 2xx makes the run an error, and so does a site that answers
// fewer than 95% of the rate: a site that cannot carry the rate has no
// latency to report at it.
func openLoop(urls []string, req *detect.Request, rate int, d time.Duration) ([]result, error) {
	if rate <= 0 || len(urls) == 0 {
		return nil, fmt.Errorf("rate %d to %d sites: both must be positive", rate, len(urls))
	}
	perSite := int(d.Seconds() * float64(rate))
	if perSite == 0 {
		return nil, fmt.Errorf("%d requests/s for %v sends nothing", rate, d)
	}
	tr := &http.Transport{
		// One connection per request in flight, kept for the next: the
		// client never queues a request behind another one.
		MaxIdleConnsPerHost: 1024,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	send := func(url string) error {
		r, err := http.NewRequest(req.Method, url+req.URI, bytes.NewReader(req.Body))
		if err != nil {
			return err
		}
		for _, h := range req.Headers {
			if h.Name == "Host" {
				continue // the client's own, for the address it connects to
			}
			r.Header.Add(h.Name, h.Value)
		}
		resp, err := client.Do(r)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode/100 != 2 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}

	n := perSite * len(urls)
	latencies := make([]time.Duration, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures int
		firstErr error
	)
	interval := time.Second / time.Duration(rate*len(urls))
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := urls[i%len(urls)]
			err := send(url)
			latencies[i] = time.Since(due)
			if err != nil {
				mu.Lock()
				failures++
				if firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", url, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failures > 0 {
		return nil, fmt.Errorf("%d of %d requests failed, the first: %w", failures, n, firstErr)
	}
	rs := make([]result, len(urls))
	for si := range urls {
		site := make([]time.Duration, 0, perSite)
		for i := si; i < n; i += len(urls) {
			site = append(site, latencies[i])
		}
		rs[si] = percentiles(site)
		rs[si].rps = float64(perSite) / elapsed.Seconds()
	}
	if got := float64(perSite) / elapsed.Seconds(); got < 0.95*float64(rate) {
		return rs, fmt.Errorf("%w: %.0f of %d requests/s answered", errSaturated, got, rate)
	}
	return rs, nil
}

// errSaturated is a site that could not answer at the rate it was sent.
var errSaturated = errors.New("the sites cannot carry this rate")

// percentiles is the 50th, 99th and 99.9th percentile of ds (sorted in
// place), nearest rank.
func percentiles(ds []time.Duration) result {
	slices.Sort(ds)
	at := func(q float64) time.Duration {
		i := int(q*float64(len(ds)) + 0.5)
		return ds[min(max(i-1, 0), len(ds)-1)]
	}
	return result{p50: at(0.50), p99: at(0.99), p999: at(0.999)}
}
