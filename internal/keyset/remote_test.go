package keyset

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer serves a JWK Set that tests swap at will.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
	etag   string
	hits   atomic.Int32
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, status, etag := s.body, s.status, s.etag
		s.mu.Unlock()
		if etag != "" && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

// fakeClock drives rate limiting and refreshes by hand.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	tick chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), tick: make(chan time.Time)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(time.Duration) <-chan time.Time { return c.tick }

// refresh fires the refresher's timer once.
func (c *fakeClock) refresh(t *testing.T) {
	t.Helper()
	select {
	case c.tick <- c.Now():
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("refresher is not waiting")
	}
}

func (c *fakeClock) options(srv *jwksServer) Options {
	return Options{HTTPClient: srv.Client(), Now: c.Now, After: c.After}
}

// eventually waits for cond, failing the test if it does not come true
// within a guard against a hang (not a time it is expected to take).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type signed struct {
	kid      string
	msg, sig []byte
}

func signedBy(t *testing.T, priv any, kid string) signed {
	msg := []byte("eyJraWQiOiIiLCJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0-" + kid)
	return signed{kid, msg, sign(t, "ES256", priv, msg)}
}

func (s signed) verify(set *Set) error { return set.Verify("ES256", s.kid, s.msg, s.sig) }

func TestRemoteRotation(t *testing.T) {
	k := keys(t)
	other := keys(t).p256 // k1 and k2 may share key material; kids differ
	srv := newJWKSServer(t, jwksJSON(t, publicJWK(t, k.p256, "k1", "ES256")))
	clock := newFakeClock()
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL, "min_refetch_interval", "30s"))
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("Open fetched %d times, want 1", got)
	}
	t1, t2, t3 := signedBy(t, k.p256, "k1"), signedBy(t, other, "k2"), signedBy(t, other, "k3")
	if err := t1.verify(set); err != nil {
		t.Fatalf("k1: %s", errName(err))
	}

	srv.serve(http.StatusOK, jwksJSON(t, publicJWK(t, k.p256, "k1", "ES256"), publicJWK(t, other, "k2", "ES256")))
	steps := []struct {
		name    string
		advance time.Duration
		tok     signed
		want    error
		hits    int32
	}{
		{"new kid within the interval is not fetched", 10 * time.Second, t2, ErrUnknownKey, 1},
		{"new kid after the interval is fetched", 25 * time.Second, t2, nil, 2},
		{"known kid needs no fetch", time.Hour, t1, nil, 2},
		{"unknown kid right after a fetch", 0, t3, ErrUnknownKey, 3},
		{"unknown kid again is rate limited", 29 * time.Second, t3, ErrUnknownKey, 3},
		{"unknown kid after the interval", 2 * time.Second, t3, ErrUnknownKey, 4},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if err := s.tok.verify(set); err != s.want {
			t.Errorf("%s: Verify = %s, want %s", s.name, errName(err), errName(s.want))
		}
		if got := srv.hits.Load(); got != s.hits {
			t.Errorf("%s: %d fetches, want %d", s.name, got, s.hits)
		}
	}
}

func TestRemoteUnknownKidStampede(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	clock := newFakeClock()
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL))
	clock.Advance(time.Minute)
	tok := signedBy(t, k.p256, "nope")
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if err := tok.verify(set); err != ErrUnknownKey {
				t.Errorf("Verify = %s, want ErrUnknownKey", errName(err))
			}
		})
	}
	wg.Wait()
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches for 32 concurrent unknown kids, want 1 after open's", got-1)
	}
}

func TestRemoteUnavailableThenRecovers(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, []byte("oops"))
	srv.serve(http.StatusInternalServerError, []byte("oops"))
	clock := newFakeClock()
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL))
	if set.Ready() {
		t.Fatal("Ready after a failed first fetch")
	}
	tok := signedBy(t, k.p256, "k1")
	for _, kid := range []string{"k1", ""} {
		tok.kid = kid
		if err := tok.verify(set); err != ErrUnavailable {
			t.Errorf("kid %q before load: Verify = %s, want ErrUnavailable", kid, errName(err))
		}
	}
	srv.serve(http.StatusOK, jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	clock.refresh(t)
	eventually(t, "the key set to load", set.Ready)
	tok.kid = "k1"
	if err := tok.verify(set); err != nil {
		t.Errorf("after load: Verify = %s, want nil", errName(err))
	}
}

