package kvstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gojinn/gojinn/internal/redistest"
)

// patientRedis is a store whose timeout cannot fire on a loaded machine:
// the tests are about outcomes, not speed.
func patientRedis(t *testing.T, url string, breaker BreakerConfig) *Redis {
	t.Helper()
	r, err := NewRedis(RedisConfig{URL: url, Timeout: 10 * time.Second, Breaker: breaker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRedisOperations(t *testing.T) {
	srv := redistest.Start(t)
	r := patientRedis(t, srv.URL(), BreakerConfig{})
	testOperations(t, func(t *testing.T) Store {
		if err := r.client.FlushDB(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// TestRedisTTL: a window's TTL is set by its first count and not
// extended by later ones, and an entry with a TTL ends.
func TestRedisTTL(t *testing.T) {
	srv := redistest.Start(t)
	r := patientRedis(t, srv.URL(), BreakerConfig{})
	if _, err := r.Incr(ctx, []byte("w"), 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Incr(ctx, []byte("w"), 1, 10*time.Hour); err != nil {
		t.Fatal(err)
	}
	if ttl := r.client.PTTL(ctx, "w").Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("window TTL %v: want the first count's hour, not extended", ttl)
	}
	if n, err := r.Incr(ctx, []byte("forever"), 3, 0); err != nil || n != 3 {
		t.Fatalf("Incr: %d, %v", n, err)
	}
	if ttl := r.client.PTTL(ctx, "forever").Val(); ttl != -1 {
		t.Fatalf("a count without a TTL has TTL %v", ttl)
	}
	if err := r.Set(ctx, []byte("brief"), []byte("x"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.SetIfAbsent(ctx, []byte("claim"), []byte("x"), 2*time.Millisecond); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, brief, _ := r.Get(ctx, []byte("brief"), nil)
		_, claim, _ := r.Get(ctx, []byte("claim"), nil)
		if !brief && !claim {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("entries with a TTL of a millisecond still there after 30 s")
		}
	}
}

// TestRedisDown: with the server gone, operations fail as unavailable
// (never hang: the guard is far past the timeout), the breaker opens and
// then refuses calls without asking; once the server is back, calls
// succeed again without a new store.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	r, err := NewRedis(RedisConfig{URL: srv.URL(), Timeout: 10 * time.Second,
		Breaker: BreakerConfig{Failures: 3, Cooldown: 10 * time.Millisecond, MaxCooldown: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Incr(ctx, []byte("c"), 1, 0); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for i := range 10 {
		_, err := r.Incr(ctx, []byte("c"), 1, 0)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("call %d with the server down: %v, want ErrUnavailable", i, err)
		}
	}
	if st := r.breaker.Stats(); st.Opened == 0 || st.Rejected == 0 {
		t.Fatalf("breaker %+v: want it opened and refusing", st)
	}
	srv.Start(t)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		n, err := r.Incr(ctx, []byte("c"), 1, 0)
		if err == nil {
			if n != 1 { // a server without persistence came back empty
				t.Fatalf("count %d after the restart", n)
			}
			break
		}
		if !errors.Is(err, ErrUnavailable) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing 30 s after the server came back: %v", err)
		}
	}
	if st := r.breaker.Stats(); st.Open {
		t.Fatalf("breaker %+v: still open after a success", st)
	}
}

// TestRedisAcknowledgedSurvivesRestart: what the store acknowledged is
// on the server, so a server that persists each write (appendfsync
// always) has every acknowledged count after it is killed and started
// again. Durability is the server's setting; the store's part is to
// acknowledge only the server's reply and never to send a write twice.
func TestRedisAcknowledgedSurvivesRestart(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	r := patientRedis(t, srv.URL(), BreakerConfig{})
	key := []byte("acknowledged")
	const n = 50
	for i := 1; i <= n; i++ {
		if got, err := r.Incr(ctx, key, 1, time.Hour); err != nil || got != int64(i) {
			t.Fatalf("increment %d: %d, %v", i, got, err)
		}
	}
	srv.Stop() // SIGKILL: no shutdown save
	srv.Start(t)
	got, ok, err := r.Get(ctx, key, nil)
	if err != nil || !ok || string(got) != fmt.Sprint(n) {
		t.Fatalf("after the restart: %q, %t, %v; want the %d acknowledged increments", got, ok, err, n)
	}
	if c, err := r.Incr(ctx, key, 1, time.Hour); err != nil || c != n+1 {
		t.Fatalf("the next increment: %d, %v; want %d", c, err, n+1)
	}
}

func TestRedisConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		cfg  RedisConfig
		want string
	}{
		{RedisConfig{URL: "http://x"}, "redis store http://x"},
		{RedisConfig{URL: "redis://user:s3cret@host:6379/x"}, "redis://user:xxxxx@host:6379/x"},
		{RedisConfig{URL: "redis://host:6379", Timeout: -1}, "timeout cannot be negative"},
		{RedisConfig{URL: "redis://host:6379", Mode: "replica"}, `mode "replica"`},
		{RedisConfig{URL: "redis://user:s3cret@host:26379", Mode: RedisSentinel}, "master_name"},
		{RedisConfig{URL: "redis://user:s3cret@host:7000?addr=host:7001&bogus=1", Mode: RedisCluster}, "bogus"},
		{RedisConfig{URL: "redis://host:6379", Breaker: BreakerConfig{Cooldown: time.Minute, MaxCooldown: time.Second}}, "max cooldown"},
	} {
		_, err := NewRedis(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%+v: %v, want %q and no password", tt.cfg, err, tt.want)
		}
	}
}

// BenchmarkRedisIncr is the rate-limit primitive through a real
// redis-server on loopback: a script call, one round trip.
func BenchmarkRedisIncr(b *testing.B) {
	srv := redistest.Start(b)
	r, err := NewRedis(RedisConfig{URL: srv.URL(), Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	key := []byte("ratelimit:203.0.113.7:window")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Incr(ctx, key, 1, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRedisClientsNeverRetry: in every mode the client sends a command
// once and dials once. A second dial after go-redis's 100 ms back-off
// would come after the store's timeout, so each try the breaker lets
// through to a dead server would cost its request the whole timeout.
func TestRedisClientsNeverRetry(t *testing.T) {
	for _, cfg := range []RedisConfig{
		{URL: "redis://127.0.0.1:1/0"},
		{URL: "redis://127.0.0.1:1?master_name=m", Mode: RedisSentinel},
		{URL: "redis://127.0.0.1:1", Mode: RedisCluster},
	} {
		c, err := newRedisClient(cfg, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		var retries, dials int
		switch c := c.(type) {
		case *redis.Client:
			retries, dials = c.Options().MaxRetries, c.Options().DialerRetries
		case *redis.ClusterClient:
			retries, dials = c.Options().MaxRetries, c.Options().DialerRetries
		default:
			t.Fatalf("mode %q: client %T", cfg.Mode, c)
		}
		c.Close()
		// go-redis keeps a cluster's -1 and makes a client's 0: both
		// are "no retry".
		if retries > 0 || dials != 1 {
			t.Errorf("mode %q: MaxRetries %d, DialerRetries %d; want no retry and one dial", cfg.Mode, retries, dials)
		}
	}
}
