package gojinn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// Guests the end-to-end tests load, built from source in TestMain.
var helloWasm, probeWasm, secheadersWasm, redactWasm, jwtWasm string

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
	// Compiled code goes to a cache of the test's own, not the user's.
	os.Setenv(CacheDirEnv, dir)
	for _, g := range []struct {
		dir string
		dst *string
	}{
		{"../filters-examples/hello", &helloWasm},
		{"../filters/testdata/probe", &probeWasm},
		{"../filters-examples/secheaders", &secheadersWasm},
		{"../filters-examples/redact", &redactWasm},
		{"../filters-examples/jwt", &jwtWasm},
	} {
		if *g.dst, err = wasmbuild.Go(g.dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}
