package gojinn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

func TestMain(m *testing.M) {
	// The module's engine keeps its compiled code where every test
	// binary's engine does, not in the user's Caddy data folder, so that
	// the guests are compiled once per machine.
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if dir == "" {
		dir = "off"
	}
	os.Setenv(CacheDirEnv, dir)
	os.Exit(m.Run())
}

// The guests the end-to-end tests load, each built from source once per
// machine (filtertest), by the path Caddy loads it from.
func helloWasm(t *testing.T) string      { return filtertest.Path(t, "../filters-examples/hello") }
func probeWasm(t *testing.T) string      { return filtertest.Path(t, "../filters/testdata/probe") }
func secheadersWasm(t *testing.T) string { return filtertest.Path(t, "../filters-examples/secheaders") }
func redactWasm(t *testing.T) string     { return filtertest.Path(t, "../filters-examples/redact") }
func jwtWasm(t *testing.T) string        { return filtertest.Path(t, "../filters-examples/jwt") }

// patient is the time limit of every filter in these tests but the one
// that loops: a test that is not about time must not meet the limit,
// however loaded the machine (a Go guest's start-up runs under ten times
// it).
const patient = "timeout 1m"
