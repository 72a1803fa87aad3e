package redactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Config is the redact filter's JSON config; see the README.
type Config struct {
	Replacement   *string  `json:"replacement"`
	CardKeepLast4 bool     `json:"card_keep_last4"`
	Emails        *bool    `json:"emails"`
	Cards         *bool    `json:"cards"`
	ContentTypes  []string `json:"content_types"`
	CountHeader   *string  `json:"count_header"`
}

// Defaults.
const (
	DefaultReplacement = "[redacted]"
	DefaultCountHeader = "X-Redacted"
)

// DefaultContentTypes are the media types redacted when the config names
// none.
var DefaultContentTypes = []string{"application/json", "application/*+json", "text/*"}

// Settings is a parsed, checked config.
type Settings struct {
	Options Options
	// Types are the media type patterns to redact, lower case.
	Types []string
	// CountHeader is the response header that gets the number of
	// replacements; empty for none.
	CountHeader string
}

// ParseConfig parses and checks the filter's config; empty means all
// defaults. A member it does not know is an error, so a typo cannot
// quietly turn redaction off.
func ParseConfig(config []byte) (*Settings, error) {
	var c Config
	if len(bytes.TrimSpace(config)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(config))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, errors.New("redact: config: " + err.Error())
		}
		if dec.More() {
			return nil, errors.New("redact: config: data after the JSON object")
		}
	}
	s := &Settings{Options: Options{
		Emails: true, Cards: true, Replacement: DefaultReplacement, CardKeepLast4: c.CardKeepLast4,
	}, CountHeader: DefaultCountHeader}
	if c.Replacement != nil {
		s.Options.Replacement = *c.Replacement
	}
	if c.Emails != nil {
		s.Options.Emails = *c.Emails
	}
	if c.Cards != nil {
		s.Options.Cards = *c.Cards
	}
	if !s.Options.Emails && !s.Options.Cards {
		return nil, errors.New("redact: config: emails and cards are both off: nothing to redact")
	}
	if c.CountHeader != nil {
		s.CountHeader = *c.CountHeader
		if s.CountHeader != "" && !hostabi.IsToken(s.CountHeader) {
			return nil, errors.New("redact: config: count_header is not a valid header name")
		}
	}
	types := DefaultContentTypes
	if c.ContentTypes != nil {
		if len(c.ContentTypes) == 0 {
			return nil, errors.New("redact: config: content_types is empty: nothing would be redacted")
		}
		types = c.ContentTypes
	}
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		if !validPattern(t) {
			return nil, errors.New("redact: config: content_types: bad media type pattern " + strconv.Quote(t))
		}
		s.Types = append(s.Types, t)
	}
	return s, nil
}

// Mode is how a response body is redacted.
type Mode int

const (
	Skip Mode = iota // not a configured content type
	ModeText
	ModeJSON
)

// ModeFor returns how to redact a body with Content-Type ct.
func (s *Settings) ModeFor(ct string) Mode {
	mt := mediaType(ct)
	if mt == "" {
		return Skip
	}
	for _, p := range s.Types {
		if matchType(p, mt) {
			if isJSONType(mt) {
				return ModeJSON
			}
			return ModeText
		}
	}
	return Skip
}

// mediaType is ct's type/subtype, lower case, without parameters; "" if
// ct is not of that shape.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	slash := strings.IndexByte(ct, '/')
	if slash <= 0 || slash == len(ct)-1 || !hostabi.IsToken(ct[:slash]) || !hostabi.IsToken(ct[slash+1:]) {
		return ""
	}
	return ct
}

// validPattern accepts "type/subtype", "type/*", "type/*+suffix" and "*/*".
func validPattern(p string) bool {
	if p == "*/*" {
		return true
	}
	slash := strings.IndexByte(p, '/')
	if slash <= 0 || !hostabi.IsToken(p[:slash]) || p[:slash] == "*" {
		return false
	}
	sub := p[slash+1:]
	switch {
	case sub == "*":
		return true
	case strings.HasPrefix(sub, "*+"):
		return hostabi.IsToken(sub[2:])
	}
	return hostabi.IsToken(sub) && !strings.Contains(sub, "*")
}

// matchType matches a media type against a valid pattern.
func matchType(p, mt string) bool {
	if p == "*/*" || p == mt {
		return true
	}
	slash := strings.IndexByte(p, '/')
	if !strings.HasPrefix(mt, p[:slash+1]) {
		return false
	}
	sub, msub := p[slash+1:], mt[slash+1:]
	switch {
	case sub == "*":
		return true
	case strings.HasPrefix(sub, "*+"):
		return strings.HasSuffix(msub, sub[1:]) && len(msub) > len(sub)-1
	}
	return false
}

// isJSONType reports media types whose bodies are JSON texts, or streams
// of them: */json, */*+json and the JSON Lines family.
func isJSONType(mt string) bool {
	sub := mt[strings.IndexByte(mt, '/')+1:]
	switch sub {
	case "json", "x-ndjson", "ndjson", "jsonl", "x-jsonlines", "json-seq":
		return true
	}
	return strings.HasSuffix(sub, "+json")
}
