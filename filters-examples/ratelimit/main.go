//go:build wasip1

// Command ratelimit limits requests per client on a key-value store
// shared by every instance and, with a Redis store, every Caddy: a
// sliding window estimated from two fixed windows (see README.md).
// Refused requests get 429 with Retry-After; every answer carries
// RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.
//
// Config (all optional but limit):
//
//	{"store": "default", "limit": 100, "window": "1m",
//	 "key": "client_addr" | "header:<name>" | "var:<chain variable>",
//	 "prefix": "rl"}
package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/gojinn/gojinn/filters-examples/ratelimit/window"
	"github.com/gojinn/gojinn/hostabi/guest"
)

var (
	store  guest.Store
	limits window.Window
	prefix = "rl"
	// keyFrom reads the request's key; empty when it has none.
	keyFrom = clientKey
	keyName = "client_addr"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, OnResponse: onResponse})
}

type configError string

func (e configError) Error() string { return string(e) }

func configure(config []byte) error {
	if !gjson.ValidBytes(config) {
		return configError("config is not valid JSON")
	}
	c := gjson.ParseBytes(config)
	name := "default"
	if s := c.Get("store"); s.Exists() {
		name = s.String()
	}
	limits = window.Window{Limit: c.Get("limit").Int(), Size: time.Minute}
	if limits.Limit <= 0 {
		return configError("limit must be a positive number of requests")
	}
	if w := c.Get("window"); w.Exists() {
		d, err := time.ParseDuration(w.String())
		if err != nil || d < time.Second {
			return configError("window must be a duration of at least 1s")
		}
		limits.Size = d
	}
	if p := c.Get("prefix"); p.Exists() {
		prefix = p.String()
	}
	if k := c.Get("key"); k.Exists() {
		keyName = k.String()
		switch source, arg, _ := strings.Cut(keyName, ":"); {
		case keyName == "client_addr":
		case source == "header" && arg != "":
			keyFrom = func() string { return guest.Request.Header.Get(arg) }
		case source == "var" && arg != "":
			keyFrom = func() string { v, _ := guest.Var(arg); return v }
		default:
			return configError(`key must be "client_addr", "header:<name>" or "var:<name>"`)
		}
	}
	var err error
	if store, err = guest.OpenStore(name); err != nil {
		return configError("store " + strconv.Quote(name) + ": " + err.Error())
	}
	return nil
}

// clientKey is the client's IP address, without the port.
func clientKey() string {
	addr := guest.ClientAddr()
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// buf holds the keys, reused across requests.
var buf []byte

func windowKey(key string, index int64) string {
	buf = append(buf[:0], prefix...)
	buf = append(buf, ':')
	buf = append(buf, key...)
	buf = append(buf, ':')
	buf = strconv.AppendInt(buf, index, 10)
	return string(buf)
}

func onRequest() guest.Action {
	key := keyFrom()
	if key == "" {
		// A request without the key (no such header, no such variable)
		// is limited with every other such request, not let through.
		key = "-"
	}
	index, elapsed := limits.Index(time.Now())
	// The current window's counter lives two windows: the next one reads
	// it as its previous.
	current, err := store.Incr(windowKey(key, index), 1, 2*limits.Size)
	if err != nil {
		// fail_open: the store is unavailable, and the request goes on
		// unlimited rather than refused.
		return guest.Continue
	}
	var previous int64
	if limits.NeedsPrevious(current) {
		if v, ok, err := store.Get(windowKey(key, index-1)); err == nil && ok {
			previous, _ = strconv.ParseInt(string(v), 10, 64)
		}
	}
	d := limits.Decide(current, previous, elapsed)
	remaining := strconv.FormatInt(d.Remaining, 10)
	reset := strconv.FormatInt(int64((d.Reset+time.Second-1)/time.Second), 10)
	if !d.Allowed {
		h := guest.Response.Header
		setHeaders(remaining, reset)
		h.Set("Retry-After", reset)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		return guest.RespondWith(429, []byte("too many requests\n"))
	}
	// The upstream's response gets the headers in the response phase,
	// which may run on another instance: the chain variable carries them.
	_ = guest.SetVar(headersVar, remaining+" "+reset)
	return guest.Continue
}

// headersVar holds "<remaining> <reset>" from the request phase to the
// response phase.
const headersVar = "ratelimit.headers"

func setHeaders(remaining, reset string) {
	h := guest.Response.Header
	h.Set("RateLimit-Limit", strconv.FormatInt(limits.Limit, 10))
	h.Set("RateLimit-Remaining", remaining)
	h.Set("RateLimit-Reset", reset)
}

func onResponse() guest.Action {
	if v, ok := guest.Var(headersVar); ok {
		if remaining, reset, ok := strings.Cut(v, " "); ok {
			setHeaders(remaining, reset)
		}
	}
	return guest.Continue
}

func main() {}
