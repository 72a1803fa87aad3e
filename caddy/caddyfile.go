package gojinn

import (
	"encoding/json"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("gojinn_chain", parseCaddyfile)
	// Right after encode: a chain sees requests before auth-like handlers
	// that come later (basic_auth and forward_auth come earlier, with the
	// rewrites), before templates, respond, reverse_proxy and file_server;
	// and, because encode wraps it, response hooks see bodies before they
	// are compressed.
	httpcaddyfile.RegisterDirectiveOrder("gojinn_chain", httpcaddyfile.After, "encode")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	c := new(Chain)
	err := c.UnmarshalCaddyfile(h.Dispenser)
	return c, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	gojinn_chain [<matcher>] {
//	    name     <chain name>
//	    max_body <size>
//	    body_timeout <duration>         # default 1m
//	    filter <name> <path/to/module.wasm> {
//	        config      <inline JSON>   # in backticks, or a heredoc
//	        config_file <path>
//	        timeout     <duration>      # default 1s
//	        memory_limit <size>         # default 64MiB
//	        pool        <min> <max>     # default 0 and 4 per CPU; max at most 65535
//	        pool_wait   <duration>      # default 1s
//	        idle_timeout <duration>     # default 2m
//	        on_error    block|allow     # default block
//	        trace_logs                  # log lines become span events
//	        stores      <name>...       # key-value stores it may open (the gojinn option's)
//	        shared_data <store>         # Proxy-Wasm shared data's store, one of its stores;
//	                                    # default: the app's "default", granted or not
//	    }
//	    filter <name> <path>            # the block is optional
//	}
func (c *Chain) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "name":
			if !d.NextArg() {
				return d.ArgErr()
			}
			c.Name = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
		case "max_body":
			if !d.NextArg() {
				return d.ArgErr()
			}
			n, err := humanize.ParseBytes(d.Val())
			if err != nil {
				return d.Errf("max_body: %v", err)
			}
			c.MaxBodyBytes = int64(n)
			if d.NextArg() {
				return d.ArgErr()
			}
		case "body_timeout":
			if !d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(d.Val())
			if err != nil {
				return d.Errf("body_timeout: %v", err)
			}
			c.BodyTimeout = caddy.Duration(dur)
			if d.NextArg() {
				return d.ArgErr()
			}
		case "filter":
			f, err := unmarshalFilter(d)
			if err != nil {
				return err
			}
			c.Filters = append(c.Filters, f)
		default:
			return d.Errf("unknown gojinn_chain option %q", d.Val())
		}
	}
	if len(c.Filters) == 0 {
		return d.Err("gojinn_chain needs at least one filter")
	}
	return nil
}

func unmarshalFilter(d *caddyfile.Dispenser) (Filter, error) {
	var f Filter
	if !d.AllArgs(&f.Name, &f.Path) {
		return f, d.Err("filter wants a name and a path: filter <name> <path/to/module.wasm>")
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("%s wants one value", opt)
			}
			return args[0], nil
		}
		switch opt {
		case "config":
			if len(args) != 1 {
				return f, d.Err("config wants one JSON value; quote it in backticks: config `{\"key\": \"value\"}`")
			}
			if err := checkJSON([]byte(args[0])); err != nil {
				return f, d.Errf("filter %s: %v", f.Name, err)
			}
			f.Config = json.RawMessage(args[0])
		case "config_file":
			v, err := one()
			if err != nil {
				return f, err
			}
			f.ConfigFile = v
		case "timeout", "pool_wait", "idle_timeout":
			v, err := one()
			if err != nil {
				return f, err
			}
			dur, err := caddy.ParseDuration(v)
			if err != nil {
				return f, d.Errf("%s: %v", opt, err)
			}
			switch opt {
			case "timeout":
				f.Timeout = caddy.Duration(dur)
			case "pool_wait":
				f.PoolWait = caddy.Duration(dur)
			default:
				f.IdleTimeout = caddy.Duration(dur)
			}
		case "memory_limit":
			v, err := one()
			if err != nil {
				return f, err
			}
			n, err := humanize.ParseBytes(v)
			if err != nil {
				return f, d.Errf("memory_limit: %v", err)
			}
			f.MemoryLimit = n
		case "pool":
			if len(args) != 2 {
				return f, d.Err("pool wants two numbers: pool <min> <max>")
			}
			var err error
			if f.PoolMin, err = strconv.Atoi(args[0]); err != nil {
				return f, d.Errf("pool min: %v", err)
			}
			if f.PoolMax, err = strconv.Atoi(args[1]); err != nil {
				return f, d.Errf("pool max: %v", err)
			}
		case "on_error":
			v, err := one()
			if err != nil {
				return f, err
			}
			if v != "block" && v != "allow" {
				return f, d.Errf("on_error is %q, want block or allow", v)
			}
			f.OnError = v
		case "stores":
			if len(args) == 0 {
				return f, d.Err("stores wants one or more store names")
			}
			for _, name := range args {
				if !storeNameRE.MatchString(name) {
					return f, d.Errf("store name %q: want 1 to 64 of A-Z a-z 0-9 _ . -", name)
				}
			}
			f.Stores = append(f.Stores, args...)
		case "shared_data":
			v, err := one()
			if err != nil {
				return f, err
			}
			if !storeNameRE.MatchString(v) {
				return f, d.Errf("store name %q: want 1 to 64 of A-Z a-z 0-9 _ . -", v)
			}
			f.SharedData = v
		case "trace_logs":
			if len(args) != 0 {
				return f, d.Err("trace_logs takes no value")
			}
			f.TraceLogs = true
		default:
			return f, d.Errf("unknown filter option %q", opt)
		}
	}
	return f, nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Chain)(nil)
