package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// guest builds the Go guest in dir (relative to this package) and
// returns its module's path.
func guest(t *testing.T, dir string) string {
	t.Helper()
	path, err := wasmbuild.Go(dir)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// gojinn runs the command line args as the binary would and returns its
// exit code and outputs.
func gojinn(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeFile writes b to a file in a fresh temporary folder.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		// out and errOut are texts the outputs must hold.
		out, errOut string
	}{
		{"no command", nil, exitUsage, "", "usage: gojinn <command>"},
		{"help", []string{"help"}, exitOK, "inspect", ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"inspect without a module", []string{"inspect"}, exitUsage, "", "usage: gojinn inspect"},
		{"inspect with two modules", []string{"inspect", "a.wasm", "b.wasm"}, exitUsage, "", "usage: gojinn inspect"},
		{"inspect with an unknown flag", []string{"inspect", "--frob", "a.wasm"}, exitUsage, "", "flag provided but not defined: -frob"},
		{"inspect -h", []string{"inspect", "-h"}, exitOK, "", "-config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := gojinn(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("gojinn %q = %d\nstdout:\n%s\nstderr:\n%s\nwant %d, stdout with %q, stderr with %q",
					tc.args, code, out, errOut, tc.code, tc.out, tc.errOut)
			}
		})
	}
}

// TestMain points the tool's compilation cache at the one every test
// binary of the module shares, so that each load does not compile again.
func TestMain(m *testing.M) {
	dir, err := wasmbuild.CompilationCacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(cacheDirEnv, dir)
	os.Exit(m.Run())
}
