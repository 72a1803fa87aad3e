package gojinn

import (
	"context"
	"net"
	"net/http"
	"strconv"
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

// numberConnections has srv, the HTTP server ctx provisions a chain for,
// give each new connection an id. Every chain of a server registers it:
// the first to see a connection numbers it, the others leave it so.
func numberConnections(ctx caddy.Context) {
	srv, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil {
		return // not under an HTTP server: connection.id is not found
	}
	srv.RegisterConnContext(numberConnection)
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
