package gojinn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// Guests the end-to-end tests load, built from source in TestMain; the
// function probe as a command (a plain go build, nothing of Gojinn in
// it) and as a reactor (the Go SDK).
var helloWasm, probeWasm, secheadersWasm, redactWasm, jwtWasm string
var fnCommandWasm, fnReactorWasm string

// buildDir holds the guests built for this test binary, and those a
// benchmark builds for itself.
var buildDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gojinn-caddy-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir = dir
	// Compiled code goes to a cache of the test's own, not the user's.
	os.Setenv(CacheDirEnv, dir)
	for _, g := range []struct {
		dir   string
		dst   *string
		build func(pkgDir, outDir string) (string, error)
	}{
		{"../filters-examples/hello", &helloWasm, wasmbuild.Go},
		{"../filters/testdata/probe", &probeWasm, wasmbuild.Go},
		{"../filters-examples/secheaders", &secheadersWasm, wasmbuild.Go},
		{"../filters-examples/redact", &redactWasm, wasmbuild.Go},
		{"../filters-examples/jwt", &jwtWasm, wasmbuild.Go},
		{"../functions/testdata/probe/command", &fnCommandWasm, wasmbuild.GoCommand},
		{"../functions/testdata/probe/reactor", &fnReactorWasm, wasmbuild.Go},
	} {
		if *g.dst, err = g.build(g.dir, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}
