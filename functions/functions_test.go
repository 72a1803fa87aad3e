package functions

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gojinn/gojinn/filters"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// echo is what the probe's "echo" answers: what it was given.
type echo struct {
	Method   string              `json:"method"`
	URI      string              `json:"uri"`
	Headers  map[string][]string `json:"headers"`
	Body     string              `json:"body"`
	TraceID  string              `json:"trace_id"`
	Args     []string            `json:"args"`
	Env      map[string]string   `json:"env"`
	Requests int                 `json:"requests"`
}

func load(t *testing.T, wasm []byte, cfg Config) (*Handler, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	cfg.Name, cfg.Wasm, cfg.Logger = "probe", wasm, zap.New(core)
	h, err := Load(context.Background(), newEngine(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h, logs
}

func serve(h http.Handler, method, target string, header http.Header, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestServeEcho: the function gets the request as the contract has it,
// with its arguments and environment, and its answer reaches the client.
func TestServeEcho(t *testing.T) {
	for _, form := range forms {
		t.Run(form.kind.String(), func(t *testing.T) {
			h, _ := load(t, form.wasm(t), Config{
				Args: []string{"--debug", "two words"},
				Env:  []string{"GREETING=hello", "SECRET=s3cret"},
			})
			if h.Kind() != form.kind {
				t.Fatalf("loaded as a %s", h.Kind())
			}
			w := serve(h, http.MethodPost, "/api/contact?id=123", http.Header{
				"Content-Type": {"application/json"},
				"X-Multi":      {"a", "b"},
				"Traceparent":  {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
			}, `{"user": "john"}`)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
			}
			var got echo
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Method != "POST" || got.URI != "/api/contact?id=123" || got.Body != `{"user": "john"}` ||
				got.TraceID != "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" ||
				strings.Join(got.Headers["X-Multi"], ",") != "a,b" || got.Headers["Content-Type"][0] != "application/json" {
				t.Errorf("the function got %+v", got)
			}
			if strings.Join(got.Args, "|") != "--debug|two words" || got.Env["GREETING"] != "hello" || got.Env["SECRET"] != "s3cret" || len(got.Env) != 2 {
				t.Errorf("args %q, env %v", got.Args, got.Env)
			}
		})
	}
}

// TestServeViolations: every way of breaking the contract or failing
// answers its status, says which rule broke in the log, and the next
// request is served.
func TestServeViolations(t *testing.T) {
	tests := []struct {
		op, arg string
		body    string
		status  int
		reason  string
	}{
		{"string-status", "", "", 502, `status is a string ("200"), want an integer`},
		{"non-array-headers", "", "", 502, "header Content-Type is a string, want an array of strings"},
		{"debug-line", "", "", 502, `not a JSON object: it starts with "debug: handling /"`},
		{"trailing", "", "", 502, "goes on after its JSON object"},
		{"raw", "", "", 502, "wrote nothing on stdout"},
		{"raw", "42", "", 502, `not a JSON object: it starts with "42"`},
		{"raw", `{"status": 200, "body": 7}`, "", 502, "body is a number, want a string"},
		{"raw", `{"status": 200, "headers": {"X-A": ["a\nb"]}}`, "", 502, "line break"},
		{"status", "42", "", 502, "status 42 is out of range"},
		{"exit", "", "", 502, "the function exited with code 3"},
		{"panic", "", "", 502, ""},
		{"trap", "", "", 502, "the function trapped: wasm error: out of bounds memory access"},
		{"loop", "", "", 504, "the function ran past its timeout of 1s"},
		{"alloc", "", "", 502, "the function hit its memory limit of 33554432 bytes"},
		{"big-stdout", "100000", "", 502, "the function wrote more than its limit of 65536 bytes on stdout"},
		{"body-length", "", strings.Repeat("x", 1001), 413, "request body over the function's limit: Content-Length 1001 is over 1000 bytes"},
	}
	for _, form := range forms {
		t.Run(form.kind.String(), func(t *testing.T) {
			h, logs := load(t, form.wasm(t), Config{
				Timeout: time.Second, MemoryLimit: 32 << 20, MaxOutputBytes: 64 << 10, MaxBodyBytes: 1000, PoolSize: 2,
			})
			for _, tt := range tests {
				logs.TakeAll()
				w := serve(h, http.MethodPost, "/", http.Header{"X-Op": {tt.op}, "X-Arg": {tt.arg}}, tt.body)
				if w.Code != tt.status {
					t.Errorf("%s %s: %d %q, want %d", tt.op, tt.arg, w.Code, w.Body, tt.status)
				}
				failed := logs.FilterMessage("function failed").All()
				if len(failed) != 1 {
					t.Fatalf("%s %s: %d failure lines logged", tt.op, tt.arg, len(failed))
				}
				reason, _ := failed[0].ContextMap()["error"].(string)
				want := tt.reason
				if tt.op == "panic" {
					// A command's runtime exits; a reactor's aborts its call.
					want = map[filters.FunctionKind]string{filters.Command: "the function exited with code 2",
						filters.Reactor: "the function trapped: wasm error: unreachable"}[form.kind]
				}
				if !strings.Contains(reason, want) {
					t.Errorf("%s %s: logged %q, want %q", tt.op, tt.arg, reason, want)
				}
				if strings.Contains(w.Body.String(), "function") {
					t.Errorf("%s: the client was told %q", tt.op, w.Body)
				}
				if w := serve(h, http.MethodGet, "/after", http.Header{"X-Op": {"status"}, "X-Arg": {"201"}}, ""); w.Code != 201 {
					t.Fatalf("after %s: %d %q", tt.op, w.Code, w.Body)
				}
			}
			// A panic's message reached the log, with the function's name.
			logs.TakeAll()
			serve(h, http.MethodGet, "/", http.Header{"X-Op": {"panic"}}, "")
			if logs.FilterMessage("guest output").FilterField(zap.String("line", "panic: probe panics on purpose")).Len() != 1 {
				t.Errorf("the panic's message was not logged")
			}
		})
	}
}

// TestServeChunkedBodyOverLimit: a body without a length is cut at the
// limit and refused, without reading the rest.
func TestServeChunkedBodyOverLimit(t *testing.T) {
	h, _ := load(t, reactorWasm(t), Config{MaxBodyBytes: 1000})
	for _, n := range []int{1000, 1001, 1 << 20} {
		r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(strings.Repeat("y", n))))
		r.ContentLength = -1
		r.Header.Set("X-Op", "body-length")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		want := 200
		if n > 1000 {
			want = 413
		}
		if w.Code != want {
			t.Errorf("%d bytes: %d %q", n, w.Code, w.Body)
		}
	}
}

// TestDescribe: how each failure of the engine answers the client.
func TestDescribe(t *testing.T) {
	h := &Handler{timeout: time.Second, memory: 1 << 20, maxOut: 100}
	for _, tt := range []struct {
		kind   error
		status int
		reason string
	}{
		{filters.ErrBusy, 503, "no instance of the function was free in time"},
		{filters.ErrClosed, 503, "the function was unloaded"},
		{filters.ErrTimeout, 504, "the function ran past its timeout of 1s"},
		{filters.ErrMemoryLimit, 502, "the function hit its memory limit of 1048576 bytes"},
		{filters.ErrOutputTooLarge, 502, "the function wrote more than its limit of 100 bytes on stdout"},
		{filters.ErrTrap, 502, "the function trapped: wasm error: unreachable"},
	} {
		f := h.describe(&filters.CallError{Filter: "fn", Kind: tt.kind, Cause: errors.New("wasm error: unreachable")})
		if f.Status != tt.status || !strings.HasPrefix(f.Error(), tt.reason) || !errors.Is(f, tt.kind) {
			t.Errorf("%v: %d %q", tt.kind, f.Status, f.Error())
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Path: "fn.wasm", MaxBodyBytes: -1}, "max body cannot be negative"},
		{Config{Path: "fn.wasm", Env: []string{"NOVALUE"}}, "not KEY=value"},
		{Config{}, "no module"},
	} {
		if err := tt.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v", tt.cfg, err)
		}
	}
	if _, err := Load(context.Background(), newEngine(t), Config{Path: "/nonexistent/fn.wasm"}); err == nil ||
		!strings.Contains(err.Error(), "function fn (/nonexistent/fn.wasm)") {
		t.Errorf("a missing module: %v", err)
	}
}

// TestServeCCommand: a function in another language, a C program built
// as a WASI command with nothing of Gojinn in it, runs as Go's do.
func TestServeCCommand(t *testing.T) {
	path, err := wasmbuild.CCommand("testdata/ccommand/greet.c")
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := load(t, wasm, Config{Args: []string{"--lang", "c"}, Env: []string{"GREETING=olá"}})
	if h.Kind() != filters.Command {
		t.Fatalf("loaded as a %s", h.Kind())
	}
	w := serve(h, http.MethodPost, "/c", nil, "12345")
	want := `olá from C: ` // then the request's size, which its JSON sets
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), want) || !strings.HasSuffix(w.Body.String(), " bytes in, 2 args, first --lang") {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
}
