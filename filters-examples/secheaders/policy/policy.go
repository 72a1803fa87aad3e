// Package policy is the logic of the secheaders filter: which security
// headers to set on a response and which to remove, decided from the
// filter's config once, and applied to a response's headers with as few
// host calls as possible (one to list the names present, then one per
// header written or removed).
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Defaults, applied when the config does not name the member.
const (
	DefaultHSTS              = "max-age=63072000; includeSubDomains"
	DefaultCSP               = "default-src 'self'"
	DefaultFrameOptions      = "DENY"
	DefaultReferrerPolicy    = "strict-origin-when-cross-origin"
	DefaultPermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

// DefaultRemove are the headers removed by default: they tell an attacker
// what software to aim at.
var DefaultRemove = []string{"Server", "X-Powered-By"}

// Config is the filter's JSON config; see the README. A nil pointer
// means the default; an empty string turns that header off.
type Config struct {
	HSTS              *string           `json:"hsts"`
	CSP               *string           `json:"csp"`
	ContentTypeOpts   *string           `json:"content_type_options"`
	FrameOptions      *string           `json:"frame_options"`
	ReferrerPolicy    *string           `json:"referrer_policy"`
	PermissionsPolicy *string           `json:"permissions_policy"`
	Extra             map[string]string `json:"extra"`
	Remove            []string          `json:"remove"`
	Override          bool              `json:"override"`
}

// Header is one header the policy sets.
type Header struct{ Name, Value string }

// Policy is a parsed config.
type Policy struct {
	// Set are the headers to set, in a fixed order.
	Set []Header
	// Remove are the headers to delete.
	Remove []string
	// Override replaces values the response already has; otherwise they
	// are kept.
	Override bool
}

// Headers is what Apply needs of a response's headers; guest.Header
// (the SDK's) has these methods.
type Headers interface {
	// Names lists the header names present, canonical.
	Names() []string
	Set(name, value string) error
	Remove(name string) error
}

// Parse parses and checks the config; empty means all defaults. A member
// it does not know is an error, so a typo fails the load instead of
// silently leaving a header out.
func Parse(config []byte) (*Policy, error) {
	var c Config
	if len(bytes.TrimSpace(config)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(config))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, errors.New("secheaders: config: " + err.Error())
		}
		if dec.More() {
			return nil, errors.New("secheaders: config: data after the JSON object")
		}
	}
	p := &Policy{Override: c.Override}
	add := func(name string, v *string, def string) {
		value := def
		if v != nil {
			value = *v
		}
		if value != "" {
			p.Set = append(p.Set, Header{name, value})
		}
	}
	add("Strict-Transport-Security", c.HSTS, DefaultHSTS)
	add("Content-Security-Policy", c.CSP, DefaultCSP)
	add("X-Content-Type-Options", c.ContentTypeOpts, "nosniff")
	add("X-Frame-Options", c.FrameOptions, DefaultFrameOptions)
	add("Referrer-Policy", c.ReferrerPolicy, DefaultReferrerPolicy)
	add("Permissions-Policy", c.PermissionsPolicy, DefaultPermissionsPolicy)
	extra := make([]string, 0, len(c.Extra))
	for name := range c.Extra {
		extra = append(extra, name)
	}
	sort.Strings(extra)
	for _, name := range extra {
		if !isName(name) {
			return nil, errors.New("secheaders: config: extra: " + quote(name) + " is not a header name")
		}
		for _, h := range p.Set {
			if strings.EqualFold(h.Name, name) {
				return nil, errors.New("secheaders: config: extra: " + quote(name) + " has its own member")
			}
		}
		v := c.Extra[name]
		if v != "" {
			p.Set = append(p.Set, Header{canonical(name), v})
		}
	}
	for _, h := range p.Set {
		if !validValue(h.Value) {
			return nil, errors.New("secheaders: config: the value of " + h.Name + " has a control character")
		}
	}
	p.Remove = DefaultRemove
	if c.Remove != nil {
		p.Remove = nil
		for _, name := range c.Remove {
			if !isName(name) {
				return nil, errors.New("secheaders: config: remove: " + quote(name) + " is not a header name")
			}
			for _, h := range p.Set {
				if strings.EqualFold(h.Name, name) {
					return nil, errors.New("secheaders: config: remove: " + quote(name) + " is also a header to set")
				}
			}
			p.Remove = append(p.Remove, canonical(name))
		}
	}
	return p, nil
}

// Apply sets and removes p's headers on h. It returns the first error
// the host gave, after trying every header.
func (p *Policy) Apply(h Headers) error {
	present := h.Names()
	var first error
	for _, s := range p.Set {
		if !p.Override && has(present, s.Name) {
			continue
		}
		if err := h.Set(s.Name, s.Value); err != nil && first == nil {
			first = errors.New("secheaders: setting " + s.Name + ": " + err.Error())
		}
	}
	for _, name := range p.Remove {
		if !has(present, name) {
			continue
		}
		if err := h.Remove(name); err != nil && first == nil {
			first = errors.New("secheaders: removing " + name + ": " + err.Error())
		}
	}
	return first
}

func has(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// canonical is the canonical form of a header name, as the host returns
// names: "x-powered-by" becomes "X-Powered-By".
func canonical(name string) string {
	b := []byte(name)
	upper := true
	for i, c := range b {
		switch {
		case upper && c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && c >= 'A' && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}

// validValue refuses what the host would: NUL, CR, LF (and other
// controls but tab), and values over 64 KiB.
func validValue(v string) bool {
	if len(v) > 64<<10 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func quote(s string) string { return `"` + s + `"` }

// isName reports a header name the host accepts.
func isName(s string) bool { return len(s) <= hostabi.MaxNameLen && hostabi.IsToken(s) }
