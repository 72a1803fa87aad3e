package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/functions"
	"github.com/gojinn/gojinn/gojinntest"
	"github.com/gojinn/gojinn/pipeline"
)

// benchOptions are bench's flags beyond the request's.
type benchOptions struct {
	guestCfg  []byte
	fn        functionFlags
	runs      int // timed runs of calls, and cold loads
	calls     int // calls per run
	instances int // instances restored for the restore time and the memory
	response  *gojinntest.Response
}

// bench measures what a module costs: a call (the median of several
// runs, with their spread), the host's allocations per call, a cold
// load and a restore from the snapshot, and an instance's memory.
func bench(args []string, stdout, stderr io.Writer) int {
	flags := newExchangeFlags("bench", stderr)
	fs := flags.fs
	runs := fs.Int("runs", 5, "timed runs of calls (the median and spread are over them), and cold loads")
	calls := fs.Int("calls", 2000, "calls per timed run")
	instances := fs.Int("instances", 20, "instances restored from the snapshot, for the restore time and the memory")
	if code := flags.parse(args); code != 0 {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "gojinn bench: %v\n", err)
		return code
	}
	if *runs < 1 || *calls < 1 || *instances < 1 || *instances > 1000 {
		return fail(exitUsage, errors.New("--runs and --calls must be at least 1, --instances from 1 to 1000"))
	}
	opts := benchOptions{fn: flags.fn, runs: *runs, calls: *calls, instances: *instances}
	var req *http.Request
	var err error
	if opts.guestCfg, req, opts.response, err = flags.exchange(); err != nil {
		return fail(exitUsage, err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return fail(exitUsage, fmt.Errorf("the request body: %w", err))
	}
	if err := benchModule(context.Background(), flags.module(), req, body, opts, stdout); err != nil {
		return fail(exitFailure, err)
	}
	return exitOK
}

// server is what a timed call goes through: a filter's chain in front of
// a next handler answering with the --response, or a function's handler.
type server func(w http.ResponseWriter, r *http.Request) error

