package gojinn

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/dustin/go-humanize"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("gojinn", parseGlobalOption)
}

// parseGlobalOption sets up the gojinn app from the global options block:
//
//	{
//	    gojinn {
//	        store <name> memory {
//	            max_bytes <size>      # default 64MiB
//	            max_key   <size>      # default 1KiB
//	            max_value <size>      # default 64KiB
//	        }
//	        store <name> redis <url> {
//	            on_error  fail_open|fail_closed   # required
//	            mode      standalone|sentinel|cluster  # default standalone
//	            timeout   <duration>  # each operation; default 50ms
//	            pool_size <n>         # connections; default 10 per CPU
//	            failures  <n>         # in a row open the breaker; default 5
//	            cooldown  <duration> [<max>]  # default 500ms, up to 30s
//	            max_key   <size>
//	            max_value <size>
//	        }
//	    }
//	}
//
// A memory store named "default" exists unless one is configured.
func parseGlobalOption(d *caddyfile.Dispenser, existing any) (any, error) {
	if existing != nil {
		return nil, d.Err("gojinn: the global option is given twice; put every store in one block")
	}
	app := new(App)
	if err := app.UnmarshalCaddyfile(d); err != nil {
		return nil, err
	}
	return httpcaddyfile.App{Name: "gojinn", Value: caddyconfig.JSON(app, nil)}, nil
}

// UnmarshalCaddyfile reads the gojinn global option's block (see
// parseGlobalOption).
func (a *App) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the option's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if d.Val() != "store" {
			return d.Errf("gojinn: unknown option %q (want store)", d.Val())
		}
		var name string
		if !d.Args(&name) {
			return d.ArgErr()
		}
		if a.Stores == nil {
			a.Stores = map[string]*StoreConfig{}
		}
		if a.Stores[name] != nil {
			return d.Errf("gojinn: store %q configured twice", name)
		}
		c := &StoreConfig{Type: "memory"}
		if d.NextArg() {
			c.Type = d.Val()
		}
		if c.Type == "redis" {
			if !d.NextArg() {
				return d.Errf("gojinn: store %q: a redis store needs a url", name)
			}
			c.URL = d.Val()
		}
		if d.NextArg() {
			return d.ArgErr()
		}
		for d.NextBlock(1) {
			if err := c.unmarshalOption(d); err != nil {
				return err
			}
		}
		if err := c.validate(); err != nil {
			return d.Errf("gojinn: store %q: %v", name, err)
		}
		a.Stores[name] = c
	}
	return nil
}

func (c *StoreConfig) unmarshalOption(d *caddyfile.Dispenser) error {
	opt := d.Val()
	args := d.RemainingArgs()
	one := func() (string, error) {
		if len(args) != 1 {
			return "", d.Errf("%s wants one value", opt)
		}
		return args[0], nil
	}
	size := func() (int64, error) {
		v, err := one()
		if err != nil {
			return 0, err
		}
		n, err := humanize.ParseBytes(v)
		if err != nil || n > 1<<40 {
			return 0, d.Errf("%s: %q is not a size", opt, v)
		}
		return int64(n), nil
	}
	count := func() (int, error) {
		v, err := one()
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, d.Errf("%s: %q is not a count", opt, v)
		}
		return n, nil
	}
	duration := func(v string) (caddy.Duration, error) {
		t, err := caddy.ParseDuration(v)
		if err != nil || t < 0 {
			return 0, d.Errf("%s: %q is not a duration", opt, v)
		}
		return caddy.Duration(t), nil
	}
	var err error
	var n int64
	switch opt {
	case "max_bytes":
		c.MaxBytes, err = size()
	case "max_key":
		n, err = size()
		c.MaxKey = int(n)
	case "max_value":
		n, err = size()
		c.MaxValue = int(n)
	case "on_error":
		c.OnError, err = one()
	case "mode":
		c.Mode, err = one()
	case "timeout":
		var v string
		if v, err = one(); err == nil {
			c.Timeout, err = duration(v)
		}
	case "pool_size":
		c.PoolSize, err = count()
	case "failures":
		c.Failures, err = count()
	case "cooldown":
		if len(args) < 1 || len(args) > 2 {
			return d.Errf("cooldown wants <duration> [<max>]")
		}
		if c.Cooldown, err = duration(args[0]); err == nil && len(args) == 2 {
			c.MaxCooldown, err = duration(args[1])
		}
	default:
		return d.Errf("gojinn store: unknown option %q", opt)
	}
	return err
}
