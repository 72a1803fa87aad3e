package gojinn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/internal/kvstore"
)

func init() {
	caddy.RegisterModule(App{})
}

// App is the `gojinn` app: what a Caddy process's filters share. Today,
// the key-value stores, each made once per name and kept across config
// reloads while its configuration stays the same, so that a reload
// neither forgets a rate limit's counts nor reconnects to Redis.
//
// A memory store named "default" exists when no store has that name.
type App struct {
	// Stores by name.
	Stores map[string]*StoreConfig `json:"stores,omitempty"`

	stores map[string]*namedStore
	logger *zap.Logger
}

// StoreConfig configures one store.
type StoreConfig struct {
	// Type is "memory" (in-process; the default) or "redis".
	Type string `json:"type,omitempty"`
	// MaxKey and MaxValue bound an entry, in bytes (defaults 1 KiB and
	// 64 KiB).
	MaxKey   int `json:"max_key,omitempty"`
	MaxValue int `json:"max_value,omitempty"`
	// MaxBytes bounds a memory store (default 64 MiB).
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// URL is a Redis store's server (redis:// or rediss://); it may hold
	// a password, which no error or log repeats.
	URL string `json:"url,omitempty"`
	// Mode is how a Redis store reads its URL: "standalone" (the
	// default), "sentinel" (the sentinels' addresses, with
	// ?master_name=) or "cluster" (seed nodes, one more per &addr=).
	Mode string `json:"mode,omitempty"`
	// Timeout bounds each Redis operation (default 50ms).
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// PoolSize is the Redis connections kept (default 10 per CPU).
	PoolSize int `json:"pool_size,omitempty"`
	// Failures in a row open a Redis store's breaker (default 5), for
	// Cooldown (default 500ms), doubled while tries fail, up to
	// MaxCooldown (default 30s).
	Failures    int            `json:"failures,omitempty"`
	Cooldown    caddy.Duration `json:"cooldown,omitempty"`
	MaxCooldown caddy.Duration `json:"max_cooldown,omitempty"`
	// OnError is what a filter's store call does when a Redis store
	// cannot answer: "fail_open" hands the guest an unavailable result
	// to decide on, "fail_closed" fails the request (503). Required for
	// a Redis store: which is right depends on what the state guards.
	OnError string `json:"on_error,omitempty"`
}

// Store failure policies.
const (
	FailOpen   = "fail_open"
	FailClosed = "fail_closed"
)

// DefaultStore is the name of the memory store every Caddy has.
const DefaultStore = "default"

// storeNameRE is what a store's name may be: it goes in metrics labels
// and in filters' calls.
var storeNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// CaddyModule returns the Caddy module information.
func (App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "gojinn",
		New: func() caddy.Module { return new(App) },
	}
}

// namedStore is a store as the pool keeps it: the store, its policy, and
// what closes it when no config holds it any more.
type namedStore struct {
	name     string
	store    kvstore.Store
	failOpen bool
	close    func() error
	// metrics are the store's series, looked up once per store.
	metrics *storeMetrics
}

// Destruct closes the store (caddy.Destructor).
func (s *namedStore) Destruct() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// storePool keeps the stores across config reloads: a reload loads the
// new config's stores (finding the same ones) before it cleans up the
// old config's, so a store whose configuration did not change is never
// made twice.
var storePool = caddy.NewUsagePool()

// Provision makes or finds the stores.
func (a *App) Provision(ctx caddy.Context) error {
	a.logger = ctx.Logger()
	if err := a.Validate(); err != nil {
		return err
	}
	cfgs := make(map[string]*StoreConfig, len(a.Stores)+1)
	for name, c := range a.Stores {
		cfgs[name] = c
	}
	if cfgs[DefaultStore] == nil {
		cfgs[DefaultStore] = &StoreConfig{Type: "memory"}
	}
	a.stores = make(map[string]*namedStore, len(cfgs))
	names := make([]string, 0, len(cfgs))
	for name := range cfgs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := cfgs[name]
		key, err := c.poolKey(name)
		if err != nil {
			a.release()
			return err
		}
		v, loaded, err := storePool.LoadOrNew(key, func() (caddy.Destructor, error) { return c.open(name) })
		if err != nil {
			a.release()
			return fmt.Errorf("gojinn store %q: %w", name, err)
		}
		s := v.(*namedStore)
		a.stores[name] = s
		a.logger.Debug("store ready", zap.String("store", name), zap.String("type", c.typ()), zap.Bool("kept_from_the_last_config", loaded))
	}
	return nil
}

// Validate checks the stores' configuration without opening any.
func (a *App) Validate() error {
	for name, c := range a.Stores {
		if !storeNameRE.MatchString(name) {
			return fmt.Errorf("gojinn store %q: a name is 1 to 64 letters, digits, '_', '-' or '.'", name)
		}
		if c == nil {
			return fmt.Errorf("gojinn store %q: no configuration", name)
		}
		if err := c.validate(); err != nil {
			return fmt.Errorf("gojinn store %q: %w", name, err)
		}
	}
	return nil
}

