//go:build wasip1

// Command ratelimit limits requests per client on a key-value store
// shared by every instance and, with a Redis store, every Caddy: a
// sliding window estimated from two fixed windows (see README.md).
// Refused requests get 429 with Retry-After; every answer carries
// RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, set in the
// request phase and carried with the route's response
// (CarryResponseHeaders), so the filter has no response phase.
//
// The request path allocates nothing: keys and numbers are built in
// buffers the filter keeps, and handed to the host as views of them. In
// wasm an allocation costs more than the rest of the filter's Go, and
// brings on the guest's collector (docs/ARCHITECTURE.md, "Guests: what
// costs in wasm").
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
	"unsafe"

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
	// limitText is limits.Limit in decimal, for RateLimit-Limit.
	limitText string
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, CarryResponseHeaders: true})
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
	limitText = strconv.FormatInt(limits.Limit, 10)
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
	// strings.Trim(addr, "[]"), without building a cutset per call.
	for len(addr) > 0 && (addr[0] == '[' || addr[0] == ']') {
		addr = addr[1:]
	}
	for len(addr) > 0 && (addr[len(addr)-1] == '[' || addr[len(addr)-1] == ']') {
		addr = addr[:len(addr)-1]
	}
	return addr
}

// Buffers the request path reuses: the store key, the previous window's
// count, and the numbers of the headers.
var keyBuf, countBuf, remainingBuf, resetBuf []byte

// view is b as a string without a copy, for a host call that copies what
// it is given (a store key, a header value) and keeps nothing of it: b
// is written again by the next request.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// windowKey is the store key of key's counter in window index, as a view
// of keyBuf.
func windowKey(key string, index int64) string {
	keyBuf = append(keyBuf[:0], prefix...)
	keyBuf = append(keyBuf, ':')
	keyBuf = append(keyBuf, key...)
	keyBuf = append(keyBuf, ':')
	keyBuf = indexes.append(keyBuf, index)
	return view(keyBuf)
}

// decimals keeps the decimal text of the last numbers formatted, most
// recent first. Formatting costs more in wasm than the rest of a key:
// the window indexes change once a window and the reset once a second,
// so nearly every request finds its numbers here.
type decimals [2]struct {
	n    int64
	text []byte
}

func (d *decimals) append(dst []byte, n int64) []byte {
	for i := range d {
		if d[i].text != nil && d[i].n == n {
			return append(dst, d[i].text...)
		}
	}
	d[1] = d[0]
	d[0].n, d[0].text = n, strconv.AppendInt(nil, n, 10)
	return append(dst, d[0].text...)
}

// indexes holds the current and previous windows' indexes; resets the
// seconds until the window ends.
var indexes, resets decimals

var tooMany = []byte("too many requests\n")

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
		var ok bool
		if countBuf, ok, err = store.AppendGet(countBuf[:0], windowKey(key, index-1)); err == nil && ok {
			previous, _ = strconv.ParseInt(view(countBuf), 10, 64)
		}
	}
	d := limits.Decide(current, previous, elapsed)
	remainingBuf = strconv.AppendInt(remainingBuf[:0], d.Remaining, 10)
	resetBuf = resets.append(resetBuf[:0], int64((d.Reset+time.Second-1)/time.Second))
	h := guest.Response.Header
	h.Set("RateLimit-Limit", limitText)
	h.Set("RateLimit-Remaining", view(remainingBuf))
	h.Set("RateLimit-Reset", view(resetBuf))
	if !d.Allowed {
		h.Set("Retry-After", view(resetBuf))
		h.Set("Content-Type", "text/plain; charset=utf-8")
		return guest.RespondWith(429, tooMany)
	}
	// Passed on, the headers go out with the route's response
	// (CarryResponseHeaders).
	return guest.Continue
}

func main() {}
