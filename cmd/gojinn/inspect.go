package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/hostabi"
)

// inspect reports what a module declares (dialect, exports, imports,
// memory) and what the engine makes of it: Load's checks, its cost, and
// the features the guest's configure declared with the given config.
func inspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the guest's config: a file, or JSON written out (starts with { or [)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn inspect [--config file|json] <module.wasm>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(0)
	guestCfg, err := guestConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "gojinn inspect: %v\n", err)
		return exitUsage
	}
	ok, err := inspectModule(context.Background(), path, guestCfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "gojinn inspect: %v\n", err)
		return exitFailure
	}
	if !ok {
		return exitFailure
	}
	return exitOK
}

// usageCode is the exit code for a flag parsing error: -h asks for the
// usage, which is no failure.
func usageCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// inspectModule writes path's report to w. It returns false when the
// engine refuses the module (the report says why), and an error when
// the file cannot be read or is no wasm module at all.
func inspectModule(ctx context.Context, path string, guestCfg []byte, w io.Writer) (bool, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	// Without GOJINN_CACHE_DIR, the load time shown is a compile's.
	engine, err := newEngine()
	if err != nil {
		return false, err
	}
	defer engine.Close(ctx)
	info, err := readModule(ctx, engine, wasm)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	start := time.Now()
	var loadErr error
	var f *filters.Filter
	var fn *filters.Function
	if info.function {
		// A function has no configure: what --config would give it is its
		// arguments and environment, which Caddy's gojinn directive sets.
		fn, loadErr = engine.LoadFunction(ctx, filters.FunctionConfig{Name: filterName(path), Path: path, PoolMax: 1})
		if loadErr == nil && len(guestCfg) > 0 {
			loadErr = fmt.Errorf("function %s (%s): a function reads no config", filterName(path), path)
		}
	} else {
		f, loadErr = engine.Load(ctx, filters.Config{
			Name:        filterName(path),
			Path:        path,
			GuestConfig: guestCfg,
			// One instance at a time is all a report needs.
			PoolMax: 1,
		})
	}
	loadTime := time.Since(start)
	if f != nil {
		defer f.Close(ctx)
	}
	if fn != nil {
		defer fn.Close(ctx)
	}

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "module\t%s\n", path)
	fmt.Fprintf(tw, "size\t%s\n", bytesText(uint64(len(wasm))))
	if fn != nil || (info.function && loadErr != nil) {
		kind := "function"
		if fn != nil {
			kind += " (" + fn.Kind().String() + ")"
		}
		fmt.Fprintf(tw, "kind\t%s\n", kind)
	} else {
		fmt.Fprintf(tw, "kind\tfilter\n")
		fmt.Fprintf(tw, "dialect\t%s\n", info.dialect)
	}
	if info.hasMemory {
		fmt.Fprintf(tw, "memory\tat least %s (%d pages)\n", bytesText(info.memoryMin), info.memoryMin/wasmPage)
	} else {
		fmt.Fprintf(tw, "memory\tnone exported\n")
	}
	if loadErr == nil && fn != nil {
		fmt.Fprintf(tw, "load\t%s (instrument, compile to machine code unless %s holds it, check, snapshot)\n", loadTime.Round(time.Millisecond), cacheDirEnv)
	}
	if loadErr == nil && f != nil {
		fmt.Fprintf(tw, "load\t%s (instrument, compile to machine code unless %s holds it, check, configure)\n", loadTime.Round(time.Millisecond), cacheDirEnv)
		fmt.Fprintf(tw, "features\t%s\n", featuresText(f.Features()))
		phases := "request"
		if f.HasResponse() {
			phases += ", response"
		}
		fmt.Fprintf(tw, "phases\t%s\n", phases)
	}
	if err := tw.Flush(); err != nil {
		return false, err
	}
	fmt.Fprintf(w, "exports (%d)\n", len(info.exports))
	writeFunctions(w, info.exports)
	fmt.Fprintf(w, "imports (%d)\n", len(info.imports))
	writeFunctions(w, info.imports)
	if loadErr != nil {
		fmt.Fprintf(w, "check: refused: %v\n", loadErr)
		return false, nil
	}
	fmt.Fprintln(w, "check: ok")
	return true, nil
}

func writeFunctions(w io.Writer, fns []function) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range fns {
		name := f.name
		if f.module != "" {
			name = f.module + "." + f.name
			if !f.provided {
				fmt.Fprintf(tw, "  %s\t%s\tNOT PROVIDED by the host\n", name, f.signature)
				continue
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, f.signature)
	}
	_ = tw.Flush()
}

// filterName names the filter in the loader's messages as a Caddyfile
// would: after its file.
func filterName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// featureNames are the ABI's feature flags, as docs/ABI.md names them.
var featureNames = []struct {
	flag hostabi.Feature
	name string
}{
	{hostabi.FeatureResponse, "FEATURE_RESPONSE"},
	{hostabi.FeatureResponseBody, "FEATURE_RESPONSE_BODY"},
	{hostabi.FeatureRequestBody, "FEATURE_REQUEST_BODY"},
	{hostabi.FeatureCarryResponseHeaders, "FEATURE_CARRY_RESPONSE_HEADERS"},
}

func featuresText(fs hostabi.Feature) string {
	var names []string
	for _, f := range featureNames {
		if fs&f.flag != 0 {
			names = append(names, f.name)
			fs &^= f.flag
		}
	}
	if fs != 0 {
		names = append(names, fmt.Sprintf("unknown %#x", uint32(fs)))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func bytesText(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}
