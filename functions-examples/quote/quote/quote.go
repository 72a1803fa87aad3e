// Package quote is the example function's logic: version 2 of a legacy
// API's price quote, written to the original Gojinn's contract with the
// standard library alone. ../command runs it as a WASI command (what any
// toolchain builds), ../reactor as a reactor (the Go SDK's fast path).
//
//	POST /api/v2/quote {"items": [{"sku": "tea", "price_cents": 450, "qty": 2}]}
//	200 {"currency": "EUR", "subtotal_cents": 900, "tax_cents": 207, "total_cents": 1107}
//
// Its settings come as the original's functions' did: the tax rate from
// the environment (TAX_RATE_PERCENT), the currency from the arguments
// (--currency EUR). Note that the arguments are os.Args whole: there is
// no program name in os.Args[0].
package quote

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// Request and Response are the contract's objects.
type Request struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

type Response struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// Settings are the function's configuration.
type Settings struct {
	Currency   string
	TaxPercent int64
}

// settings are read once: a command reads them on every request (each is
// a new start), a reactor once, before the host snapshots it.
var settings = mustLoad(os.Args, os.Getenv("TAX_RATE_PERCENT"))

func mustLoad(args []string, taxRate string) Settings {
	s, err := Load(args, taxRate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quote:", err)
		os.Exit(2)
	}
	return s
}

// Load reads the settings from the arguments (all of them: os.Args has no
// program name here) and the tax rate.
func Load(args []string, taxRate string) (Settings, error) {
	fs := flag.NewFlagSet("quote", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error says what is wrong
	currency := fs.String("currency", "EUR", "ISO 4217 code of the prices")
	if err := fs.Parse(args); err != nil {
		return Settings{}, err
	}
	s := Settings{Currency: *currency}
	if taxRate != "" {
		n, err := strconv.ParseInt(taxRate, 10, 64)
		if err != nil || n < 0 || n > 100 {
			return Settings{}, fmt.Errorf("TAX_RATE_PERCENT %q is not a percentage", taxRate)
		}
		s.TaxPercent = n
	}
	return s, nil
}

type quoteRequest struct {
	Items []struct {
		SKU        string `json:"sku"`
		PriceCents int64  `json:"price_cents"`
		Qty        int64  `json:"qty"`
	} `json:"items"`
}

type quote struct {
	Currency      string `json:"currency"`
	SubtotalCents int64  `json:"subtotal_cents"`
	TaxCents      int64  `json:"tax_cents"`
	TotalCents    int64  `json:"total_cents"`
	Items         int    `json:"items"`
}

// Serve answers one request's JSON with the response's.
func Serve(raw []byte) []byte {
	return settings.Serve(raw)
}

// Serve answers one request's JSON with the response's, with s.
func (s Settings) Serve(raw []byte) []byte {
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		// The host sends valid JSON: this is a bug worth a 502.
		fmt.Fprintln(os.Stderr, "quote: the request is not the contract's:", err)
		os.Exit(1)
	}
	path, _, _ := strings.Cut(req.URI, "?")
	switch {
	case path != "/api/v2/quote":
		return problem(http.StatusNotFound, "no such endpoint in v2: "+path)
	case req.Method != http.MethodPost:
		return problem(http.StatusMethodNotAllowed, "POST a quote request", "Allow", "POST")
	}
	var q quoteRequest
	if err := json.Unmarshal([]byte(req.Body), &q); err != nil {
		return problem(http.StatusBadRequest, "the body is not a quote request: "+err.Error())
	}
	if len(q.Items) == 0 {
		return problem(http.StatusUnprocessableEntity, "a quote needs at least one item")
	}
	out := quote{Currency: s.Currency, Items: len(q.Items)}
	for _, it := range q.Items {
		if it.Qty <= 0 || it.PriceCents < 0 || it.PriceCents > math.MaxInt32 || it.Qty > math.MaxInt16 {
			return problem(http.StatusUnprocessableEntity, fmt.Sprintf("item %q: a quantity of 1 to %d and a price of 0 to %d cents", it.SKU, math.MaxInt16, math.MaxInt32))
		}
		out.SubtotalCents += it.PriceCents * it.Qty
		if out.SubtotalCents > math.MaxInt32*int64(math.MaxInt16) {
			return problem(http.StatusUnprocessableEntity, "too large a quote")
		}
	}
	out.TaxCents = (out.SubtotalCents*s.TaxPercent + 50) / 100 // rounded half up
	out.TotalCents = out.SubtotalCents + out.TaxCents
	body, _ := json.Marshal(out)
	return respond(http.StatusOK, body)
}

// respond is the response's JSON; header is name, value pairs to add.
func respond(status int, body []byte, header ...string) []byte {
	h := map[string][]string{"Content-Type": {"application/json"}, "X-Served-By": {"quote v2"}}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = append(h[header[i]], header[i+1])
	}
	b, _ := json.Marshal(Response{Status: status, Headers: h, Body: string(body)})
	return b
}

func problem(status int, detail string, header ...string) []byte {
	body, _ := json.Marshal(map[string]any{"status": status, "detail": detail})
	return respond(status, body, header...)
}
