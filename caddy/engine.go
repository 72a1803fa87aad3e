package gojinn

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/filters"
)

// The engine lives as long as the process, not a config: compiled modules
// are keyed by content hash inside it, so a reload that keeps a module
// finds it compiled, and the on-disk cache makes a restart cheap too.
var (
	engineOnce sync.Once
	engine     *filters.Engine
	engineErr  error
)

// CacheDirEnv names the environment variable that sets where compiled
// modules are cached on disk; "off" keeps them in memory only. The
// default is a folder in Caddy's data directory.
const CacheDirEnv = "GOJINN_CACHE_DIR"

func sharedEngine() (*filters.Engine, error) {
	engineOnce.Do(func() {
		dir := os.Getenv(CacheDirEnv)
		switch dir {
		case "off":
			dir = ""
		case "":
			dir = filepath.Join(caddy.AppDataDir(), "gojinn", "wasm-cache")
		}
		if dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				caddy.Log().Named("gojinn").Warn("compilation cache disabled: cannot create its folder")
				dir = ""
			}
		}
		engine, engineErr = filters.NewEngine(filters.EngineConfig{CacheDir: dir})
	})
	return engine, engineErr
}
