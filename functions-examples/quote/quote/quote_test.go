package quote

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestServe(t *testing.T) {
	s := Settings{Currency: "EUR", TaxPercent: 23}
	tests := []struct {
		name, method, uri, body string
		status                  int
		want                    string
	}{
		{"a quote", "POST", "/api/v2/quote", `{"items": [{"sku": "tea", "price_cents": 450, "qty": 2}, {"sku": "cup", "price_cents": 1299, "qty": 1}]}`,
			200, `{"currency":"EUR","subtotal_cents":2199,"tax_cents":506,"total_cents":2705,"items":2}`},
		{"rounded half up", "POST", "/api/v2/quote?x=1", `{"items": [{"sku": "a", "price_cents": 50, "qty": 1}]}`,
			200, `{"currency":"EUR","subtotal_cents":50,"tax_cents":12,"total_cents":62,"items":1}`},
		{"not a POST", "GET", "/api/v2/quote", "", 405, "POST a quote request"},
		{"another endpoint", "GET", "/api/v2/orders", "", 404, "no such endpoint in v2: /api/v2/orders"},
		{"not JSON", "POST", "/api/v2/quote", "items=1", 400, "the body is not a quote request"},
		{"no items", "POST", "/api/v2/quote", `{"items": []}`, 422, "at least one item"},
		{"a zero quantity", "POST", "/api/v2/quote", `{"items": [{"sku": "a", "price_cents": 1, "qty": 0}]}`, 422, `item \"a\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := json.Marshal(Request{Method: tt.method, URI: tt.uri, Body: tt.body})
			var resp Response
			if err := json.Unmarshal(s.Serve(req), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || !strings.Contains(resp.Body, tt.want) || resp.Headers["Content-Type"][0] != "application/json" {
				t.Fatalf("%d %v %s", resp.Status, resp.Headers, resp.Body)
			}
			if tt.status == 405 && resp.Headers["Allow"][0] != "POST" {
				t.Errorf("405 without Allow: %v", resp.Headers)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	s, err := Load([]string{"--currency", "USD"}, "7")
	if err != nil || s != (Settings{Currency: "USD", TaxPercent: 7}) {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range []struct {
		args []string
		tax  string
	}{{nil, "x"}, {nil, "101"}, {[]string{"--bogus"}, ""}} {
		if _, err := Load(bad.args, bad.tax); err == nil {
			t.Errorf("%v %q accepted", bad.args, bad.tax)
		}
	}
}
