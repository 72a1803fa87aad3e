package conformance

import (
	"sync"
	"testing"

	"github.com/gojinn/gojinn/internal/filtertest"
)

// buildRunners builds the case runners once per test binary, for the
// tests that need them, or finds them in the cache of built guests.
var buildRunners = sync.OnceValues(BuildGuests)

// runners returns the case runners, or fails the test with why they
// could not be built (clang missing, say): the tests do not skip.
func runners(t testing.TB) []Guest {
	t.Helper()
	g, err := buildRunners()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// runner returns the case runner of one language.
func runner(t testing.TB, name string) Guest {
	t.Helper()
	for _, g := range runners(t) {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no %s runner", name)
	return Guest{}
}

// gojinnHost is the host under test on the test binary's engine, whose
// compiled code is cached for every test binary of the machine.
func gojinnHost(t testing.TB) *Gojinn {
	t.Helper()
	return &Gojinn{Engine: filtertest.Engine(t)}
}
