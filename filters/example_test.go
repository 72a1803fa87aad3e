package filters_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// Loading a filter: its module is read, checked against the ABI and
// compiled (once per content hash and engine), and its pool is filled
// with configured instances. An error names the filter and its file.
func ExampleEngine_Load() {
	ctx := context.Background()
	// A deployment has its filter's .wasm; the example builds the test
	// guest from source, and keeps compiled code where the tests do.
	path, err := wasmbuild.Go("testdata/probe")
	if err != nil {
		log.Fatal(err)
	}
	cacheDir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		log.Fatal(err)
	}
	// One engine serves the process; CacheDir keeps compiled machine
	// code on disk, so that a restart does not compile again.
	engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: cacheDir})
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close(ctx)

	f, err := engine.Load(ctx, filters.Config{
		Name:        "probe",
		Path:        path,
		GuestConfig: []byte(`{"tag": "example"}`),
		Timeout:     time.Minute, // generous: examples run as tests, on machines under any load
		PoolMin:     2,
		PoolMax:     4,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close(ctx)
	fmt.Println(f.Name(), "has", f.Stats().Live, "instances ready; response phase:", f.HasResponse())

	// A config the guest refuses fails the load with the guest's reason.
	wasm, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	_, err = engine.Load(ctx, filters.Config{Name: "strict", Wasm: wasm, GuestConfig: []byte(`{"refuse": "no key given"}`), Timeout: time.Minute})
	fmt.Println(err)
	_, err = engine.Load(ctx, filters.Config{Name: "missing", Path: "/nonexistent/filter.wasm"})
	fmt.Println(err)
	// Output:
	// probe has 2 instances ready; response phase: false
	// filter strict: gojinn_configure refused the config (result 1): configure: no key given
	// filter missing (/nonexistent/filter.wasm): stat /nonexistent/filter.wasm: no such file or directory
}
