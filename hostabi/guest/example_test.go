//go:build wasip1

package guest_test

import (
	"errors"
	"strings"

	"github.com/gojinn/gojinn/hostabi/guest"
)

// A filter that keeps a path prefix closed and tags the requests it lets
// through. Its package is a main package built as a WASI reactor
// (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared), registering its
// handlers from init.
//
// The SDK exists for wasip1 only, and a guest runs inside a host, not
// under go test: this example is compiled, not run (`make vet` checks it
// with GOOS=wasip1 GOARCH=wasm go vet ./hostabi/guest/...), so it has no
// Output.
func Example() {
	closed := "/admin"
	guest.Register(guest.Filter{
		// Once per instance, with the bytes of the filter's config.
		Configure: func(config []byte) error {
			if len(config) > 0 {
				closed = strings.TrimSpace(string(config))
			}
			if !strings.HasPrefix(closed, "/") {
				return errors.New("the config is a path prefix, such as /admin")
			}
			return nil
		},
		// For every request that reaches the filter.
		OnRequest: func() guest.Action {
			if strings.HasPrefix(guest.Path(), closed) {
				guest.Response.Header.Set("Content-Type", "text/plain; charset=utf-8")
				return guest.RespondWith(403, []byte(closed+" is closed\n"))
			}
			if err := guest.Request.Header.Set("X-Checked", "yes"); err != nil {
				guest.Log(guest.LevelWarn, "tagging the request: "+err.Error())
			}
			return guest.Continue
		},
	})
}
