package jwtauth

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestCache checks that a repeated token skips the signature check but
// not the time checks, and that entries never outlive exp or cache_ttl.
func TestCache(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"leeway":"10s","cache_ttl":"2m","claims_to_headers":{"sub":"X-User"}}`, &now)
	short := mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims("exp", t0.Add(time.Minute).Unix()))
	long := mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims("exp", t0.Add(time.Hour).Unix()))
	steps := []struct {
		name     string
		at       time.Duration // since t0
		tok      string
		status   int
		verifies int // signature checks so far
	}{
		{"first use verifies", 0, short, 0, 1},
		{"second use is cached", time.Second, short, 0, 1},
		{"still cached within exp", 69 * time.Second, short, 0, 1},
		{"past exp plus leeway", 70 * time.Second, short, 401, 2},
		{"another token verifies", 0, long, 0, 3},
		{"and is cached", time.Minute, long, 0, 3},
		{"cache_ttl forces a re-verify", 2*time.Minute + time.Second, long, 0, 4},
		{"cached again", 3 * time.Minute, long, 0, 4},
	}
	for _, s := range steps {
		now = t0.Add(s.at)
		d := a.Authenticate(bearer(s.tok))
		if s.status == 0 {
			checkDecision(t, d, 0, "")
			if len(d.Set) != 1 || d.Set[0] != (Header{"X-User", "alice"}) {
				t.Errorf("%s: headers %q", s.name, d.Set)
			}
		} else {
			checkDecision(t, d, s.status, descExpired)
		}
		if got := v.count(); got != s.verifies {
			t.Errorf("%s: %d signature checks, want %d", s.name, got, s.verifies)
		}
	}
}

// TestCacheRechecksNbf moves the clock back under a cached token: nbf
// and iat are checked on every use.
func TestCacheRechecksNbf(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{}`, &now)
	tok := mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims("nbf", t0.Unix(), "iat", nil))
	checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	now = t0.Add(-time.Minute)
	checkDecision(t, a.Authenticate(bearer(tok)), 401, descNotYet)
	if v.count() != 1 {
		t.Errorf("%d signature checks, want 1", v.count())
	}
}

// TestCacheFailuresNotCached: a token that fails is checked in full
// every time, so a fixed clock or key set takes effect at once.
func TestCacheFailuresNotCached(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"issuer":"someone-else"}`, &now)
	tok := mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims())
	for range 3 {
		checkDecision(t, a.Authenticate(bearer(tok)), 401, descIssuer)
	}
	if v.count() != 3 || a.CacheLen() != 0 {
		t.Errorf("%d checks, %d cached; want 3 and 0", v.count(), a.CacheLen())
	}
}

func TestCacheBounded(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"cache_size":3}`, &now)
	toks := make([]string, 5)
	for i := range toks {
		toks[i] = mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims("sub", fmt.Sprint(i)))
		checkDecision(t, a.Authenticate(bearer(toks[i])), 0, "")
	}
	if a.CacheLen() != 3 {
		t.Fatalf("cache holds %d, want 3", a.CacheLen())
	}
	before := v.count()
	checkDecision(t, a.Authenticate(bearer(toks[4])), 0, "") // newest: cached
	checkDecision(t, a.Authenticate(bearer(toks[0])), 0, "") // oldest: evicted
	if got := v.count() - before; got != 1 {
		t.Errorf("%d re-verifications, want 1 (the evicted token)", got)
	}
	if a.CacheLen() != 3 {
		t.Fatalf("cache holds %d after reinsert, want 3", a.CacheLen())
	}
}

func TestCacheDisabled(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"cache_size":0}`, &now)
	tok := mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims())
	for range 3 {
		checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	}
	if v.count() != 3 {
		t.Errorf("%d signature checks with the cache off, want 3", v.count())
	}
}

// TestConcurrentAuthenticate is for the race detector: natively, one
// Authenticator may serve many goroutines.
func TestConcurrentAuthenticate(t *testing.T) {
	k := keys(t)
	now := t0
	a, _ := newAuth(t, `{"cache_size":4,"claims_to_headers":{"sub":"X-User"}}`, &now)
	toks := make([]string, 8)
	for i := range toks {
		toks[i] = mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims("sub", fmt.Sprint(i)))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				n := (i + g) % len(toks)
				d := a.Authenticate(bearer(toks[n]))
				if d.Outcome != Allow || d.Set[0].Value != fmt.Sprint(n) {
					t.Errorf("token %d: %+v", n, d)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCacheSameTail: tokens sharing their last bytes (and so their cache
// key) never stand in for each other.
func TestCacheSameTail(t *testing.T) {
	c := newCache(4)
	tail := strings.Repeat("s", 16)
	a := &verified{token: "aaaa." + tail, until: 100}
	c.put(a)
	if c.get("bbbb."+tail, 0) != nil {
		t.Fatal("a token with the same tail hit another's entry")
	}
	if c.get(a.token, 0) != a {
		t.Fatal("miss on the cached token")
	}
	b := &verified{token: "bbbb." + tail, until: 100}
	c.put(b)
	if c.get(a.token, 0) != nil || c.get(b.token, 0) != b {
		t.Fatal("the newer token should own the slot")
	}
	for _, s := range []string{"", "x", "0123456789abcdef0", tail + "x"} {
		if !sameToken(s, strings.Clone(s)) || sameToken(s, s+"y") || (len(s) > 0 && sameToken(s, "y"+s[1:])) {
			t.Errorf("sameToken wrong on %q", s)
		}
	}
}

// TestFarFutureExp: an exp beyond int64 nanoseconds still caches, bounded
// by cache_ttl.
func TestFarFutureExp(t *testing.T) {
	k := keys(t)
	now := t0
	a, v := newAuth(t, `{"cache_ttl":"1m"}`, &now)
	tok := mint(t, jwt.SigningMethodHS256, k.secret, "hs1", claims("exp", 1e300))
	checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	now = t0.Add(2 * time.Minute)
	checkDecision(t, a.Authenticate(bearer(tok)), 0, "")
	if v.count() != 2 {
		t.Errorf("%d signature checks, want 2 (one per cache_ttl)", v.count())
	}
}

// TestCacheFrontShared: entries that share a front slot (forced here by
// a one-slot front) are all found, and eviction and expiry clear the slot
// only of the entry they remove.
func TestCacheFrontShared(t *testing.T) {
	c := newCache(2)
	c.front, c.mask = c.front[:1], 0
	a := &verified{token: "a.a.a", until: 100}
	b := &verified{token: "b.b.b", until: 200}
	c.put(a)
	c.put(b) // takes the front slot from a
	if c.get(a.token, 0) != a || c.get(b.token, 0) != b {
		t.Fatal("an entry sharing the front slot was not found")
	}
	d := &verified{token: "d.d.d", until: 300}
	c.put(d) // evicts a, the oldest; d takes the slot
	if c.get(a.token, 0) != nil {
		t.Fatal("the evicted entry was still found")
	}
	if c.get(b.token, 0) != b || c.get(d.token, 0) != d {
		t.Fatal("a live entry was lost with the evicted one")
	}
	if c.get(d.token, 300) != nil || c.get(d.token, 0) != nil {
		t.Fatal("an expired entry was found")
	}
	if c.get(b.token, 0) != b || c.len() != 1 {
		t.Fatalf("after d expired: b missing or %d entries, want 1", c.len())
	}
}
