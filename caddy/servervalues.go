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

// serverHooks is what the chains of one HTTP server share: the hooks the
// first of them registers with it, once, so that a server of 200 sites
// with a chain each runs one function per new connection, not 200.
// numberConnection gives each connection an id; trackConn counts the
// connections open, so that a chain of an unloaded config closes its
// filters only once its server can send it no more requests (see
// Chain.Cleanup). A chain's Cleanup gives its count back, and the
// server's entry goes with the last, as the server does with its config.
type serverHooks struct {
	chains int // guarded by servers.mu
	// open counts the server's connections from http.StateNew to
	// StateClosed or StateHijacked; a hijacked connection's request is
	// counted by its chain instead.
	open   atomic.Int64
	mu     sync.Mutex
	onIdle []func() // run once open is zero
}

var servers = struct {
	mu    sync.Mutex
	hooks map[*caddyhttp.Server]*serverHooks
}{hooks: make(map[*caddyhttp.Server]*serverHooks)}

// hookServer has srv, the HTTP server ctx provisions a chain for, number
// and count its connections, and returns srv and its hooks for
// releaseServer (nil when there is no server: connection.id is not found
// then, and a chain closes as soon as its last request ends).
func hookServer(ctx caddy.Context) (*caddyhttp.Server, *serverHooks) {
	srv, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil {
		return nil, nil
	}
	h, first := holdServer(srv)
	if first {
		srv.RegisterConnContext(numberConnection)
		srv.RegisterConnState(h.trackConn)
	}
	return srv, h
}

// holdServer counts one more chain on srv and returns its hooks, and
// whether it is the first chain, which registers them.
func holdServer(srv *caddyhttp.Server) (h *serverHooks, first bool) {
	servers.mu.Lock()
	defer servers.mu.Unlock()
	h = servers.hooks[srv]
	if h == nil {
		h = new(serverHooks)
		servers.hooks[srv] = h
	}
	h.chains++
	return h, h.chains == 1
}

// releaseServer gives back a chain's count on srv.
func releaseServer(srv *caddyhttp.Server) {
	servers.mu.Lock()
	defer servers.mu.Unlock()
	h := servers.hooks[srv]
	if h == nil {
		return
	}
	if h.chains--; h.chains <= 0 {
		delete(servers.hooks, srv)
	}
}

func (h *serverHooks) trackConn(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		h.open.Add(1)
	case http.StateClosed, http.StateHijacked:
		if h.open.Add(-1) == 0 {
			h.mu.Lock()
			fs := h.onIdle
			h.onIdle = nil
			h.mu.Unlock()
			for _, f := range fs {
				f()
			}
		}
	}
}

// whenIdle runs f once the server has no connection open: now, or when
// its last one closes. It is for a config being unloaded, whose server
// takes no new connections, so that idle, once reached, stays.
func (h *serverHooks) whenIdle(f func()) {
	h.mu.Lock()
	if h.open.Load() > 0 {
		h.onIdle = append(h.onIdle, f)
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	f()
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
