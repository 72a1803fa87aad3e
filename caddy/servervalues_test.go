package gojinn

import (
	"net/http"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestHooksOncePerServer: the first chain provisioned on a server
// registers the connection hooks, the others only count, and the count
// goes with the last chain's Cleanup, so a later config's chain on the
// same server (in a test: the same pointer) registers again.
func TestHooksOncePerServer(t *testing.T) {
	a, b := new(caddyhttp.Server), new(caddyhttp.Server)
	for i, step := range []struct {
		hold      bool // hold, else release
		srv       *caddyhttp.Server
		wantFirst bool
	}{
		{true, a, true}, {true, a, false}, {true, b, true},
		{false, a, false}, {true, a, false},
		{false, a, false}, {false, a, false}, {true, a, true},
		{false, a, false}, {false, b, false},
	} {
		if !step.hold {
			releaseServer(step.srv)
			continue
		}
		if _, got := holdServer(step.srv); got != step.wantFirst {
			t.Fatalf("step %d: first = %v, want %v", i, got, step.wantFirst)
		}
	}
	servers.mu.Lock()
	defer servers.mu.Unlock()
	if h, ok := servers.hooks[a]; ok {
		t.Errorf("server a still counted (%d) after its last release", h.chains)
	}
	if h, ok := servers.hooks[b]; ok {
		t.Errorf("server b still counted (%d) after its last release", h.chains)
	}
}

// TestWhenIdle: what waits for a server's connections runs once, when
// the last open one closes or is hijacked, or at once when none is open;
// an idle connection is still open.
func TestWhenIdle(t *testing.T) {
	h := new(serverHooks)
	runs := 0
	count := func() { runs++ }
	h.trackConn(nil, http.StateNew)
	h.trackConn(nil, http.StateNew)
	h.trackConn(nil, http.StateActive)
	h.trackConn(nil, http.StateIdle)
	h.whenIdle(count)
	h.trackConn(nil, http.StateClosed)
	if runs != 0 {
		t.Fatalf("ran with a connection open")
	}
	h.trackConn(nil, http.StateHijacked)
	if runs != 1 {
		t.Fatalf("ran %d times when the last connection went, want 1", runs)
	}
	h.trackConn(nil, http.StateNew)
	h.trackConn(nil, http.StateClosed)
	if runs != 1 {
		t.Fatalf("ran %d times, want once", runs)
	}
	h.whenIdle(count)
	if runs != 2 {
		t.Fatal("did not run at once with no connection open")
	}
}
