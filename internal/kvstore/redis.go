package kvstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a Redis store (Valkey speaks the same protocol).
type RedisConfig struct {
	Limits
	// URL is the server's, as go-redis parses it for Mode:
	// redis://[user:password@]host:port[/db] or rediss:// for TLS; for
	// Sentinel the sentinels', with ?master_name=<name> and one
	// &addr=host:port per further sentinel; for a cluster one node's, with
	// &addr=host:port per further seed node.
	URL string
	// Mode is how the URL is read: RedisStandalone (the default, also
	// ""), RedisSentinel or RedisCluster.
	Mode string
	// Timeout bounds each operation, connecting included: a slow or dead
	// server costs a request this long at most. Zero means
	// DefaultRedisTimeout.
	Timeout time.Duration
	// PoolSize is how many connections are kept; zero is go-redis's
	// default (10 per CPU).
	PoolSize int
	// Breaker configures when the store stops asking a failing server.
	Breaker BreakerConfig
}

// Redis deployments a store can use.
const (
	// RedisStandalone is one server (or a proxy in front of several).
	RedisStandalone = "standalone"
	// RedisSentinel is a primary found through Sentinel, followed when
	// it fails over; every command goes to the primary, so reads never
	// lag behind writes.
	RedisSentinel = "sentinel"
	// RedisCluster is a Redis Cluster: each key's commands go to the
	// primary of its slot. Every operation is on one key, so each is
	// still atomic (the scripts run where the key lives).
	RedisCluster = "cluster"
)

// DefaultRedisTimeout is a Redis store's per-operation bound when none is
// set: a loopback or same-zone round trip is well under a millisecond.
const DefaultRedisTimeout = 50 * time.Millisecond

// Redis is a store on a Redis server, for state that several Caddy
// processes share. Each operation is one command, or one script where
// Redis has no single command for it (an increment that sets its TTL only
// when it creates the key; a compare-and-swap), so each is atomic on the
// server and costs one round trip. Nothing is retried: a write that may
// have reached the server is not sent twice (an increment would count
// twice). A server that keeps failing trips the breaker (see Breaker).
type Redis struct {
	limits  Limits
	timeout time.Duration
	client  redis.UniversalClient
	breaker *Breaker
}

// NewRedis returns a store for the server at cfg.URL. It does not connect:
// the first operation does, so that Caddy starts while Redis is down (and
// the filters' failure policy applies meanwhile). A bad URL is an error
// that names the URL without its password.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, errors.New("redis store: timeout cannot be negative")
	case timeout == 0:
		timeout = DefaultRedisTimeout
	}
	client, err := newRedisClient(cfg, timeout)
	if err != nil {
		return nil, fmt.Errorf("redis store %s: %w", redactURL(cfg.URL), err)
	}
	breaker, err := NewBreaker(cfg.Breaker)
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis store: %w", err)
	}
	return &Redis{
		limits:  cfg.Limits.withDefaults(),
		timeout: timeout,
		client:  client,
		breaker: breaker,
	}, nil
}

// newRedisClient makes the client of cfg.Mode. Whatever the mode, every
// wait is bounded by timeout, and nothing is retried: a write that may
// have reached a server is never sent twice (a cluster's redirections
// are not retries: the node that redirects did not run the command), and
// a refused dial fails the operation at once (DialerRetries 1), where
// go-redis would wait 100 ms to dial again: past the timeout, so each of
// the breaker's tries of a dead server cost a request the whole timeout.
func newRedisClient(cfg RedisConfig, timeout time.Duration) (redis.UniversalClient, error) {
	switch cfg.Mode {
	case "", RedisStandalone:
		opts, err := redis.ParseURL(cfg.URL)
		if err != nil {
			return nil, err
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
		opts.ContextTimeoutEnabled = true
		opts.MaxRetries, opts.DialerRetries = -1, 1
		if cfg.PoolSize > 0 {
			opts.PoolSize = cfg.PoolSize
		}
		return redis.NewClient(opts), nil
	case RedisSentinel:
		opts, err := redis.ParseFailoverURL(cfg.URL)
		if err != nil {
			return nil, err
		}
		if opts.MasterName == "" {
			return nil, errors.New("a sentinel URL needs ?master_name=<the monitored primary's name>")
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
		opts.ContextTimeoutEnabled = true
		opts.MaxRetries, opts.DialerRetries = -1, 1
		if cfg.PoolSize > 0 {
			opts.PoolSize = cfg.PoolSize
		}
		return redis.NewFailoverClient(opts), nil
	case RedisCluster:
		opts, err := redis.ParseClusterURL(cfg.URL)
		if err != nil {
			return nil, err
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
		opts.ContextTimeoutEnabled = true
		opts.MaxRetries, opts.DialerRetries = -1, 1
		if cfg.PoolSize > 0 {
			opts.PoolSize = cfg.PoolSize
		}
		return redis.NewClusterClient(opts), nil
	}
	return nil, fmt.Errorf("mode %q: want %s, %s or %s", cfg.Mode, RedisStandalone, RedisSentinel, RedisCluster)
}

// redactURL is the URL with any password replaced, for errors and logs.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "(a URL without a scheme)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo := rest[:at]
		if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
			rest = user + ":xxxxx" + rest[at:]
		}
	}
	return scheme + "://" + rest
}

