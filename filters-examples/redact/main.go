//go:build wasip1

// Command redact is a Gojinn response filter that replaces e-mail
// addresses and payment card numbers in JSON and text responses. Build it
// with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o redact.wasm ./filters-examples/redact
//
// The matching is in package redactor; this file wires it to the host. It
// asks for the response body (BufferResponseBody), so the host holds
// responses up to its body limit before this filter sees them.
package main

import (
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/filters-examples/redact/redactor"
	"github.com/gojinn/gojinn/hostabi/guest"
)

func init() {
	guest.Register(guest.Filter{
		Configure:          configure,
		OnRequest:          onRequest,
		OnResponse:         onResponse,
		BufferResponseBody: true,
	})
}

func main() {}

var (
	settings *redactor.Settings
	red      *redactor.Redactor
	// warnedTooLarge keeps the over-the-limit warning to one per instance.
	warnedTooLarge bool
)

func configure(config []byte) error {
	s, err := redactor.ParseConfig(config)
	if err != nil {
		return err
	}
	settings, red = s, redactor.New(s.Options)
	return nil
}

func onRequest() guest.Action { return guest.Continue }

func onResponse() guest.Action {
	h := guest.Response.Header
	mode := settings.ModeFor(h.Get("Content-Type"))
	if mode == redactor.Skip {
		return guest.Continue
	}
	if enc := h.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		// Compressed: the host asks the route for an uncompressed body,
		// so this is an upstream that compresses regardless.
		if guest.LogEnabled(guest.LevelDebug) {
			guest.Log(guest.LevelDebug, "redact: body has Content-Encoding "+enc+": left untouched")
		}
		guest.SetVar("redact.skipped", "encoded")
		return guest.Continue
	}
	body, err := guest.Response.Body()
	switch err {
	case nil:
	case guest.ErrTooLarge:
		if !warnedTooLarge {
			warnedTooLarge = true
			guest.Log(guest.LevelWarn, "redact: a response body is over the host's body limit (max_body) and was "+
				"sent unredacted; this is logged once per instance, see the chain variable redact.skipped")
		}
		guest.SetVar("redact.skipped", "too_large")
		return guest.Continue
	default:
		guest.Log(guest.LevelError, "redact: reading the response body: "+err.Error())
		guest.SetVar("redact.skipped", "error")
		return guest.Continue
	}
	var n int
	if mode == redactor.ModeJSON {
		body, n = red.JSON(body)
	} else {
		body, n = red.Text(body)
	}
	if n == 0 {
		return guest.Continue
	}
	if err := guest.Response.SetBody(body); err != nil {
		// Only when replacements grew the body past the limit.
		guest.Log(guest.LevelError, "redact: writing the redacted body: "+err.Error()+"; the response is sent unredacted")
		guest.SetVar("redact.skipped", "error")
		return guest.Continue
	}
	count := strconv.Itoa(n)
	if settings.CountHeader != "" {
		h.Set(settings.CountHeader, count)
	}
	guest.SetVar("redact.count", count)
	return guest.Continue
}
