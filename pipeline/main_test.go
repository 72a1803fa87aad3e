package pipeline

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// The tests' time limits. A test that is not about time gets one that
// cannot fire however loaded the machine (a Go guest's start-up runs
// under ten times it); a test of time-outs makes a guest that can do
// nothing but loop (the probe's "loop" op) meet a short one. Short, but
// ten times it still covers the probe's start-up, which took up to
// 0.85 s under -race with both cores held by busy loops.
const (
	patientTimeout = time.Minute
	loopTimeout    = 2 * time.Second
)

// The test guests, by folder.
const (
	probeGuest      = "../filters/testdata/probe"
	readsetGuest    = "testdata/readset"
	readsetRawGuest = "testdata/readsetraw"
	noopGuest       = "testdata/noop"
	resphdrGuest    = "testdata/resphdr"
	respbodyGuest   = "testdata/respbody"
	readbodyGuest   = "testdata/readbody"
)

var (
	guestsMu sync.Mutex
	guests   = map[string][]byte{}
)

// guest returns the bytes of the Go guest in dir, built once per test
// binary (and once per machine for the same sources: wasmbuild keeps
// builds), or fails the test.
func guest(t testing.TB, dir string) []byte {
	t.Helper()
	path, err := wasmbuild.Go(dir)
	if err != nil {
		t.Fatal(err)
	}
	guestsMu.Lock()
	defer guestsMu.Unlock()
	if b, ok := guests[dir]; ok {
		return b
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	guests[dir] = b
	return b
}

// sharedEngine is the tests' engine; its compiled code is kept in the
// folder every test binary of the machine shares.
var sharedEngine = sync.OnceValues(func() (*filters.Engine, error) {
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		return nil, err
	}
	return filters.NewEngine(filters.EngineConfig{CacheDir: dir})
})

func engine(t testing.TB) *filters.Engine {
	t.Helper()
	e, err := sharedEngine()
	if err != nil {
		t.Fatal(err)
	}
	return e
}
