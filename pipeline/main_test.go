package pipeline

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// Test guests, built from source in TestMain.
var (
	probeWasm    []byte
	readsetWasm  []byte
	noopWasm     []byte
	resphdrWasm  []byte
	respbodyWasm []byte
	engine       *filters.Engine
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gojinn-pipeline-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, g := range []struct {
		dir string
		dst *[]byte
	}{
		{"../filters/testdata/probe", &probeWasm},
		{"testdata/readset", &readsetWasm},
		{"testdata/noop", &noopWasm},
		{"testdata/resphdr", &resphdrWasm},
		{"testdata/respbody", &respbodyWasm},
	} {
		path, err := wasmbuild.Go(g.dir)
		if err == nil {
			*g.dst, err = os.ReadFile(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if engine, err = filters.NewEngine(filters.EngineConfig{CacheDir: dir}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer engine.Close(context.Background())
	return m.Run()
}
