// Package benchreq holds the requests the WAF's cost is measured on, so
// that the engine's benchmarks and the Coraza comparison (a separate
// module) time exactly the same work.
package benchreq

import (
	"fmt"
	"strings"

	"github.com/gojinn/gojinn/filters-examples/waf/detect"
)

// GET is a typical page view: what the engine costs on traffic that is
// not an attack, which is nearly all traffic.
func GET() *detect.Request {
	return &detect.Request{
		Method: "GET",
		URI:    "/products/47932/reviews?sort=helpful&page=2&q=red+running+shoes",
		Headers: []detect.Header{
			{Name: "Host", Value: "shop.example.com"},
			{Name: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"},
			{Name: "Accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
			{Name: "Accept-Language", Value: "en-US,en;q=0.9"},
			{Name: "Accept-Encoding", Value: "gzip, deflate, br"},
			{Name: "Referer", Value: "https://shop.example.com/products/47932"},
			{Name: "Cookie", Value: "session=4f426dcbb394fb36bb2d420f0f88080b; theme=dark; consent=yes"},
		},
	}
}

// JSONPOST4K is a 4 KiB JSON API call: an order whose line items differ
// in every value, as real ones do (keys repeat, as they do too).
func JSONPOST4K() *detect.Request {
	products := []string{"Trail running shoe", "Rain jacket, men's", "Wool socks (3 pairs)", "Water bottle 750 ml", "Headlamp - 300 lm"}
	notes := []string{"gift wrap, please", "it's for my brother", "", "deliver after 6 pm", "same as last time"}
	var b strings.Builder
	b.WriteString(`{"customer":{"name":"Anne-Marie O'Brien","email":"anne@example.net","phone":"+33 1 23 45 67 89"},"shipping":{"street":"12 rue de la Paix","city":"Paris","zip":"75002","country":"FR"},"items":[`)
	for i := 0; b.Len() < 4000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%05d","name":"%s, size %d","qty":%d,"price":%d.%02d,"note":"%s"}`,
			10007*i%99991, products[i%len(products)], 36+i%11, 1+i%3, 20+i*7%80, i*13%100, notes[i%len(notes)])
	}
	b.WriteString(`],"comment":"Leave at the door if nobody answers."}`)
	return &detect.Request{
		Method: "POST",
		URI:    "/api/v1/orders",
		Headers: []detect.Header{
			{Name: "Host", Value: "shop.example.com"},
			{Name: "User-Agent", Value: "okhttp/4.12.0"},
			{Name: "Accept", Value: "application/json"},
			{Name: "Content-Type", Value: "application/json"},
			{Name: "Authorization", Value: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"},
		},
		Body: []byte(b.String()),
	}
}

// ReviewPOST4K is a 4 KiB JSON product review: one long value of prose
// (a paragraph, single-spaced) beside a few short fields, the shape where
// most of the inspected bytes are in one value.
func ReviewPOST4K() *detect.Request {
	sentences := []string{
		"I bought these for trail running and they have held up well over three months.",
		"The fit is true to size, though the toe box is a little narrow for wide feet.",
		"Grip on wet rock is better than my last pair, and the laces stay tied.",
		"After about 400 km the cushioning still feels fine on long downhill sections.",
		"Shipping took four days and the box arrived in good shape.",
		"Would I buy them again? Probably, if the price drops back to what it was in spring.",
	}
	var text strings.Builder
	for i := 0; text.Len() < 3800; i++ {
		if i > 0 {
			text.WriteByte(' ')
		}
		text.WriteString(sentences[i*7%len(sentences)])
	}
	body := fmt.Sprintf(`{"product":47932,"rating":4,"author":"Anne-Marie O'Brien","title":"Good shoes, narrow toe box","text":%q}`, text.String())
	return &detect.Request{
		Method: "POST",
		URI:    "/api/v1/products/47932/reviews",
		Headers: []detect.Header{
			{Name: "Host", Value: "shop.example.com"},
			{Name: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"},
			{Name: "Accept", Value: "application/json"},
			{Name: "Content-Type", Value: "application/json"},
		},
		Body: []byte(body),
	}
}
