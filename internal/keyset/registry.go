package keyset

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Options configure a Registry. Every field is optional.
type Options struct {
	// HTTPClient fetches jwks_url. Default: a client of its own with
	// the default transport that follows a redirect only to a URL
	// jwks_url itself could name (https, or http on loopback). Each
	// fetch is bounded by fetch_timeout.
	HTTPClient *http.Client
	// Logger receives fetch failures and skipped keys. Default: none.
	Logger *zap.Logger
	// Now is the clock for refetch rate limiting. Default: time.Now.
	Now func() time.Time
	// After schedules refreshes. Default: time.After. Tests replace it
	// to fire refreshes by hand.
	After func(time.Duration) <-chan time.Time
	// LookupEnv reads hmac_env. Default: os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads jwks_file and pem_files. Default: os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// MaxVerifyWait bounds how long Verify waits for a jwks_url fetch
	// caused by an unknown kid; the fetch itself goes on, bounded by
	// fetch_timeout, and its keys serve later requests. Keep it under
	// the time limit of the calls that verify (Gojinn filters default to
	// 1s per call). Default: 500ms.
	MaxVerifyWait time.Duration
}

// DefaultMaxVerifyWait is Options.MaxVerifyWait's default.
const DefaultMaxVerifyWait = 500 * time.Millisecond

// Registry opens key sets, dedupes them by spec, and owns the goroutines
// that keep remote ones fresh. It is safe for concurrent use.
type Registry struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	sets   map[string]*entry
	closed bool
}

// entry lets concurrent Opens of one spec share a single load.
type entry struct {
	done chan struct{}
	set  *Set
	err  error
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{CheckRedirect: checkRedirect}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	if opts.MaxVerifyWait <= 0 {
		opts.MaxVerifyWait = DefaultMaxVerifyWait
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Registry{opts: opts, ctx: ctx, cancel: cancel, sets: make(map[string]*entry)}
}

// checkRedirect keeps a redirect from downgrading a key set fetch to
// plain http, where the keys could be swapped in transit.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	_, err := checkURL(req.URL.String())
	return err
}

// ErrClosed is returned by Open after Close.
var ErrClosed = errors.New("keyset: registry closed")

// Open returns the key set described by spec (see the package
// documentation). The same spec bytes return the same *Set. With a
// jwks_url, Open returns at once and the first fetch runs in the
// background: until it succeeds, Verify answers ErrUnavailable for the
// keys it would bring. Open never waits on an identity provider, so a
// slow or unreachable one cannot fail (or time out) the filter's load.
func (r *Registry) Open(spec []byte) (*Set, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	if e, ok := r.sets[string(spec)]; ok {
		r.mu.Unlock()
		<-e.done
		return e.set, e.err
	}
	e := &entry{done: make(chan struct{})}
	r.sets[string(spec)] = e
	r.mu.Unlock()

	e.set, e.err = r.load(spec)
	if e.err != nil {
		// Do not keep failures: the file or variable may be fixed
		// before the next attempt.
		r.mu.Lock()
		delete(r.sets, string(spec))
		r.mu.Unlock()
	}
	close(e.done)
	return e.set, e.err
}

// Close stops every refresher and waits for them. Sets stay usable with
// the keys they hold; they are just no longer refreshed.
func (r *Registry) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

func (r *Registry) load(data []byte) (*Set, error) {
	sp, err := parseSpec(data)
	if err != nil {
		return nil, err
	}
	static, err := r.loadStatic(sp)
	if err != nil {
		return nil, err
	}
	s := &Set{static: static}
	if sp.url == nil {
		s.table.Store(newTable(static, nil, true))
		return s, nil
	}
	s.table.Store(newTable(static, nil, false))
	s.remote = &remote{
		set:     s,
		spec:    sp,
		client:  r.opts.HTTPClient,
		log:     r.opts.Logger.With(zap.String("jwks_url", sp.url.Redacted())),
		now:     r.opts.Now,
		ctx:     r.ctx,
		spawn:   r.spawn,
		maxWait: r.opts.MaxVerifyWait,
	}
	r.spawn(func() {
		s.remote.fetch("open")
		s.remote.run(r.opts.After)
	})
	return s, nil
}

// spawn runs fn in a goroutine that Close waits for. Once closed, fn
// runs inline instead: its context is cancelled, so it returns at once,
// and a goroutine started after Close's Wait would be waited for by no one.
func (r *Registry) spawn(fn func()) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		fn()
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		fn()
	}()
}

// loadStatic imports every source but the URL. Any problem is an error:
// these are the operator's own keys, and a typo should fail loudly.
func (r *Registry) loadStatic(sp *spec) ([]*key, error) {
	var keys []*key
	addJWKS := func(data []byte, name string) error {
		ks, problems, err := parseJWKSet(data, jwkSource{name: name, allowOct: true})
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return errors.Join(problems...)
		}
		if len(ks) == 0 {
			return fmt.Errorf("%s: no usable signature key", name)
		}
		keys = append(keys, ks...)
		return nil
	}
	if len(sp.JWKS) > 0 {
		if err := addJWKS(sp.JWKS, "jwks"); err != nil {
			return nil, err
		}
	}
	if sp.JWKSFile != "" {
		data, err := r.opts.ReadFile(sp.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("jwks_file: %w", err)
		}
		if err := addJWKS(data, "jwks_file "+sp.JWKSFile); err != nil {
			return nil, err
		}
	}
	for i, p := range sp.PEM {
		ks, err := parsePEM([]byte(p), fmt.Sprintf("pem[%d]", i))
		if err != nil {
			return nil, err
		}
		keys = append(keys, ks...)
	}
	for _, f := range sp.PEMFiles {
		data, err := r.opts.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("pem_files: %w", err)
		}
		ks, err := parsePEM(data, "pem_files "+f)
		if err != nil {
			return nil, err
		}
		keys = append(keys, ks...)
	}
	if sp.HMACEnv != "" {
		v, ok := r.opts.LookupEnv(sp.HMACEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("hmac_env: environment variable %s is not set", sp.HMACEnv)
		}
		k, err := newHMACKey("", []byte(v), sp.hmacAlg)
		if err != nil {
			return nil, fmt.Errorf("hmac_env %s: %w", sp.HMACEnv, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
