package filters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/internal/wasmtest"
)

// functionForms are the test function's two builds, for tests that hold
// for both.
var functionForms = []struct {
	kind FunctionKind
	wasm func(testing.TB) []byte
}{
	{Command, fnCommandWasm},
	{Reactor, fnReactorWasm},
}

func loadFunction(t *testing.T, e *Engine, wasm []byte, cfg FunctionConfig) *Function {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "fnprobe"
	}
	cfg.Wasm = wasm
	f, err := e.LoadFunction(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

func callFunction(t *testing.T, f *Function, input string) string {
	t.Helper()
	out, err := f.Call(context.Background(), []byte(input), nil)
	if err != nil {
		t.Fatalf("%s: %v (output %q)", input, err, out)
	}
	return string(out)
}

// TestFunctionForms: a command's every call is a new instance, restored
// from the snapshot taken before its _start; a reactor's calls share an
// instance, restored from the snapshot taken after its start-up. Both
// read the same input and answer on stdout.
func TestFunctionForms(t *testing.T) {
	for _, form := range functionForms {
		t.Run(form.kind.String(), func(t *testing.T) {
			f := loadFunction(t, newEngine(t), form.wasm(t), FunctionConfig{})
			if f.Kind() != form.kind {
				t.Fatalf("loaded as a %s", f.Kind())
			}
			if s := f.Stats(); s.Fresh != 1 || s.Live != 0 || s.SnapshotBytes == 0 {
				t.Fatalf("after load: %+v; want the snapshot's instance made and closed", s)
			}
			if got := callFunction(t, f, "echo héllo\n\x00"); got != "héllo\n\x00" {
				t.Fatalf("echo answered %q", got)
			}
			var served []string
			for range 3 {
				served = append(served, callFunction(t, f, "served"))
			}
			want, live := "1,1,1", int64(0)
			if form.kind == Reactor {
				want, live = "2,3,4", 1
			}
			if got := strings.Join(served, ","); got != want {
				t.Errorf("the calls were the instance's %s requests, want %s", got, want)
			}
			s := f.Stats()
			if s.Fresh != 1 || s.Live != live || s.Busy != 0 {
				t.Errorf("after the calls: %+v; want no fresh instance and %d live", s, live)
			}
			if form.kind == Command && s.Restored != 4 {
				t.Errorf("a command's 4 calls restored %d instances", s.Restored)
			}
		})
	}
}

// TestFunctionArgsAndEnv: the arguments are the program's os.Args whole,
// as the original Gojinn passed them, and the environment is the
// config's.
func TestFunctionArgsAndEnv(t *testing.T) {
	for _, form := range functionForms {
		t.Run(form.kind.String(), func(t *testing.T) {
			f := loadFunction(t, newEngine(t), form.wasm(t), FunctionConfig{
				Args: []string{"--mode", "fast lane"},
				Env:  []string{"GREETING=hi=there", "EMPTY="},
			})
			if got := callFunction(t, f, "args"); got != "--mode,fast lane" {
				t.Errorf("os.Args is %q", got)
			}
			if got := callFunction(t, f, "env GREETING"); got != "hi=there" {
				t.Errorf("GREETING is %q", got)
			}
			if got := callFunction(t, f, "env PATH"); got != "" {
				t.Errorf("the host's PATH leaked in: %q", got)
			}
		})
	}
}

const anyExit = -2

// TestFunctionFailures: each way a function can fail is classed, keeps
// what it wrote, costs its instance, and the next call is served.
func TestFunctionFailures(t *testing.T) {
	tests := []struct {
		input  string
		kind   error
		exit   int // -1: did not exit; anyExit: either (a Go panic exits a command, aborts a reactor's call)
		output string
	}{
		{"exit 3", ErrTrap, 3, "partial"},
		{"panic", ErrTrap, anyExit, ""},
		{"loop", ErrTimeout, -1, ""},
		{"alloc", ErrMemoryLimit, anyExit, ""},
		{"big 9000", ErrOutputTooLarge, -1, strings.Repeat("x", 4096)},
	}
	for _, form := range functionForms {
		t.Run(form.kind.String(), func(t *testing.T) {
			f := loadFunction(t, newEngine(t), form.wasm(t), FunctionConfig{
				Timeout:     time.Second,
				MemoryLimit: 32 << 20,
				MaxOutput:   4096,
				PoolMax:     1,
			})
			for _, tt := range tests {
				out, err := f.Call(context.Background(), []byte(tt.input), nil)
				var ce *CallError
				if !errors.As(err, &ce) || !errors.Is(err, tt.kind) {
					t.Fatalf("%s: error %v, want %v", tt.input, err, tt.kind)
				}
				code, exited := ce.ExitCode()
				if want := tt.exit >= 0; tt.exit != anyExit && (exited != want || (exited && int(code) != tt.exit)) {
					t.Errorf("%s: exit (%d, %v), want %d", tt.input, code, exited, tt.exit)
				}
				if string(out) != tt.output {
					t.Errorf("%s: output %q, want %q", tt.input, out, tt.output)
				}
				if s := f.Stats(); s.Live != 0 {
					t.Errorf("%s: the failed instance lives on: %+v", tt.input, s)
				}
				if got := callFunction(t, f, "echo again"); got != "again" {
					t.Fatalf("after %s: %q", tt.input, got)
				}
			}
		})
	}
}

// TestFunctionOutputLimitAtTheEdge: output of exactly the limit is whole
// and fine; a byte more is over it.
func TestFunctionOutputLimitAtTheEdge(t *testing.T) {
	f := loadFunction(t, newEngine(t), fnReactorWasm(t), FunctionConfig{MaxOutput: 4096})
	out, err := f.Call(context.Background(), []byte("big 4096"), make([]byte, 0, 16))
	if err != nil || len(out) != 4096 {
		t.Fatalf("4096 bytes: %d bytes, %v", len(out), err)
	}
	if out, err = f.Call(context.Background(), []byte("big 4097"), out); !errors.Is(err, ErrOutputTooLarge) || len(out) != 4096 {
		t.Fatalf("4097 bytes: %d bytes, %v", len(out), err)
	}
}

// TestFunctionStderrIsLoggedAndBounded: stderr reaches the log line by
// line, with the function's name, the last line even without its
// newline, and no more than maxLines lines a call.
func TestFunctionStderrIsLoggedAndBounded(t *testing.T) {
	for _, form := range functionForms {
		t.Run(form.kind.String(), func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			f := loadFunction(t, newEngine(t), form.wasm(t), FunctionConfig{Logger: zap.New(core)})
			callFunction(t, f, "stderr 3")
			lines := logs.FilterMessage("guest output").FilterField(zap.String("function", "fnprobe")).All()
			var got []string
			for _, l := range lines {
				got = append(got, l.ContextMap()["line"].(string))
			}
			if strings.Join(got, "|") != "line 0|line 1|line 2|no newline" {
				t.Fatalf("logged %q", got)
			}
			logs.TakeAll()
			callFunction(t, f, fmt.Sprintf("stderr %d", 5*maxLines))
			if n := logs.FilterMessage("guest output").Len(); n != maxLines {
				t.Errorf("a call logged %d lines, want %d", n, maxLines)
			}
			if logs.FilterMessageSnippet("guest output cut").Len() != 1 {
				t.Errorf("the cut was not logged")
			}
			logs.TakeAll()
			callFunction(t, f, "stderr 1")
			if n := logs.FilterMessage("guest output").Len(); n != 2 {
				t.Errorf("the next call logged %d lines, want its 2", n)
			}
		})
	}
}