// Close closes the store's connections.
func (r *Redis) Close() error { return r.client.Close() }

// do runs one operation under the store's timeout and breaker, and maps
// what Redis answered to the package's errors.
func (r *Redis) do(ctx context.Context, op func(context.Context) error) error {
	if !r.breaker.Allow() {
		return fmt.Errorf("%w: redis: breaker open after repeated failures", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	err := op(ctx)
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		r.breaker.Record(true)
		return err
	case isReply(err):
		// The server answered: it is up, the command was wrong for the value.
		r.breaker.Record(true)
		if strings.Contains(err.Error(), "not an integer") || strings.Contains(err.Error(), "overflow") {
			return fmt.Errorf("%w: redis: %v", ErrNotInteger, err)
		}
		return fmt.Errorf("redis: %w", err)
	default:
		r.breaker.Record(false)
		return fmt.Errorf("%w: redis: %v", ErrUnavailable, err)
	}
}

// isReply tells an error the server sent from one of the connection.
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, context.DeadlineExceeded)
}

func px(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0 // go-redis: no expiry
	}
	return max(ttl, time.Millisecond) // PX counts milliseconds; less would be none
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, key, dst []byte) ([]byte, bool, error) {
	if err := r.limits.check(key, nil); err != nil {
		return dst, false, err
	}
	var v []byte
	err := r.do(ctx, func(ctx context.Context) (err error) {
		v, err = r.client.Get(ctx, string(key)).Bytes()
		return err
	})
	switch {
	case errors.Is(err, redis.Nil):
		return dst, false, nil
	case err != nil:
		return dst, false, err
	case len(v) > r.limits.MaxValue:
		// Written by someone else with other limits.
		return dst, false, fmt.Errorf("%w: value of %d bytes is over %d", ErrTooLarge, len(v), r.limits.MaxValue)
	}
	return append(dst, v...), true, nil
}

// Set implements Store.
func (r *Redis) Set(ctx context.Context, key, value []byte, ttl time.Duration) error {
	if err := r.limits.check(key, value); err != nil {
		return err
	}
	return r.do(ctx, func(ctx context.Context) error {
		return r.client.Set(ctx, string(key), value, px(ttl)).Err()
	})
}

// SetIfAbsent implements Store.
func (r *Redis) SetIfAbsent(ctx context.Context, key, value []byte, ttl time.Duration) (bool, error) {
	if err := r.limits.check(key, value); err != nil {
		return false, err
	}
	var set bool
	err := r.do(ctx, func(ctx context.Context) (err error) {
		set, err = r.client.SetNX(ctx, string(key), value, px(ttl)).Result()
		return err
	})
	if errors.Is(err, redis.Nil) { // SET NX's answer when the key is there
		return false, nil
	}
	return set, err
}

// casScript swaps KEYS[1] from ARGV[1] to ARGV[2], with a PX of ARGV[3]
// unless it is 0.
var casScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`)

// CompareAndSwap implements Store.
func (r *Redis) CompareAndSwap(ctx context.Context, key, old, value []byte, ttl time.Duration) (bool, error) {
	if err := r.limits.check(key, value); err != nil {
		return false, err
	}
	var n int64
	err := r.do(ctx, func(ctx context.Context) (err error) {
		n, err = casScript.Run(ctx, r.client, []string{string(key)}, old, value, px(ttl).Milliseconds()).Int64()
		return err
	})
	return n == 1, err
}

// incrScript adds ARGV[1] to KEYS[1] and, when the key was not there,
// gives it a PX of ARGV[2] unless that is 0: a window starts with its
// first count and is not extended by the rest.
var incrScript = redis.NewScript(`
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if fresh and ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`)

// Incr implements Store.
func (r *Redis) Incr(ctx context.Context, key []byte, delta int64, ttl time.Duration) (int64, error) {
	if err := r.limits.check(key, nil); err != nil {
		return 0, err
	}
	var n int64
	err := r.do(ctx, func(ctx context.Context) (err error) {
		n, err = incrScript.Run(ctx, r.client, []string{string(key)}, delta, px(ttl).Milliseconds()).Int64()
		return err
	})
	return n, err
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, key []byte) (bool, error) {
	if err := r.limits.check(key, nil); err != nil {
		return false, err
	}
	var n int64
	err := r.do(ctx, func(ctx context.Context) (err error) {
		n, err = r.client.Del(ctx, string(key)).Result()
		return err
	})
	return n == 1, err
}

var _ Store = (*Redis)(nil)
