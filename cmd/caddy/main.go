// Command caddy is Caddy with its standard modules and Gojinn's
// gojinn_chain handler, from this source tree: what `xcaddy build --with
// github.com/gojinn/gojinn/caddy` builds (with `--replace
// github.com/gojinn/gojinn=<clone>` until the module is published; see
// `make xcaddy-check`).
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/gojinn/gojinn/caddy"
)

func main() {
	caddycmd.Main()
}
