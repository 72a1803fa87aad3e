//go:build !wasip1

// The tests in this file build the C++ function from source (clang++ and
// libc++ for wasm32-wasi: `make deps` installs them) and serve it with Gojinn's
// function handler (package functions): the function as it is deployed,
// minus Caddy.
package hellocpp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/functions"
	"github.com/gojinn/gojinn/internal/filtertest"
	"github.com/gojinn/gojinn/internal/wasmbuild"
)

func load(t *testing.T, args, env []string) *functions.Handler {
	t.Helper()
	path, err := wasmbuild.CXXCommand("src/hello.cpp")
	if err != nil {
		t.Fatal(err)
	}
	h, err := functions.Load(context.Background(), filtertest.Engine(t), functions.Config{Path: path, Args: args, Env: env, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func TestWasmFunction(t *testing.T) {
	h := load(t, nil, []string{"GREETING=hi"})
	for _, tc := range []struct {
		name, method, target, xname, body string
		status                            int
		want                              string
		allow                             string
	}{
		{"name from the query, decoded", "GET", "/hello?x=1&name=ada+l%C3%B6vel%21", "bob", "", 200,
			`{"greeting":"hi, ada lövel!","method":"GET","body_bytes":0}`, ""},
		{"name from the header", "POST", "/hello", "bob", `{"a": "é"}`, 200,
			`{"greeting":"hi, bob","method":"POST","body_bytes":11}`, ""}, // bytes, not characters
		{"no name", "GET", "/", "", "", 200, `{"greeting":"hi, stranger","method":"GET","body_bytes":0}`, ""},
		{"quotes in the name are escaped", "GET", `/?name=%22x%22%5C`, "", "", 200,
			`{"greeting":"hi, \"x\"\\","method":"GET","body_bytes":0}`, ""},
		{"another method", "DELETE", "/hello", "", "", 405, `{"detail":"GET or POST a greeting"}`, "GET, POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.xname != "" {
				r.Header.Set("X-Name", tc.xname)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || w.Body.String() != tc.want {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.status, tc.want)
			}
			if w.Header().Get("Content-Type") != "application/json" || w.Header().Get("X-Served-By") != "hello-cpp" {
				t.Errorf("headers %v", w.Header())
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestWasmFunctionArgs(t *testing.T) {
	h := load(t, []string{"--shout"}, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?name=ada", nil))
	if want := `{"greeting":"HELLO, ADA","method":"GET","body_bytes":0}`; w.Code != 200 || w.Body.String() != want {
		t.Fatalf("%d %s, want %s", w.Code, w.Body, want)
	}
}
