// Command gojinn is the tool for filter authors: it checks, runs, builds
// and tests a filter without Caddy, with the same engine, checks and
// messages that Caddy's loader uses (docs/CLI.md).
//
//	gojinn new <dir> [--lang go|c|rust|cpp] [--kind filter|function] [--module path] [--clone dir]
//	gojinn inspect [--config file|json] <module.wasm>
//	gojinn run [--config file|json] [--response file] [--method m --url u -H "K: v" --data d] [--arg a --env K=v] <module.wasm> [request file]
//	gojinn build [-o module.wasm] [--config file|json] [dir]
//	gojinn test <module.wasm> <cases.json|cases.yaml>
//	gojinn bench [--runs n --calls n --instances n] [run's flags] <module.wasm> [request file]
//
// Exit codes: 0 for success, 1 for a failure (a module refused or not
// read, a build or a case that failed), 2 for a usage error.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gojinn/gojinn/filters"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand: it parses its own flags from args, writes
// its report to stdout and its errors to stderr, and returns the exit
// code.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"new", "write a filter or function skeleton (Go, C, Rust, C++) that builds and passes its own test", newSkeleton},
		{"inspect", "dialect, exports, imports, features, size and load cost of a module", inspect},
		{"run", "one request through the filter, offline: its decision and every change it made", run},
		{"build", "build the filter in a folder (Go, Rust, C++) and check it as inspect does", build},
		{"test", "run request/expectation cases (JSON or YAML) against a module", test},
		{"bench", "cost of a call (median, spread), allocations, a cold load, a restore, memory", bench},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the subcommand args name.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "gojinn: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gojinn <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `"gojinn <command> -h" tells the command's flags.`)
}

// cacheDirEnv names the folder of compiled machine code the tool reuses,
// as Caddy's module does (GOJINN_CACHE_DIR); unset or "off", every load
// compiles.
const cacheDirEnv = "GOJINN_CACHE_DIR"

// cacheDir is the compilation cache's folder, GOJINN_CACHE_DIR's; ""
// (none) when that is unset or "off".
func cacheDir() string {
	dir := os.Getenv(cacheDirEnv)
	if dir == "off" {
		dir = ""
	}
	return dir
}

// newEngine is the engine a subcommand loads modules in: with the
// compilation cache of GOJINN_CACHE_DIR when that is set.
func newEngine() (*filters.Engine, error) {
	return filters.NewEngine(filters.EngineConfig{CacheDir: cacheDir()})
}
