// Package wasmbuild builds Go guests to wasm for tests and tools, with the
// standard toolchain, so that no .wasm file is ever committed.
package wasmbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
)

// Go builds the Go package at pkgDir (a directory, absolute or relative
// to the working directory) as a WASI reactor into outDir and returns the
// .wasm path. A package is built once per process.
func Go(pkgDir, outDir string) (string, error) {
	return build(pkgDir, outDir, "", "-buildmode=c-shared")
}

// GoCommand builds the Go package at pkgDir as a WASI command, with a
// plain `GOOS=wasip1 GOARCH=wasm go build`, into outDir and returns the
// .wasm path. A package is built once per process.
func GoCommand(pkgDir, outDir string) (string, error) {
	return build(pkgDir, outDir, "-command")
}

func build(pkgDir, outDir, suffix string, flags ...string) (string, error) {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	key := abs + suffix
	if p, ok := built[key]; ok {
		return p, nil
	}
	out := filepath.Join(outDir, strings.ReplaceAll(strings.Trim(abs, string(filepath.Separator)), string(filepath.Separator), "_")+suffix+".wasm")
	// The go command on PATH: the one running the tests (go test puts its
	// own first) or the Makefile's.
	args := append(append([]string{"build"}, flags...), "-o", out, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s for wasip1: %w\n%s", pkgDir, err, b)
	}
	built[key] = out
	return out, nil
}
