package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/gojinn/gojinn/gojinntest"
)

// test runs a cases file (JSON, or YAML by its name) against a module
// and reports each case. The
// cases, their checks and the module's loading are package gojinntest's,
// which runs the same file inside go test.
func test(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn test <module.wasm> <cases.json|cases.yaml>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	tf, err := gojinntest.ReadFile(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "gojinn test: %v\n", err)
		return exitUsage
	}
	ctx := context.Background()
	opts := tf.Options()
	opts.CacheDir = cacheDir()
	m, err := gojinntest.Load(ctx, fs.Arg(0), opts)
	if err != nil {
		fmt.Fprintf(stderr, "gojinn test: %v\n", err)
		return exitFailure
	}
	defer m.Close(ctx)
	failed := 0
	for i, c := range tf.Cases {
		name := gojinntest.CaseName(c, i)
		problems, err := m.Check(c)
		if err != nil {
			fmt.Fprintf(stderr, "gojinn test: %s: %s: %v\n", fs.Arg(1), name, err)
			return exitFailure
		}
		if len(problems) == 0 {
			fmt.Fprintf(stdout, "ok    %s\n", name)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL  %s\n", name)
		for _, p := range problems {
			fmt.Fprintf(stdout, "      %s\n", p)
		}
	}
	fmt.Fprintf(stdout, "%d of %d cases passed\n", len(tf.Cases)-failed, len(tf.Cases))
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}
