package filters

import (
	"fmt"

	"github.com/gojinn/gojinn/hostabi/host"
)

// DefaultSharedDataStore is the granted store a Proxy-Wasm filter's
// shared data lives on when its Config names none (Caddy's gojinn app
// always has a memory store of this name).
const DefaultSharedDataStore = "default"

// checkSharedData refuses a SharedData that is not one of the granted
// stores.
func (c Config) checkSharedData() error {
	if c.SharedData != "" && c.KVStores[c.SharedData] == nil {
		return fmt.Errorf("shared_data: store %q is not one of the filter's stores (%s)",
			c.SharedData, grantList(c.KVStores))
	}
	return nil
}

// grantList is the granted stores' names for an error: "none" when none.
func grantList(stores host.KVStores) string {
	if len(stores) == 0 {
		return "none"
	}
	return kvGrants(stores)
}

// sharedDataStore is the store a Proxy-Wasm filter's shared data lives
// on: the one SharedData names, else the granted DefaultSharedDataStore,
// else the host's (SharedDataFallback), else none (the shared-data
// functions answer UNIMPLEMENTED). Only Proxy-Wasm has shared data: a
// filter of another dialect that names a store is refused, so that a
// Caddyfile never sets what nothing reads.
func (f *Filter) sharedDataStore() (*host.KVStore, error) {
	switch {
	case f.dialect != dialectProxyWasm && f.cfg.SharedData != "":
		return nil, fmt.Errorf("shared_data: a %s filter has no shared data (only Proxy-Wasm filters do)", f.dialect)
	case f.dialect != dialectProxyWasm:
		return nil, nil
	case f.cfg.SharedData != "":
		return f.cfg.KVStores[f.cfg.SharedData], nil
	}
	if s := f.cfg.KVStores[DefaultSharedDataStore]; s != nil {
		return s, nil
	}
	if f.cfg.SharedDataFallback == nil {
		return nil, nil
	}
	s, err := f.cfg.SharedDataFallback()
	if err != nil {
		return nil, fmt.Errorf("shared data: the default store: %w", err)
	}
	return s, nil
}
