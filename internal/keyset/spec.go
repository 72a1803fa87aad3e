package keyset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Spec defaults and bounds; see the package documentation.
const (
	DefaultRefresh            = 15 * time.Minute
	DefaultMinRefetchInterval = 30 * time.Second
	DefaultFetchTimeout       = 5 * time.Second
	minRefresh                = time.Second
)

// rawSpec is the spec JSON as written.
type rawSpec struct {
	JWKS               json.RawMessage `json:"jwks"`
	JWKSFile           string          `json:"jwks_file"`
	JWKSURL            string          `json:"jwks_url"`
	Refresh            string          `json:"refresh"`
	MinRefetchInterval string          `json:"min_refetch_interval"`
	FetchTimeout       string          `json:"fetch_timeout"`
	PEM                []string        `json:"pem"`
	PEMFiles           []string        `json:"pem_files"`
	HMACEnv            string          `json:"hmac_env"`
	HMACAlg            string          `json:"hmac_alg"`
}

// spec is a checked rawSpec: sources present, durations parsed.
type spec struct {
	rawSpec
	url                *url.URL
	refresh            time.Duration
	minRefetchInterval time.Duration
	fetchTimeout       time.Duration
	hmacAlg            *algorithm
}

func parseSpec(data []byte) (*spec, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s spec
	if err := dec.Decode(&s.rawSpec); err != nil {
		return nil, fmt.Errorf("keyset spec: %w", err)
	}
	if dec.More() {
		return nil, errors.New("keyset spec: trailing data after the JSON object")
	}
	if len(s.JWKS) == 0 && s.JWKSFile == "" && s.JWKSURL == "" && len(s.PEM) == 0 &&
		len(s.PEMFiles) == 0 && s.HMACEnv == "" {
		return nil, errors.New("keyset spec: no key source (jwks, jwks_file, jwks_url, pem, pem_files or hmac_env)")
	}
	var err error
	if s.refresh, err = duration("refresh", s.Refresh, DefaultRefresh, minRefresh); err != nil {
		return nil, err
	}
	if s.minRefetchInterval, err = duration("min_refetch_interval", s.MinRefetchInterval, DefaultMinRefetchInterval, 0); err != nil {
		return nil, err
	}
	if s.fetchTimeout, err = duration("fetch_timeout", s.FetchTimeout, DefaultFetchTimeout, time.Millisecond); err != nil {
		return nil, err
	}
	if s.JWKSURL != "" {
		if s.url, err = checkURL(s.JWKSURL); err != nil {
			return nil, err
		}
	}
	if s.HMACAlg != "" {
		if s.HMACEnv == "" {
			return nil, errors.New("keyset spec: hmac_alg without hmac_env")
		}
		if s.hmacAlg = lookupAlg(s.HMACAlg); s.hmacAlg == nil || s.hmacAlg.kind != kindHMAC {
			return nil, fmt.Errorf("keyset spec: hmac_alg %q is not HS256, HS384 or HS512", s.HMACAlg)
		}
	} else {
		s.hmacAlg = algHS256
	}
	return &s, nil
}

func duration(name, v string, def, least time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("keyset spec: %s: %w", name, err)
	}
	if d < least || d < 0 {
		return 0, fmt.Errorf("keyset spec: %s %s is below the minimum %s", name, d, least)
	}
	return d, nil
}

// checkURL accepts https, and http only on a loopback host, where there
// is no network for a key set to be tampered with on.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("keyset spec: jwks_url: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("keyset spec: jwks_url %q has no host", u.Redacted())
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("keyset spec: jwks_url %q: http is only allowed on a loopback host, use https", u.Redacted())
	}
	return nil, fmt.Errorf("keyset spec: jwks_url %q: scheme must be https", u.Redacted())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
