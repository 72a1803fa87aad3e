package gojinn

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/gojinn/gojinn/hostabi/host"
)

// What Caddy knows of a request beyond its HTTP, for the dialects'
// properties (host.ServerValue): the downstream connection's id, which
// Caddy numbers no connection with, so the module does, and the upstream
// reverse_proxy chose, from Caddy's replacer.

// connIDKey is the request context's key of the connection's id.
type connIDKey struct{}

// connIDs counts the connections numbered in the process: ids are
// unique within it, across servers and config reloads.
var connIDs atomic.Uint64

// numbered counts the chains provisioned on each HTTP server, so that
// the first alone registers numberConnection with it: a server of 200
// sites with a chain each runs one function per new connection, not 200.
// A chain's Cleanup gives its count back, and the server's entry goes
// with the last, as the server does with its config.
var numbered = struct {
	mu      sync.Mutex
	servers map[*caddyhttp.Server]int
}{servers: make(map[*caddyhttp.Server]int)}

// numberConnections has srv, the HTTP server ctx provisions a chain for,
// give each new connection an id, and returns srv for releaseNumbering
// (nil when there is no server: connection.id is not found then).
func numberConnections(ctx caddy.Context) *caddyhttp.Server {
	srv, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil {
		return nil
	}
	if holdNumbering(srv) {
		srv.RegisterConnContext(numberConnection)
	}
	return srv
}

// holdNumbering counts one more chain on srv and reports whether it is
// the first, which registers the hook.
func holdNumbering(srv *caddyhttp.Server) (first bool) {
	numbered.mu.Lock()
	defer numbered.mu.Unlock()
	numbered.servers[srv]++
	return numbered.servers[srv] == 1
}

// releaseNumbering gives back a chain's count on srv.
func releaseNumbering(srv *caddyhttp.Server) {
	numbered.mu.Lock()
	defer numbered.mu.Unlock()
	if numbered.servers[srv]--; numbered.servers[srv] <= 0 {
		delete(numbered.servers, srv)
	}
}

func numberConnection(ctx context.Context, _ net.Conn) context.Context {
	if _, ok := ctx.Value(connIDKey{}).(uint64); ok {
		return ctx
	}
	return context.WithValue(ctx, connIDKey{}, connIDs.Add(1))
}

// upstreamHostPort is reverse_proxy's placeholder of the upstream it
// sent the request to.
const upstreamHostPort = "http.reverse_proxy.upstream.hostport"

// caddyServerValues implements host.ServerValues from r's context.
func caddyServerValues(r *http.Request, v host.ServerValue) (string, bool) {
	switch v {
	case host.ServerConnectionID:
		id, ok := r.Context().Value(connIDKey{}).(uint64)
		if !ok {
			return "", false
		}
		return strconv.FormatUint(id, 10), true
	case host.ServerUpstreamAddress:
		repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		if !ok {
			return "", false
		}
		hp, ok := repl.GetString(upstreamHostPort)
		return hp, ok && hp != ""
	}
	return "", false
}