func benchModule(ctx context.Context, path string, req *http.Request, body []byte, opts benchOptions, w io.Writer) error {
	// Every load after the first finds its machine code in a compilation
	// cache, as a Caddy with cache_dir does: a temporary one without
	// GOJINN_CACHE_DIR.
	cache := cacheDir()
	if cache == "" {
		dir, err := os.MkdirTemp("", "gojinn-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cache = dir
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: cache})
	if err != nil {
		return err
	}
	defer engine.Close(ctx)
	info, err := readModule(ctx, engine, wasm)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case info.function && len(opts.guestCfg) > 0:
		return fmt.Errorf("%s: is a function: a function reads no config (its settings are --arg and --env)", path)
	case !info.function && (len(opts.fn.args) > 0 || len(opts.fn.env.listFlag) > 0):
		return fmt.Errorf("%s: is a filter: a filter takes no --arg or --env (its settings are its --config)", path)
	}
	name := filterName(path)
	restores := &restoreTimes{}
	// continued: the last call reached the next handler.
	var continued bool
	var serve server
	var stats func() filters.Stats
	what := "the chain's Serve, the next handler included"
	if info.function {
		what = "the function handler's Serve"
		h, err := functions.Load(ctx, engine, functions.Config{Name: name, Path: path, Args: opts.fn.args, Env: opts.fn.env.listFlag,
			PoolSize: 1, Observer: restores})
		if err != nil {
			return err
		}
		defer h.Close(ctx)
		serve, stats = h.Serve, h.Stats
	} else {
		f, err := engine.Load(ctx, filters.Config{Name: name, Path: path, GuestConfig: opts.guestCfg, PoolMax: 1})
		if err != nil {
			return err
		}
		defer f.Close(ctx)
		chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
		next := func(rw http.ResponseWriter, r *http.Request) error {
			continued = true
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				return err
			}
			for k, vs := range opts.response.Header {
				rw.Header()[k] = vs
			}
			rw.WriteHeader(opts.response.Status)
			_, err := rw.Write(opts.response.Body)
			return err
		}
		serve = func(rw http.ResponseWriter, r *http.Request) error { return chain.Serve(rw, r, next, nil) }
		stats = f.Stats
	}

	// A request per call, made before the clock starts, so that neither
	// the time nor the allocations count their making.
	reqs := newRequests(req, body, opts.calls)
	rw := &discardWriter{header: http.Header{}}
	outcome, err := callOnce(serve, reqs.next(), rw)
	if err != nil {
		return err
	}
	if continued {
		outcome = "continue, the next handler answered " + strconv.Itoa(rw.status)
	}
	perCall := make([]time.Duration, opts.runs)
	var allocs, allocBytes float64
	for i := range perCall {
		reqs.reset()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		for range opts.calls {
			if err := serve(rw.reset(), reqs.next()); err != nil && !isFailure(err) {
				return err
			}
		}
		perCall[i] = time.Since(start) / time.Duration(opts.calls)
		runtime.ReadMemStats(&after)
		if i == 0 || float64(after.Mallocs-before.Mallocs) < allocs*float64(opts.calls) {
			// The fewest over the runs: a run the GC or the pool's
			// reaper shares has more that are not the call's.
			allocs = float64(after.Mallocs-before.Mallocs) / float64(opts.calls)
			allocBytes = float64(after.TotalAlloc-before.TotalAlloc) / float64(opts.calls)
		}
	}

	var restored []time.Duration
	var private int64
	var privateErr error
	if info.function {
		restored = restores.all()
	} else {
		restored, private, privateErr = restoreInstances(ctx, engine, path, name, req, body, opts)
		if privateErr != nil && restored == nil {
			return privateErr
		}
	}

	cold, err := coldLoads(ctx, cache, path, name, opts, info.function)
	if err != nil {
		return err
	}
	kind := "filter"
	if info.function {
		kind = "function"
	}
	fmt.Fprintf(w, "module      %s (%s)\n", path, kind)
	fmt.Fprintf(w, "request     %s %s: %s\n", req.Method, req.URL, outcome)
	fmt.Fprintf(w, "per call    %s (median of %d runs of %d calls; spread %s to %s): %s\n",
		durText(median(perCall)), opts.runs, opts.calls, durText(slices.Min(perCall)), durText(slices.Max(perCall)), what)
	fmt.Fprintf(w, "allocs      %.2f allocations, %s per call, on the host (the fewest of the runs; requests made before the clock starts)\n",
		allocs, bytesText(uint64(allocBytes)))
	fmt.Fprintf(w, "cold load   %s (median of %d; spread %s to %s): a new engine, machine code from the compilation cache, the checks, a fresh instance's start-up and configure, its snapshot\n",
		durText(median(cold)), len(cold), durText(slices.Min(cold)), durText(slices.Max(cold)))
	if len(restored) > 0 {
		fmt.Fprintf(w, "restore     %s (median of %d; spread %s to %s): an instance made from the snapshot, as the pool makes one\n",
			durText(median(restored)), len(restored), durText(slices.Min(restored)), durText(slices.Max(restored)))
	} else {
		fmt.Fprintln(w, "restore     none: the module has no snapshot (every instance starts fresh)")
	}
	st := stats()
	if st.SnapshotBytes > 0 {
		fmt.Fprintf(w, "memory      %s when configured (the snapshot; %s of it resident, shared by every instance)\n",
			bytesText(st.SnapshotBytes), bytesText(st.SnapshotResident))
	}
	switch {
	case info.function:
	case privateErr != nil:
		fmt.Fprintf(w, "instance    not measured: %v\n", privateErr)
	case private <= 0:
		// The process's memory moves by itself (the heap, the runtime's
		// scavenger) as much as a small guest's instances add to it.
		fmt.Fprintf(w, "instance    under what the process's memory measures: %d instances busy at once added no private memory "+
			"it could tell from the rest's moves (try --instances 200)\n", opts.instances)
	default:
		fmt.Fprintf(w, "instance    %s private memory per instance busy with a request (over %d at once; Linux's Private_Dirty)\n",
			bytesText(uint64(private)), opts.instances)
	}
	return nil
}

// callOnce makes the first call, which also tells what the module does
// with the request.
func callOnce(serve server, r *http.Request, rw *discardWriter) (string, error) {
	err := serve(rw, r)
	var pf *pipeline.Failure
	var ff *functions.Failure
	switch {
	case errors.As(err, &pf):
		return fmt.Sprintf("failed, %d: %v", pf.Status, pf.Err), nil
	case errors.As(err, &ff):
		return fmt.Sprintf("failed, %d: %v", ff.Status, ff.Err), nil
	case err != nil:
		return "", err
	}
	return fmt.Sprintf("answered %d", rw.status), nil
}

func isFailure(err error) bool {
	var pf *pipeline.Failure
	var ff *functions.Failure
	return errors.As(err, &pf) || errors.As(err, &ff)
}

// coldLoads loads the module opts.runs times, each on a new engine that
// finds its machine code in the compilation cache, and returns how long
// each load took.
func coldLoads(ctx context.Context, cache, path, name string, opts benchOptions, function bool) ([]time.Duration, error) {
	times := make([]time.Duration, 0, opts.runs)
	for range opts.runs {
		engine, err := filters.NewEngine(filters.EngineConfig{CacheDir: cache})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		var closeIt func(context.Context)
		if function {
			var h *functions.Handler
			h, err = functions.Load(ctx, engine, functions.Config{Name: name, Path: path, Args: opts.fn.args, Env: opts.fn.env.listFlag, PoolSize: 1})
			if err == nil {
				closeIt = h.Close
			}
		} else {
			var f *filters.Filter
			f, err = engine.Load(ctx, filters.Config{Name: name, Path: path, GuestConfig: opts.guestCfg, PoolMax: 1})
			if err == nil {
				closeIt = f.Close
			}
		}
		d := time.Since(start)
		if err != nil {
			_ = engine.Close(ctx)
			return nil, err
		}
		times = append(times, d)
		closeIt(ctx)
		if err := engine.Close(ctx); err != nil {
			return nil, err
		}
	}
	return times, nil
}

