// Command precompile compiles guests to machine code into a compilation
// cache folder, the way filters.Engine does, so that the test binaries
// that load them find the code compiled. wasmbuild runs it when it hands
// out a guest: wazero's compiler is Go code, and under the race detector
// a test binary runs it ten times slower (40 s for the probe instead of
// 3 s on the CI machine).
//
//	go run ./internal/wasmbuild/precompile -cache DIR guest.wasm...
//
// wazero files its cache under its own version, as the binary's record
// of its dependencies gives it, and a test binary has none ("dev"); so
// wasmbuild builds this command with that version set to the one its
// caller sees, and the two share the cache.
//
// Loading a guest also configures it, with no config, which some refuse:
// the machine code is in the cache by then, so a refusal is reported and
// ignored. Any other failure is for the test that loads the guest to
// report; precompile only saves it the compile.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gojinn/gojinn/filters"
)

func main() {
	cache := flag.String("cache", "", "compilation cache folder (filters.EngineConfig.CacheDir)")
	flag.Parse()
	if *cache == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: precompile -cache DIR guest.wasm...")
		os.Exit(2)
	}
	if err := run(*cache, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}

func run(cache string, paths []string) error {
	ctx := context.Background()
	engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: cache})
	if err != nil {
		return err
	}
	defer engine.Close(ctx)
	for _, path := range paths {
		f, err := engine.Load(ctx, filters.Config{Name: filepath.Base(path), Path: path, Timeout: time.Minute})
		if err != nil {
			fmt.Fprintf(os.Stderr, "precompile: %v (the tests that load it report what matters)\n", err)
			continue
		}
		f.Close(ctx)
	}
	return nil
}
