package gojinn

import (
	"fmt"
	"os"
	"testing"

	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/loopback"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The ports of Caddy's admin endpoint and of its sites in these tests,
// free loopback ports chosen when the test binary starts: caddytest's
// default (2999) and a fixed site port would be shared by every test
// binary on the machine, and two running at once (this package in two
// worktrees, say) would load their configs into each other's Caddy. The
// tests of this package run one at a time, with one Caddy.
var adminPort, caddyPort int

func TestMain(m *testing.M) {
	for _, p := range []*int{&adminPort, &caddyPort} {
		port, err := loopback.FreePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*p = port
	}
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
func wafWasm(t *testing.T) string        { return filtertest.Path(t, "../filters-examples/waf") }

// The function probe as a command (a plain go build, nothing of Gojinn in
// it) and as a reactor (the Go SDK).
func fnCommandWasm(t testing.TB) string {
	return filtertest.CommandPath(t, "../functions/testdata/probe/command")
}
func fnReactorWasm(t testing.TB) string {
	return filtertest.Path(t, "../functions/testdata/probe/reactor")
}

// patient is the time limit of every filter in these tests but the one
// that loops: a test that is not about time must not meet the limit,
// however loaded the machine (a Go guest's start-up runs under ten times
// it).
const patient = "timeout 1m"