// TestFunctionBusy: with every instance busy, a call waits its pool wait
// and fails as busy.
func TestFunctionBusy(t *testing.T) {
	f := loadFunction(t, newEngine(t), fnReactorWasm(t), FunctionConfig{PoolMax: 1, PoolWait: time.Millisecond})
	held, err := f.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Call(context.Background(), []byte("echo x"), nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("with the only instance held: %v", err)
	}
	f.pool.put(held)
	if got := callFunction(t, f, "echo x"); got != "x" {
		t.Fatalf("after: %q", got)
	}
}

// TestFunctionSnapshotsShared: a reactor's snapshot is shared by loads
// that agree on what its start-up read (arguments and environment); a
// command's, taken before any of its code ran, by every load of the
// module.
func TestFunctionSnapshotsShared(t *testing.T) {
	e := newEngine(t)
	same := FunctionConfig{Args: []string{"a"}, Env: []string{"K=1"}}
	loadFunction(t, e, fnReactorWasm(t), same)
	loadFunction(t, e, fnReactorWasm(t), same)
	if n := e.Snapshots(); n != 1 {
		t.Fatalf("two reactors with the same start-up: %d snapshots", n)
	}
	loadFunction(t, e, fnReactorWasm(t), FunctionConfig{Args: []string{"a"}, Env: []string{"K=2"}})
	if n := e.Snapshots(); n != 2 {
		t.Fatalf("a reactor with another environment: %d snapshots, want 2", n)
	}
	loadFunction(t, e, fnCommandWasm(t), FunctionConfig{Env: []string{"K=1"}})
	loadFunction(t, e, fnCommandWasm(t), FunctionConfig{Env: []string{"K=2"}})
	if n := e.Snapshots(); n != 3 {
		t.Fatalf("two commands: %d snapshots in all, want 3", n)
	}
}

