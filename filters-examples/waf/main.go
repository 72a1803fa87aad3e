//go:build wasip1

// Command waf is Gojinn's drop-in web application firewall filter. It
// scores each request with the detect engine (SQL injection, XSS, path
// traversal, remote file inclusion, command injection, PHP, Java and
// Log4Shell injection, session fixation, scanners, protocol anomalies)
// and refuses it with 403 in block mode, or reports it in detect mode.
// See README.md for the configuration.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o waf.wasm ./filters-examples/waf
package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
	"github.com/gojinn/gojinn/hostabi/guest"
)

// engine is built once per instance, in configure.
var engine *detect.Engine

// These are what readRequest fills, kept between requests (an instance
// serves one at a time) so that reading a request allocates nothing:
// inside wasm every allocation brings the next collection of the
// engine's large heap nearer. The host copies the URI, the header names,
// the header values (NUL-separated) and the body into the byte buffers,
// and the request's strings are views of them. That is safe because
// nothing of a request outlives it (the engine keeps nothing; the result
// is used before the next request) and a buffer is only appended to
// while a request is read.
var (
	headers []detect.Header
	values  []byte
	names   []byte
	uri     []byte
	body    []byte
)

func init() {
	// ReadsRequestBody: the host reads the body before the call, so a
	// client trickling its body waits on the host, never on one of this
	// filter's instances or inside its time limit.
	guest.Register(guest.Filter{Configure: configure, OnRequest: onRequest, ReadsRequestBody: true})
}

func main() {}

func configure(config []byte) error {
	cfg, err := detect.ParseConfig(config)
	if err != nil {
		return err
	}
	engine, err = detect.New(cfg)
	return err
}

func onRequest() guest.Action {
	if engine == nil {
		// A host that skips configure still gets the defaults.
		if err := configure(nil); err != nil {
			guest.Log(guest.LevelError, "waf: "+err.Error())
			return guest.Continue
		}
	}
	req := readRequest()
	res := engine.Inspect(&req)
	clear(req.Headers) // the engine keeps nothing of the request
	headers = req.Headers[:0]
	cfg := engine.Config()
	if res.BodySkipped {
		// Over the host's body limit: the body was not inspected, and
		// later filters and logs are told so rather than left to assume.
		guest.SetVar("waf.body", "skipped")
		if guest.LogEnabled(guest.LevelInfo) {
			guest.Log(guest.LevelInfo, "waf: body over the host's limit, not inspected")
		}
	} else if res.BodyTruncated {
		guest.SetVar("waf.body", "truncated")
	}
	if len(res.Matches) == 0 {
		return guest.Continue
	}
	id := requestID()
	summary := res.Summary()
	guest.SetVar("waf.score", strconv.Itoa(res.Score))
	guest.SetVar("waf.matches", summary)
	guest.SetVar("waf.request_id", id)
	if !res.Attack {
		return guest.Continue
	}
	if cfg.Mode == detect.ModeDetect {
		if guest.LogEnabled(guest.LevelWarn) {
			guest.Log(guest.LevelWarn, "waf: attack detected (detect mode, passed): id="+id+" score="+strconv.Itoa(res.Score)+" matches="+summary)
		}
		return guest.Continue
	}
	if guest.LogEnabled(guest.LevelInfo) {
		guest.Log(guest.LevelInfo, "waf: request blocked: id="+id+" score="+strconv.Itoa(res.Score)+" matches="+summary)
	}
	guest.Response.Header.Set("Content-Type", "text/plain; charset=utf-8")
	guest.Response.Header.Set("Cache-Control", "no-store")
	return guest.RespondWith(cfg.BlockStatus, []byte("Request blocked by the web application firewall.\nRequest id: "+id+"\n"))
}

// readRequest copies what the engine inspects out of the host.
func readRequest() detect.Request {
	uri = guest.AppendURI(uri[:0])
	names = guest.Request.Header.AppendNames(names[:0])
	req := detect.Request{Method: guest.Method(), URI: view(uri), Headers: headers[:0]}
	buf := values[:0]
	for list, more := view(names), len(names) > 0; more; {
		var name string
		name, list, more = strings.Cut(list, "\x00")
		start := len(buf)
		var ok bool
		if buf, ok = guest.Request.Header.AppendValues(buf, name); !ok {
			continue
		}
		// Earlier values stay valid if buf moves: the old array is not
		// written again.
		vals := view(buf[start:])
		for more := true; more; {
			var v string
			v, vals, more = strings.Cut(vals, "\x00")
			req.Headers = append(req.Headers, detect.Header{Name: name, Value: v})
		}
	}
	values = buf
	if engine.Config().MaxBodyBytes < 0 {
		return req
	}
	// The host says whether there is a body: no Content-Length is not
	// no body (chunked, HTTP/2), and a body the guest skipped on that
	// ground would pass uninspected.
	switch n, err := guest.Request.BodySize(); {
	case err == nil && n == 0:
		return req
	case errors.Is(err, guest.ErrTooLarge):
		req.BodyUnread = true
		return req
	}
	// A known length, or one only reading tells.
	b, err := guest.Request.AppendBody(body[:0])
	switch {
	case errors.Is(err, guest.ErrTooLarge):
		req.BodyUnread = true
	case err != nil:
		req.BodyUnread = true
		guest.Log(guest.LevelWarn, "waf: reading the body: "+err.Error())
	default:
		req.Body = b
		// Kept for the next request unless it is unusually large, so that
		// one big body does not pin its memory for good.
		if cap(b) <= maxKeptBody {
			body = b
		}
	}
	return req
}

// maxKeptBody is the largest body buffer kept between requests.
const maxKeptBody = 64 << 10

// view is b as a string, valid until b's buffer is next written: the
// request's strings are read by the engine, which keeps none of them.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// requestID names a request in the refusal and the logs so that an
// operator can find one from the other: the client's X-Request-Id when
// it sent a sane one, otherwise 16 random hex digits. They come from
// crypto/rand, which asks the host on every call: instances are restored
// from one snapshot of a configured instance, so math/rand's generator,
// seeded before it, would give every instance the same sequence.
func requestID() string {
	if id := guest.Request.Header.Get("X-Request-Id"); isSaneID(id) {
		return id
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// The host's random source failed: say so rather than name two
		// requests alike.
		return "unavailable"
	}
	return strconv.FormatUint(binary.LittleEndian.Uint64(b[:])|1<<63, 16)
}

func isSaneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
