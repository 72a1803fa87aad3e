package kvstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gojinn/gojinn/internal/redistest"
)

// The Sentinel and Cluster modes against real servers on loopback: the
// same operations as a single server's (testOperations), through each
// deployment's own client.

// TestRedisSentinel finds the primary through a sentinel that monitors
// it, and the writes land on that primary.
func TestRedisSentinel(t *testing.T) {
	primary := redistest.Start(t)
	conf := filepath.Join(t.TempDir(), "sentinel.conf") // Sentinel rewrites it: it must be its own
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("sentinel monitor gojinn 127.0.0.1 %d 1\n", primary.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	sentinel := redistest.Start(t, conf, "--sentinel")
	r, err := NewRedis(RedisConfig{Mode: RedisSentinel, Timeout: 10 * time.Second,
		URL: fmt.Sprintf("redis://%s?master_name=gojinn", sentinel.Addr())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	testOperations(t, func(t *testing.T) Store {
		if err := r.client.FlushDB(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		return r
	})
	if _, err := r.Incr(ctx, []byte("through-sentinel"), 5, 0); err != nil {
		t.Fatal(err)
	}
	direct := patientRedis(t, primary.URL(), BreakerConfig{})
	got, ok, err := direct.Get(ctx, []byte("through-sentinel"), nil)
	if err != nil || !ok || string(got) != "5" {
		t.Fatalf("the primary holds %q, %t, %v; want the count of 5 written through the sentinel", got, ok, err)
	}
}

// TestRedisCluster runs the operations on a cluster of three primaries,
// each holding a third of the slots, and the keys spread over all three.
func TestRedisCluster(t *testing.T) {
	nodes := make([]*redistest.Server, 3)
	for i := range nodes {
		nodes[i] = redistest.Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	formCluster(t, nodes)
	r, err := NewRedis(RedisConfig{Mode: RedisCluster, Timeout: 10 * time.Second,
		URL: fmt.Sprintf("redis://%s?addr=%s&addr=%s", nodes[0].Addr(), nodes[1].Addr(), nodes[2].Addr())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	cluster := r.client.(*redis.ClusterClient)
	flush := func(t *testing.T) {
		if err := cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.FlushDB(ctx).Err()
		}); err != nil {
			t.Fatal(err)
		}
	}
	testOperations(t, func(t *testing.T) Store {
		flush(t)
		return r
	})
	flush(t)
	const keys = 60
	for i := range keys {
		if n, err := r.Incr(ctx, fmt.Appendf(nil, "spread:%d", i), 1, time.Hour); err != nil || n != 1 {
			t.Fatalf("Incr of key %d: %d, %v", i, n, err)
		}
	}
	total := int64(0)
	for i, node := range nodes {
		c := redis.NewClient(&redis.Options{Addr: node.Addr()})
		n, err := c.DBSize(ctx).Result()
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("node %d holds none of %d keys: the client did not route by slot", i, keys)
		}
		total += n
	}
	if total != keys {
		t.Errorf("the nodes hold %d keys in all, want %d", total, keys)
	}
}

// formCluster gives each node a third of the 16,384 slots, introduces
// them to each other and waits until every node says the cluster is ok.
func formCluster(t *testing.T, nodes []*redistest.Server) {
	t.Helper()
	clients := make([]*redis.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
		t.Cleanup(func() { _ = clients[i].Close() })
	}
	const slots = 16384
	for i, c := range clients {
		first, last := i*slots/len(nodes), (i+1)*slots/len(nodes)-1
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", first, last).Err(); err != nil {
			t.Fatalf("node %d: CLUSTER ADDSLOTSRANGE %d %d: %v", i, first, last, err)
		}
	}
	for i := 1; i < len(nodes); i++ {
		if err := clients[0].Do(ctx, "CLUSTER", "MEET", "127.0.0.1", nodes[i].Port).Err(); err != nil {
			t.Fatalf("CLUSTER MEET node %d: %v", i, err)
		}
	}
	// A guard that only fires on a hang: the nodes gossip in about a second.
	for deadline := time.Now().Add(60 * time.Second); ; {
		ok := 0
		for _, c := range clients {
			if info, err := c.ClusterInfo(ctx).Result(); err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(nodes))) {
				ok++
			}
		}
		if ok == len(clients) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the cluster did not become ok within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