// TestFunctionConcurrentCalls: calls at once, more than the pool holds,
// each get their own answer.
func TestFunctionConcurrentCalls(t *testing.T) {
	for _, form := range functionForms {
		t.Run(form.kind.String(), func(t *testing.T) {
			f := loadFunction(t, newEngine(t), form.wasm(t), FunctionConfig{PoolMax: 3, PoolWait: 30 * time.Second})
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 8 {
				wg.Go(func() {
					for i := range 10 {
						want := fmt.Sprintf("g%d-%d", g, i)
						out, err := f.Call(context.Background(), []byte("echo "+want), nil)
						if err == nil && string(out) != want {
							err = fmt.Errorf("answered %q, want %q", out, want)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if s := f.Stats(); s.Live > 3 || s.Busy != 0 {
				t.Errorf("after: %+v", s)
			}
		})
	}
}

// TestLoadFunctionChecks: a module that is not a function fails its load
// with the reason.
func TestLoadFunctionChecks(t *testing.T) {
	nop := wasmtest.Func{Type: wasmtest.FuncType{}, Body: nil}
	exported := func(name string) wasmtest.Func { f := nop; f.Export = name; return f }
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"a filter", probeWasm(t), "is a filter, for gojinn_chain"},
		{"neither form", (&wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{exported("main")}}).Encode(),
			`exports neither "_start"`},
		{"a reactor without the SDK", (&wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{exported("_initialize")}}).Encode(),
			"without \"gojinn_function\""},
		{"an entry with results", (&wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{{
			Type: wasmtest.FuncType{Results: []byte{wasmtest.I32}}, Body: []byte{wasmtest.OpI32Const, 0}, Export: "_start"}}}).Encode(),
			`exports "_start" with signature () -> (i32)`},
		{"no memory", (&wasmtest.Module{Funcs: []wasmtest.Func{exported("_start")}}).Encode(), `does not export "memory"`},
		{"another import", (&wasmtest.Module{MemoryPages: 1,
			Imports: []wasmtest.Import{{Module: "env", Name: "f"}}, Funcs: []wasmtest.Func{exported("_start")}}).Encode(),
			`may import only "wasi_snapshot_preview1"`},
		{"too much memory", (&wasmtest.Module{MemoryPages: 2000, Funcs: []wasmtest.Func{exported("_start")}}).Encode(),
			"over its memory limit"},
	}
	e := newEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.LoadFunction(context.Background(), FunctionConfig{Name: "f", Wasm: tt.wasm, MemoryLimit: 64 << 20})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "function f: ") {
				t.Fatalf("error %v, want one that says %q", err, tt.want)
			}
		})
	}
	if n := e.Modules(); n != 0 {
		t.Errorf("failed loads left %d compiled modules", n)
	}
	// And the other way round: a function in a chain says what it is.
	_, err := e.Load(context.Background(), Config{Name: "f", Wasm: fnCommandWasm(t)})
	if err == nil || !strings.Contains(err.Error(), `is a function, not a filter (it exports "_start")`) {
		t.Fatalf("a function loaded as a filter: %v", err)
	}
}

// TestFunctionConfigErrors: configs no program could be started with
// fail before anything is read, and say why without a secret's value.
func TestFunctionConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  FunctionConfig
		want string
	}{
		{FunctionConfig{Wasm: []byte{}}, "needs a name"},
		{FunctionConfig{Name: "f"}, "no module"},
		{FunctionConfig{Name: "f", Path: "x", Args: []string{"a\x00b"}}, "NUL"},
		{FunctionConfig{Name: "f", Path: "x", Env: []string{"NOEQUALS"}}, "not KEY=value"},
		{FunctionConfig{Name: "f", Path: "x", Env: []string{"=v"}}, "not KEY=value"},
		{FunctionConfig{Name: "f", Path: "x", Env: []string{"SECRET=s3cr\x00t"}}, `"SECRET" holds a NUL`},
		{FunctionConfig{Name: "f", Path: "x", MaxOutput: -1}, "output limit"},
		{FunctionConfig{Name: "f", Path: "x", MemoryLimit: 8 << 30}, "over wasm32's 4 GiB"},
		{FunctionConfig{Name: "f", Path: "x", PoolMax: 1 << 16}, "a pool of over 65535 instances"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
