package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// Mode says what a request over the threshold gets.
type Mode string

const (
	// ModeBlock answers 403 with a request id.
	ModeBlock Mode = "block"
	// ModeDetect lets the request through and reports the matches.
	ModeDetect Mode = "detect"
)

// Exclusion turns rules off where an application needs what they look
// for: everywhere under Path, or only for the argument Arg (a query, form,
// JSON or cookie name), or both. Rules lists rule ids or class names; an
// empty list means every rule.
type Exclusion struct {
	Path  string   `json:"path,omitempty"`
	Arg   string   `json:"arg,omitempty"`
	Rules []string `json:"rules,omitempty"`
}

// Config is the filter's JSON configuration. The zero value of every
// field means its default, so "{}" (or no config) is a working WAF.
type Config struct {
	// Mode is "block" (default) or "detect".
	Mode Mode `json:"mode,omitempty"`
	// Paranoia (1-4, default 1) enables rules up to that level; higher
	// levels catch more and refuse more honest requests.
	Paranoia int `json:"paranoia,omitempty"`
	// Threshold is the anomaly score at which a request is an attack
	// (default 5: one critical match).
	Threshold int `json:"threshold,omitempty"`
	// Weights multiplies the scores of a class's rules, e.g.
	// {"scanner": 0.5}; 0 turns the class off. Default 1 for each.
	Weights map[string]float64 `json:"weights,omitempty"`
	// DisabledRules lists rule ids or class names never to run.
	DisabledRules []string `json:"disabled_rules,omitempty"`
	// Exclusions, see Exclusion.
	Exclusions []Exclusion `json:"exclusions,omitempty"`
	// AllowedMethods (default GET HEAD POST PUT PATCH DELETE OPTIONS);
	// any other method is a protocol anomaly.
	AllowedMethods []string `json:"allowed_methods,omitempty"`
	// MaxBodyBytes is how much of the body is inspected (default 64 KiB);
	// the rest passes unread. Negative turns body inspection off.
	MaxBodyBytes int `json:"max_body_bytes,omitempty"`
	// BlockStatus is the status of a refused request (default 403).
	BlockStatus int `json:"block_status,omitempty"`
}

// Defaults.
const (
	DefaultParanoia     = 1
	DefaultThreshold    = 5
	DefaultMaxBodyBytes = 64 << 10
	DefaultBlockStatus  = 403
)

// DefaultAllowedMethods are the methods REST APIs use.
var DefaultAllowedMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// ParseConfig reads a JSON config; empty input gives the defaults.
// Unknown fields are an error, so that a typo does not silently leave a
// protection off.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, errors.New("waf config: " + err.Error())
		}
	}
	c.fillDefaults()
	return c, c.validate()
}

func (c *Config) fillDefaults() {
	if c.Mode == "" {
		c.Mode = ModeBlock
	}
	if c.Paranoia == 0 {
		c.Paranoia = DefaultParanoia
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.BlockStatus == 0 {
		c.BlockStatus = DefaultBlockStatus
	}
	if len(c.AllowedMethods) == 0 {
		c.AllowedMethods = DefaultAllowedMethods
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Mode != ModeBlock && c.Mode != ModeDetect {
		errs = append(errs, errors.New(`waf config: mode must be "block" or "detect"`))
	}
	if c.Paranoia < 1 || c.Paranoia > 4 {
		errs = append(errs, errors.New("waf config: paranoia must be 1-4"))
	}
	if c.Threshold < 1 {
		errs = append(errs, errors.New("waf config: threshold must be positive"))
	}
	if c.BlockStatus < 400 || c.BlockStatus > 599 {
		errs = append(errs, errors.New("waf config: block_status must be 400-599"))
	}
	for name, w := range c.Weights {
		if _, ok := classByName(name); !ok {
			errs = append(errs, errors.New("waf config: weights: unknown class "+name))
		}
		if w < 0 {
			errs = append(errs, errors.New("waf config: weights: negative weight for "+name))
		}
	}
	for _, m := range c.AllowedMethods {
		if m == "" || strings.ToUpper(m) != m {
			errs = append(errs, errors.New("waf config: allowed_methods: methods are upper-case tokens: "+m))
		}
	}
	for _, x := range c.Exclusions {
		if x.Path == "" && x.Arg == "" {
			errs = append(errs, errors.New("waf config: exclusions: each needs a path or an arg"))
		}
	}
	return errors.Join(errs...)
}
