//go:build wasip1

// Command jwt is Gojinn's JWT authentication filter. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o jwt.wasm ./filters-examples/jwt
//
// The logic is in package jwtauth; this file only wires it to the host:
// the key set is the host's (signatures are verified natively, outside
// wasm), and the request is read and changed through the guest SDK.
package main

import (
	"errors"
	"time"
	"unsafe"

	"github.com/gojinn/gojinn/filters-examples/jwt/jwtauth"
	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest})
}

func main() {}

// auth is this instance's authenticator, built once in configure.
var auth *jwtauth.Authenticator

func configure(config []byte) error {
	cfg, err := jwtauth.ParseConfig(config)
	if err != nil {
		return err
	}
	ks, err := guest.OpenKeyset(cfg.KeysetSpec())
	if err != nil {
		// The host logs why; the code says what kind of failure it was.
		return errors.New("jwt: the host refused the key set: " + err.Error())
	}
	auth, err = jwtauth.New(cfg, hostKeys{ks}, wallClock)
	return err
}

// wallClock reads the WASI realtime clock with one host call; time.Now
// makes two (wall and monotonic), and token times only need the wall.
func wallClock() time.Time {
	var ns uint64
	if clockTimeGet(clockRealtime, 1000, unsafe.Pointer(&ns)) != 0 {
		return time.Now()
	}
	return time.Unix(0, int64(ns))
}

const clockRealtime = 0

//go:wasmimport wasi_snapshot_preview1 clock_time_get
//go:noescape
func clockTimeGet(id uint32, precision uint64, out unsafe.Pointer) uint32

// hostKeys maps the host's signature_verify results to jwtauth's errors.
type hostKeys struct{ ks guest.Keyset }

func (h hostKeys) Verify(alg, kid string, msg, sig []byte) error {
	switch err := h.ks.Verify(alg, kid, msg, sig); err {
	case nil:
		return nil
	case guest.ErrNotFound:
		return jwtauth.ErrUnknownKey
	case guest.ErrInvalid:
		return jwtauth.ErrKeyRejected
	case guest.ErrUnavailable:
		return jwtauth.ErrKeysUnavailable
	default:
		return err // ErrSignature, or anything unexpected: not verified
	}
}

// request reads the current request through the SDK, one host call per
// value, and only for the values the config needs.
type request struct{}

// headerBuf holds the last header read. A token is a kilobyte, and
// allocating it on every request (and collecting it) costs more in wasm
// than the cache lookup it feeds; jwtauth.Request allows the reuse.
var headerBuf = make([]byte, 0, 2048)

func (request) Header(name string) string {
	headerBuf, _ = guest.Request.Header.AppendValues(headerBuf[:0], name)
	return unsafe.String(unsafe.SliceData(headerBuf), len(headerBuf))
}

func (request) URI() string { return guest.URI() }

func onRequest() guest.Action {
	d := auth.Authenticate(request{})
	if d.Outcome == jwtauth.Deny {
		return deny(d)
	}
	for _, name := range d.Remove {
		if err := guest.Request.Header.Remove(name); err != nil {
			return fail("removing " + name + ": " + err.Error())
		}
	}
	for _, h := range d.Set {
		// Failing closed: were the header left unset, a value the
		// client sent under the same name would reach the upstream.
		if err := guest.Request.Header.Set(h.Name, h.Value); err != nil {
			return fail("setting " + h.Name + ": " + err.Error())
		}
	}
	if d.StripCookie != "" {
		if err := stripCookie(d.StripCookie); err != nil {
			return fail("removing the token's cookie: " + err.Error())
		}
	}
	if d.StripQuery != "" {
		if u, found := jwtauth.WithoutQueryParam(guest.URI(), d.StripQuery); found {
			if err := guest.SetURI(u); err != nil {
				return fail("removing the token's query parameter: " + err.Error())
			}
		}
	}
	for _, v := range d.Vars {
		if err := guest.SetVar(v.Name, v.Value); err != nil && guest.LogEnabled(guest.LevelWarn) {
			guest.Log(guest.LevelWarn, "jwt: variable "+v.Name+": "+err.Error())
		}
	}
	return guest.Continue
}

// stripCookie removes the named cookie from the request's Cookie header
// (all its fields, joined into one), removing the header if nothing else
// is left in it.
func stripCookie(name string) error {
	rest, found := jwtauth.WithoutCookie(request{}.Header("Cookie"), name)
	switch {
	case !found:
		return nil
	case rest == "":
		return guest.Request.Header.Remove("Cookie")
	}
	return guest.Request.Header.Set("Cookie", rest)
}

func deny(d jwtauth.Decision) guest.Action {
	if guest.LogEnabled(guest.LevelDebug) {
		guest.Log(guest.LevelDebug, "jwt: denied: "+d.Reason)
	}
	if d.Challenge != "" {
		guest.Response.Header.Set("WWW-Authenticate", d.Challenge)
	}
	if d.Status == 503 {
		// The keys have not loaded yet (the identity provider has not
		// answered): the token may be fine, so the client is told to
		// come back rather than to get a new one.
		guest.Response.Header.Set("Retry-After", retryAfter)
	}
	guest.Response.Header.Set("Content-Type", "text/plain; charset=utf-8")
	guest.Response.Header.Set("Cache-Control", "no-store")
	return guest.RespondWith(d.Status, body(d.Status))
}

func fail(msg string) guest.Action {
	guest.Log(guest.LevelError, "jwt: "+msg)
	guest.Response.Header.Set("Content-Type", "text/plain; charset=utf-8")
	return guest.RespondWith(500, body(500))
}

// retryAfter is the Retry-After of a 503, in seconds: a few refetch
// attempts of a key set that has not loaded.
const retryAfter = "5"

var (
	body401 = []byte("Unauthorized\n")
	body403 = []byte("Forbidden\n")
	body503 = []byte("Service Unavailable\n")
	body500 = []byte("Internal Server Error\n")
)

func body(status int) []byte {
	switch status {
	case 401:
		return body401
	case 403:
		return body403
	case 503:
		return body503
	}
	return body500
}
