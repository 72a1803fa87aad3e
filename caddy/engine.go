package gojinn

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/filters"
)

// The engine lives as long as the process, not a config: compiled modules
// are keyed by content hash inside it, so a reload that keeps a module
// finds it compiled, and the on-disk cache makes a restart cheap too. It
// is made by the first provision that succeeds in making it: a failure
// (a cache folder that cannot be opened, say) is returned to that
// provision and the next one tries again.
var (
	engineMu sync.Mutex
	engine   *filters.Engine
)

// CacheDirEnv names the environment variable that sets where compiled
// modules are cached on disk; "off" keeps them in memory only. The
// default is a folder in Caddy's data directory.
const CacheDirEnv = "GOJINN_CACHE_DIR"

func sharedEngine() (*filters.Engine, error) {
	engineMu.Lock()
	defer engineMu.Unlock()
	if engine != nil {
		return engine, nil
	}
	dir := os.Getenv(CacheDirEnv)
	switch dir {
	case "off":
		dir = ""
	case "":
		dir = filepath.Join(caddy.AppDataDir(), "gojinn", "wasm-cache")
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			caddy.Log().Named("gojinn").Warn("compilation cache disabled: cannot create its folder",
				zap.String("dir", dir), zap.Error(err))
			dir = ""
		}
	}
	e, err := filters.NewEngine(filters.EngineConfig{CacheDir: dir})
	if err != nil {
		return nil, fmt.Errorf("gojinn: starting the wasm engine: %w", err)
	}
	engine = e
	return engine, nil
}
