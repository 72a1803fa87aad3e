package gojinn

import (
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestNumberingOncePerServer: the first chain provisioned on a server
// registers the connection hook, the others only count, and the count
// goes with the last chain's Cleanup, so a later config's chain on the
// same server (in a test: the same pointer) registers again.
func TestNumberingOncePerServer(t *testing.T) {
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
			releaseNumbering(step.srv)
			continue
		}
		if got := holdNumbering(step.srv); got != step.wantFirst {
			t.Fatalf("step %d: first = %v, want %v", i, got, step.wantFirst)
		}
	}
	numbered.mu.Lock()
	defer numbered.mu.Unlock()
	if n, ok := numbered.servers[a]; ok {
		t.Errorf("server a still counted (%d) after its last release", n)
	}
	if n, ok := numbered.servers[b]; ok {
		t.Errorf("server b still counted (%d) after its last release", n)
	}
}