// restoreInstances loads the filter again on engine, which holds its
// snapshot, with opts.instances instances made at load, as the pool
// makes them (restored from the snapshot), and returns how long each
// took. Then it holds every instance busy at once, each past the request
// phase of one request (the chain waits in the next handler for them
// all), and returns the private memory each added to the process (an
// error when that cannot be read).
func restoreInstances(ctx context.Context, engine *filters.Engine, path, name string, req *http.Request, body []byte,
	opts benchOptions) ([]time.Duration, int64, error) {
	restores := &restoreTimes{}
	// What the heap freed goes back to the OS first, so that it is not
	// taken for the instances' memory going down.
	debug.FreeOSMemory()
	before, beforeErr := privateDirty()
	f, err := engine.Load(ctx, filters.Config{Name: name, Path: path, GuestConfig: opts.guestCfg,
		PoolMin: opts.instances, PoolMax: opts.instances, Observer: restores})
	if err != nil {
		return nil, 0, err
	}
	defer f.Close(ctx)
	if beforeErr != nil {
		return restores.all(), 0, beforeErr
	}
	arrived, release := make(chan struct{}), make(chan struct{})
	next := func(rw http.ResponseWriter, r *http.Request) error {
		arrived <- struct{}{}
		<-release
		return nil
	}
	chain := pipeline.New([]pipeline.Stage{{Filter: f}}, pipeline.Options{})
	reqs := newRequests(req, body, opts.instances)
	var wg sync.WaitGroup
	done := make(chan error, opts.instances)
	for range opts.instances {
		r := reqs.next()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := chain.Serve(&discardWriter{header: http.Header{}}, r, next, nil)
			done <- err
		}()
	}
	// Every request reaches the next handler, or one ends before it (the
	// filter answered or failed): then the instances are not all busy.
	var measureErr error
	for n := 0; n < opts.instances && measureErr == nil; {
		select {
		case <-arrived:
			n++
		case err := <-done:
			measureErr = fmt.Errorf("the request did not reach the next handler (%v): instances are measured busy, on a request that continues", err)
		case <-time.After(time.Minute):
			measureErr = errors.New("the requests did not all reach the next handler in a minute")
		}
	}
	var after int64
	if measureErr == nil {
		debug.FreeOSMemory()
		after, measureErr = privateDirty()
	}
	close(release)
	go func() {
		for range arrived { // those that arrive after a failure
		}
	}()
	wg.Wait()
	close(arrived)
	if measureErr != nil {
		return restores.all(), 0, measureErr
	}
	return restores.all(), (after - before) / int64(opts.instances), nil
}

// privateDirty is the process's private dirty memory in bytes, which
// its instances' memories are, from /proc/self/smaps_rollup (Linux).
func privateDirty() (int64, error) {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0, fmt.Errorf("the process's memory is read on Linux only (%w)", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "Private_Dirty:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("smaps_rollup: %w", err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("smaps_rollup has no Private_Dirty")
}

// restoreTimes is an Observer that keeps how long each restored
// instance took to make.
type restoreTimes struct {
	mu    sync.Mutex
	times []time.Duration
}

func (r *restoreTimes) InstanceStarted(restored bool, d time.Duration) {
	if !restored {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.times = append(r.times, d)
}

func (r *restoreTimes) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.times)
}

// requests are the requests of a run, made in advance: a filter may
// change a request's headers, and a body is read once.
type requests struct {
	reqs     []*http.Request
	i        int
	template *http.Request
	body     []byte
}

func newRequests(template *http.Request, body []byte, n int) *requests {
	rs := &requests{reqs: make([]*http.Request, n), template: template, body: body}
	rs.make()
	return rs
}

func (rs *requests) make() {
	for i := range rs.reqs {
		r := rs.template.Clone(context.Background())
		if len(rs.body) > 0 {
			r.Body = io.NopCloser(bytes.NewReader(rs.body))
		} else {
			r.Body = http.NoBody
		}
		rs.reqs[i] = r
	}
	rs.i = 0
}

// reset makes the run's requests again, untimed.
func (rs *requests) reset() { rs.make() }

// next is the next request; past the last, the first again, made anew.
func (rs *requests) next() *http.Request {
	if rs.i == len(rs.reqs) {
		rs.make()
	}
	r := rs.reqs[rs.i]
	rs.i++
	return r
}

// discardWriter is a ResponseWriter that keeps the status and discards
// the rest, reused from call to call.
type discardWriter struct {
	header http.Header
	status int
}

func (d *discardWriter) reset() *discardWriter {
	clear(d.header)
	d.status = 0
	return d
}

func (d *discardWriter) Header() http.Header { return d.header }

func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(b), nil
}

func (d *discardWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// durText is d with three significant digits or so.
func durText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond).String()
	}
	return d.String()
}
