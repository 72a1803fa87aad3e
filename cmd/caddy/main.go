// Command caddy is Caddy with its standard modules and Gojinn's
// gojinn_chain handler: what `xcaddy build --with
// github.com/gojinn/gojinn` builds, from this source tree.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/gojinn/gojinn/caddy"
)

func main() {
	caddycmd.Main()
}