func TestRemoteRefresh(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, publicJWK(t, k.p256, "old", "")))
	clock := newFakeClock()
	// A long min_refetch_interval: only the refresh may load new keys.
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL, "min_refetch_interval", "1h", "refresh", "5m"))
	oldTok, newTok := signedBy(t, k.p256, "old"), signedBy(t, k.p384, "new")
	newTok.sig = sign(t, "ES384", k.p384, newTok.msg)
	verifyNew := func() error { return set.Verify("ES384", "new", newTok.msg, newTok.sig) }

	srv.serve(http.StatusOK, jwksJSON(t, publicJWK(t, k.p384, "new", "ES384")))
	if err := verifyNew(); err != ErrUnknownKey {
		t.Fatalf("before refresh: Verify = %s, want ErrUnknownKey", errName(err))
	}
	clock.refresh(t)
	eventually(t, "the rotated key", func() bool { return verifyNew() == nil })
	if err := oldTok.verify(set); err != ErrUnknownKey {
		t.Errorf("retired key: Verify = %s, want ErrUnknownKey", errName(err))
	}

	// A failed refresh keeps the last good keys.
	hits := srv.hits.Load()
	srv.serve(http.StatusBadGateway, nil)
	clock.refresh(t)
	eventually(t, "the failed refresh", func() bool { return srv.hits.Load() > hits })
	clock.refresh(t) // the loop is back waiting, so the fetch above ended
	if err := verifyNew(); err != nil {
		t.Errorf("after a failed refresh: Verify = %s, want nil", errName(err))
	}
}

func TestRemoteNotModified(t *testing.T) {
	k := keys(t)
	srv := newJWKSServer(t, jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	srv.etag = `"v1"`
	clock := newFakeClock()
	set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL))
	clock.refresh(t)
	clock.refresh(t)
	if got := srv.hits.Load(); got < 2 {
		t.Fatalf("%d fetches, want the refresh too", got)
	}
	if err := signedBy(t, k.p256, "k1").verify(set); err != nil {
		t.Errorf("after 304: Verify = %s, want nil", errName(err))
	}
}

func TestRemoteRefusesSecrets(t *testing.T) {
	k := keys(t)
	cases := []struct {
		name  string
		body  []byte
		ready bool
		keys  int
	}{
		{"oct beside a public key", jwksJSON(t, publicJWK(t, k.secret, "s", ""), publicJWK(t, k.p256, "k1", "")), true, 1},
		{"only oct", jwksJSON(t, publicJWK(t, k.secret, "s", "")), false, 0},
		{"private key material", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`), false, 0},
		{"malformed key beside a good one", []byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},` + string(jwksJSON(t, publicJWK(t, k.ed, "e", "")))[9:]), true, 1},
		{"not JSON", []byte("<html>"), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newJWKSServer(t, c.body)
			clock := newFakeClock()
			set := openSpec(t, clock.options(srv), specJSON(t, "jwks_url", srv.URL))
			if set.Ready() != c.ready || set.Len() != c.keys {
				t.Errorf("Ready %v with %d keys, want %v with %d", set.Ready(), set.Len(), c.ready, c.keys)
			}
		})
	}
}

// deadlines is a transport that records how long each request had left
// of its context's deadline when it was sent.
type deadlines struct {
	rt   http.RoundTripper
	left chan time.Duration
}

func (d deadlines) RoundTrip(r *http.Request) (*http.Response, error) {
	left := time.Duration(-1)
	if dl, ok := r.Context().Deadline(); ok {
		left = time.Until(dl)
	}
	select {
	case d.left <- left:
	default:
	}
	return d.rt.RoundTrip(r)
}

// TestRemoteFetchTimeout: a provider that never answers is given up on
// after fetch_timeout. The fetch carries that deadline (time only takes
// from what is left, so a slow machine cannot fail this), and it ends
// while the provider is still holding the request.
func TestRemoteFetchTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	clock := newFakeClock()
	client := srv.Client()
	rec := deadlines{rt: client.Transport, left: make(chan time.Duration, 1)}
	client.Transport = rec
	const timeout = 50 * time.Millisecond
	set := openSpec(t, Options{HTTPClient: client, Now: clock.Now, After: clock.After},
		specJSON(t, "jwks_url", srv.URL, "fetch_timeout", timeout.String()))
	if left := <-rec.left; left < 0 || left > timeout {
		t.Errorf("the fetch was sent with %v left of its deadline, want at most the fetch_timeout %v", left, timeout)
	}
	if set.Ready() {
		t.Error("Ready after a timed-out fetch")
	}
}