func (c *StoreConfig) typ() string {
	if c.Type == "" {
		return "memory"
	}
	return c.Type
}

func (c *StoreConfig) validate() error {
	switch c.typ() {
	case "memory":
		if c.URL != "" || c.Mode != "" || c.OnError != "" || c.Timeout != 0 || c.PoolSize != 0 || c.Failures != 0 || c.Cooldown != 0 || c.MaxCooldown != 0 {
			return errors.New("a memory store takes only max_key, max_value and max_bytes")
		}
		_, err := kvstore.NewMemory(c.memoryConfig()) // cheap: checks the bounds
		return err
	case "redis":
		if c.MaxBytes != 0 {
			return errors.New("max_bytes is a memory store's: bound a Redis server with its maxmemory")
		}
		if c.URL == "" {
			return errors.New("a redis store needs a url")
		}
		switch c.Mode {
		case "", kvstore.RedisStandalone, kvstore.RedisSentinel, kvstore.RedisCluster:
		default:
			return fmt.Errorf("mode %q: want %s, %s or %s", c.Mode, kvstore.RedisStandalone, kvstore.RedisSentinel, kvstore.RedisCluster)
		}
		switch c.OnError {
		case FailOpen, FailClosed:
		case "":
			return errors.New("a redis store needs on_error fail_open or fail_closed: which is right depends on what the state guards")
		default:
			return fmt.Errorf("on_error %q: want fail_open or fail_closed", c.OnError)
		}
		if c.Timeout < 0 || c.Cooldown < 0 || c.MaxCooldown < 0 || c.PoolSize < 0 || c.Failures < 0 || c.MaxKey < 0 || c.MaxValue < 0 {
			return errors.New("values cannot be negative")
		}
		return nil
	default:
		return fmt.Errorf("type %q: want memory or redis", c.Type)
	}
}

func (c *StoreConfig) memoryConfig() kvstore.MemoryConfig {
	return kvstore.MemoryConfig{Limits: kvstore.Limits{MaxKey: c.MaxKey, MaxValue: c.MaxValue}, MaxBytes: c.MaxBytes}
}

// poolKey names a store in the pool by its name and configuration: a
// reload that changes a store's configuration makes a new store.
func (c *StoreConfig) poolKey(name string) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("gojinn store %q: %w", name, err)
	}
	sum := sha256.Sum256(b) // the URL's password stays out of the key
	return "gojinn.store." + name + "." + hex.EncodeToString(sum[:8]), nil
}

// open makes the store c describes.
func (c *StoreConfig) open(name string) (*namedStore, error) {
	switch c.typ() {
	case "memory":
		m, err := kvstore.NewMemory(c.memoryConfig())
		if err != nil {
			return nil, err
		}
		return &namedStore{name: name, store: m, metrics: newStoreMetrics(name)}, nil
	default:
		r, err := kvstore.NewRedis(kvstore.RedisConfig{
			Limits:   kvstore.Limits{MaxKey: c.MaxKey, MaxValue: c.MaxValue},
			URL:      c.URL,
			Mode:     c.Mode,
			Timeout:  time.Duration(c.Timeout),
			PoolSize: c.PoolSize,
			Breaker: kvstore.BreakerConfig{
				Failures: c.Failures, Cooldown: time.Duration(c.Cooldown), MaxCooldown: time.Duration(c.MaxCooldown),
			},
		})
		if err != nil {
			return nil, err
		}
		return &namedStore{name: name, store: r, failOpen: c.OnError == FailOpen, close: r.Close,
			metrics: newStoreMetrics(name)}, nil
	}
}

// Store returns the named store, nil when there is none.
func (a *App) Store(name string) kvstore.Store {
	if s := a.stores[name]; s != nil {
		return s.store
	}
	return nil
}

// storeNames lists the app's stores, for an error naming a missing one.
func (a *App) storeNames() string {
	names := make([]string, 0, len(a.stores))
	for name := range a.stores {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Start implements caddy.App: the stores are ready once provisioned.
func (a *App) Start() error { return nil }

// Stop implements caddy.App.
func (a *App) Stop() error { return nil }

// Cleanup gives the config's hold on its stores back; a store no config
// holds is closed.
func (a *App) Cleanup() error {
	a.release()
	return nil
}

func (a *App) release() {
	for name, s := range a.stores {
		c := a.Stores[name]
		if c == nil {
			c = &StoreConfig{Type: "memory"}
		}
		key, err := c.poolKey(name)
		if err != nil {
			continue
		}
		if _, err := storePool.Delete(key); err != nil && a.logger != nil {
			a.logger.Warn("closing a store", zap.String("store", s.name), zap.Error(err))
		}
	}
	a.stores = nil
}

// Interface guards.
var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.Validator    = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)
