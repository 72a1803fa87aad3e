package keyset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// maxJWKSBytes bounds a fetched JWK Set; real ones are a few KiB.
const maxJWKSBytes = 1 << 20

// remote keeps a Set's jwks_url keys fresh: a first fetch at open, a
// periodic refresh, and refetches on unknown kids, never more than one
// fetch at a time.
type remote struct {
	set    *Set
	spec   *spec
	client *http.Client
	log    *zap.Logger
	now    func() time.Time
	ctx    context.Context // cancelled by Registry.Close
	// spawn runs a background fetch under the registry's WaitGroup.
	spawn func(func())
	// maxWait bounds how long Verify waits for an unknown-kid fetch.
	maxWait time.Duration

	mu          sync.Mutex
	inflight    chan struct{} // closed when the running fetch ends
	lastAttempt time.Time
	etag        string
}

// refetch fetches the key set because a kid was not found, and waits
// for the result at most maxWait: the fetch goes on in the background
// and its keys land for later requests, but a slow identity provider
// must not hold a request (and the wasm instance serving it) for the
// whole fetch_timeout. It returns false without fetching when the last
// attempt is more recent than min_refetch_interval, so a stream of
// made-up kids cannot turn into a stream of requests to the provider.
// Callers that arrive while a fetch runs wait for that one.
func (r *remote) refetch() bool {
	r.mu.Lock()
	ch := r.inflight
	if ch == nil {
		if !r.lastAttempt.IsZero() && r.now().Sub(r.lastAttempt) < r.spec.minRefetchInterval {
			r.mu.Unlock()
			return false
		}
		ch = r.begin()
		r.mu.Unlock()
		r.spawn(func() { r.finish(ch, "unknown kid") })
	} else {
		r.mu.Unlock()
	}
	t := time.NewTimer(r.maxWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
	return true
}

// fetch runs one fetch and waits for it, or waits for the one already
// running. Open and the refresher use it.
func (r *remote) fetch(reason string) {
	r.mu.Lock()
	if ch := r.inflight; ch != nil {
		r.mu.Unlock()
		<-ch
		return
	}
	ch := r.begin()
	r.mu.Unlock()
	r.finish(ch, reason)
}

// begin marks a fetch as running; r.mu is held.
func (r *remote) begin() chan struct{} {
	ch := make(chan struct{})
	r.inflight = ch
	r.lastAttempt = r.now()
	return ch
}

// finish performs the fetch begun with ch and publishes what it got.
// Failures are logged and the last good keys stay.
func (r *remote) finish(ch chan struct{}, reason string) {
	r.mu.Lock()
	etag := r.etag
	r.mu.Unlock()

	keys, newETag, err := r.get(etag)
	switch {
	case errors.Is(err, errNotModified):
		r.log.Debug("jwks unchanged", zap.String("reason", reason))
	case err != nil:
		r.log.Warn("jwks fetch failed; keeping the last good keys",
			zap.String("reason", reason), zap.Bool("ever_loaded", r.set.Ready()), zap.Error(err))
	default:
		r.set.publish(keys)
		r.log.Debug("jwks loaded", zap.String("reason", reason), zap.Int("keys", len(keys)))
	}

	r.mu.Lock()
	if err == nil {
		r.etag = newETag
	}
	r.inflight = nil
	r.mu.Unlock()
	close(ch)
}

var errNotModified = errors.New("not modified")

// get performs the HTTP request and parses the answer.
func (r *remote) get(etag string) ([]*key, string, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.spec.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.spec.url.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "" && r.set.Ready():
		return nil, "", errNotModified
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading body: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, "", fmt.Errorf("body over %d bytes", maxJWKSBytes)
	}
	keys, problems, err := parseJWKSet(body, jwkSource{name: "jwks_url"})
	if err != nil {
		return nil, "", err
	}
	for _, p := range problems {
		// One bad key must not lock out the others; say so and go on.
		r.log.Warn("jwks key skipped", zap.String("url", r.spec.url.Redacted()), zap.Error(p))
	}
	if len(keys) == 0 {
		return nil, "", errors.New("no usable signature key in the JWK Set")
	}
	return keys, resp.Header.Get("ETag"), nil
}

// run refreshes the key set until the registry closes: every refresh
// interval once loaded, every min_refetch_interval (at least one second)
// while it never has been, so that a set that failed at start recovers
// quickly without hammering the provider.
func (r *remote) run(after func(time.Duration) <-chan time.Time) {
	for {
		wait := r.spec.refresh
		if !r.set.Ready() {
			wait = min(wait, max(r.spec.minRefetchInterval, time.Second))
		}
		select {
		case <-r.ctx.Done():
			return
		case <-after(wait):
		}
		r.fetch("refresh")
	}
}