func TestRedirectPolicy(t *testing.T) {
	cases := []struct {
		to string
		ok bool
	}{
		{"https://idp.example/jwks", true},
		{"http://127.0.0.1:8080/jwks", true},
		{"http://idp.example/jwks", false},
		{"ftp://idp.example/jwks", false},
	}
	for _, c := range cases {
		req, err := http.NewRequest("GET", c.to, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkRedirect(req, nil); (err == nil) != c.ok {
			t.Errorf("redirect to %s: %v, want ok=%v", c.to, err, c.ok)
		}
	}
	req, _ := http.NewRequest("GET", "https://idp.example/jwks", nil)
	if checkRedirect(req, make([]*http.Request, 5)) == nil {
		t.Error("a sixth redirect was followed")
	}
}

// TestRemoteSlowRefetch: a slow provider holds a request no longer than
// MaxVerifyWait; the fetch completes in the background and its keys
// serve the next request. The provider holds the fetch until the test
// lets it go and fetch_timeout is an hour, so a Verify that waited for
// the fetch would hang: the guard, not a time limit, is what would fail.
func TestRemoteSlowRefetch(t *testing.T) {
	k := keys(t)
	release := make(chan struct{})
	var slow atomic.Bool
	var body atomic.Value
	body.Store(jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Write(body.Load().([]byte))
	}))
	t.Cleanup(srv.Close)
	clock := newFakeClock()
	opts := Options{HTTPClient: srv.Client(), Now: clock.Now, After: clock.After, MaxVerifyWait: 50 * time.Millisecond}
	set := openSpec(t, opts, specJSON(t, "jwks_url", srv.URL, "fetch_timeout", "1h"))

	slow.Store(true)
	body.Store(jwksJSON(t, publicJWK(t, k.p256, "k1", ""), publicJWK(t, k.p384, "k2", "")))
	clock.Advance(time.Minute)
	msg := []byte("a.b")
	sig := sign(t, "ES384", k.p384, msg)
	verified := make(chan error, 1)
	go func() { verified <- set.Verify("ES384", "k2", msg, sig) }()
	select {
	case err := <-verified:
		if err != ErrUnknownKey {
			t.Fatalf("during the slow fetch: Verify = %s, want ErrUnknownKey", errName(err))
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("Verify waited for the slow fetch, past MaxVerifyWait")
	}
	close(release)
	eventually(t, "the background fetch to land", func() bool { return set.Verify("ES384", "k2", msg, sig) == nil })
}

// TestOpenDoesNotWaitForProvider: a provider that has not answered yet
// holds neither Open nor Verify. Verify is given all the time in the
// world to wait for a refetch, so a Verify that waited would hang here.
func TestOpenDoesNotWaitForProvider(t *testing.T) {
	k := keys(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(jwksJSON(t, publicJWK(t, k.p256, "k1", "")))
	}))
	t.Cleanup(srv.Close)
	r := NewRegistry(Options{HTTPClient: srv.Client(), MaxVerifyWait: time.Hour})
	t.Cleanup(r.Close)
	opened := make(chan *Set)
	go func() {
		// A fetch timeout longer than the test: an Open that waited for
		// the first fetch would wait for the release below.
		s, err := r.Open(specJSON(t, "jwks_url", srv.URL, "fetch_timeout", "1h"))
		if err != nil {
			t.Error(err)
		}
		opened <- s
	}()
	var set *Set
	select {
	case set = <-opened:
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("Open waited for the provider")
	}
	tok := signedBy(t, k.p256, "k1")
	verified := make(chan error)
	go func() { verified <- tok.verify(set) }()
	select {
	case err := <-verified:
		if err != ErrUnavailable {
			t.Fatalf("before the provider answered: Verify = %s, want ErrUnavailable", errName(err))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Verify waited for the provider")
	}
	close(release)
	eventually(t, "the key set to load", set.Ready)
	if err := tok.verify(set); err != nil {
		t.Fatalf("after the provider answered: Verify = %s", errName(err))
	}
}
