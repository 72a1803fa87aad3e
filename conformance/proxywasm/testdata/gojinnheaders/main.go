// Command gojinnheaders is the Gojinn-ABI equivalent of package plugins'
// "headers" filter (the Go SDK's http_headers example), for the benchmark
// that puts the two dialects side by side: the same header reads and
// writes, on the request and on the response, with Gojinn's Go SDK.
package main

import (
	"encoding/json"
	"strconv"

	"github.com/gojinn/gojinn/hostabi/guest"
)

var header, value string

func init() {
	guest.Register(guest.Filter{
		Configure: func(config []byte) error {
			var c struct{ Header, Value string }
			if err := json.Unmarshal(config, &c); err != nil {
				return err
			}
			header, value = c.Header, c.Value
			return nil
		},
		OnRequest: func() guest.Action {
			h := guest.Request.Header
			_ = h.Set("Test", "best")
			_ = h.Add("X-Proxy-Wasm", "go-sdk")
			_ = h.Remove("X-Remove-Me")
			// The SDK example reads every header, as the Proxy-Wasm
			// filter does (proxy_get_header_map_pairs).
			for _, n := range h.Names() {
				if v := h.Get(n); n == "X-Echo" {
					_ = h.Add("X-Echoed", v)
				}
			}
			return guest.Continue
		},
		OnResponse: func() guest.Action {
			h := guest.Response.Header
			_ = h.Add("X-Proxy-Wasm-Go-Sdk-Example", "http_headers")
			if header != "" {
				_ = h.Add(header, value)
			}
			_ = h.Remove("X-Upstream-Secret")
			_ = h.Add("X-Upstream-Status", strconv.Itoa(guest.Response.Status()))
			return guest.Continue
		},
	})
}

func main() {}
