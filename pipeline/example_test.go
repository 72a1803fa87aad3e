package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
	"github.com/gojinn/gojinn/pipeline"
)

// A chain of one filter in front of a plain net/http handler: the filter
// (testdata/readset) copies the request's X-In header to X-Out, and the
// handler behind it sees the result.
func ExampleChain_Middleware() {
	ctx := context.Background()
	// A deployment has its filter's .wasm; the example builds it from
	// source, and keeps compiled code where the tests do.
	path, err := wasmbuild.Go("testdata/readset")
	if err != nil {
		log.Fatal(err)
	}
	cacheDir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		log.Fatal(err)
	}
	engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: cacheDir})
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close(ctx)
	// A generous time limit: examples run as tests, on machines under
	// any load.
	f, err := engine.Load(ctx, filters.Config{Name: "readset", Path: path, Timeout: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close(ctx)

	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "next saw X-Out: %s\n", r.Header.Get("X-Out"))
	})
	srv := httptest.NewServer(chain.Middleware(next))
	defer srv.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("X-In", "copied by the filter")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(resp.Status, "\n", string(body))
	// Output:
	// 200 OK
	// next saw X-Out: copied by the filter
}
