package jwtauth

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Fixed claim slots; configured claims follow them in claimNames.
const (
	slotExp = iota
	slotNbf
	slotIat
	slotIss
	slotAud
	fixedSlots
)

// claimSet is one token's claims of interest, read in a single pass: the
// raw JSON text of each value, "" when the claim is absent. The values
// are views of the decoded payload.
type claimSet [maxClaims + fixedSlots]string

// readClaims scans the payload once and keeps the values of the claims
// named in names (index = slot). A claim of interest that appears twice
// makes the token malformed: JSON parsers disagree on which one wins, and
// an issuer never sends both.
func readClaims(payload string, names []string, out *claimSet) bool {
	return forEachMember(payload, func(key, raw string) bool {
		for i, n := range names {
			// The first byte before the rest: most names are three
			// letters, and in wasm each full comparison is a call.
			if len(key) == len(n) && key != "" && key[0] == n[0] && key == n {
				if out[i] != "" {
					return false
				}
				out[i] = raw
				return true
			}
		}
		return true
	})
}

// present reports whether a claim is there and not null.
func present(raw string) bool { return raw != "" && raw != "null" }

func isString(raw string) bool { return raw != "" && raw[0] == '"' }
func isArray(raw string) bool  { return raw != "" && raw[0] == '[' }
func isNumber(raw string) bool {
	return raw != "" && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9')
}

// jsonString decodes a JSON string value (isString(raw) holds). Escapes
// are rare in claims; only those take the slow road.
func jsonString(raw string) string {
	s := raw[1 : len(raw)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return s // unreachable: the scanner accepted it
	}
	return out
}

// numericDate reads a NumericDate (RFC 7519 section 2): a JSON number of
// seconds, possibly fractional. Whole numbers, which is what issuers
// send, skip strconv.
func numericDate(raw string) (float64, bool) {
	if !isNumber(raw) {
		return 0, false
	}
	if len(raw) <= 15 && raw[0] != '-' {
		var n int64
		whole := true
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c < '0' || c > '9' {
				whole = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if whole {
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(raw, 64)
	return f, err == nil
}

// forEachElement calls fn with the raw text of each element of a JSON
// array the scanner has already validated.
func forEachElement(raw string, fn func(elem string) bool) {
	i := skipSpace(raw, 1)
	if i >= len(raw) || raw[i] == ']' {
		return
	}
	for i < len(raw) {
		end := scanValue(raw, i, 0)
		if end < 0 || !fn(raw[i:end]) {
			return
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return
		}
		i = skipSpace(raw, i+1)
	}
}

// audienceMatch reports whether aud (a string or an array of strings,
// RFC 7519 section 4.1.3) names one of want.
func audienceMatch(aud string, want []string) bool {
	match := func(v string) bool {
		if !isString(v) {
			return false
		}
		s := jsonString(v)
		for _, w := range want {
			if s == w {
				return true
			}
		}
		return false
	}
	if isArray(aud) {
		found := false
		forEachElement(aud, func(e string) bool {
			found = match(e)
			return !found
		})
		return found
	}
	return match(aud)
}

// compiledRule is a Rule with its claim slot resolved and its expected
// value decoded once.
type compiledRule struct {
	slot     int
	claim    string
	contains string
	// equals: exactly one of these applies, by eqKind.
	eqKind byte // 0: contains rule; 's' string, 'n' number, 'b' boolean
	eqStr  string
	eqNum  float64
	eqBool bool
}

func compileRule(slot int, r Rule) compiledRule {
	cr := compiledRule{slot: slot, claim: r.Claim, contains: r.Contains}
	if len(r.Equals) == 0 {
		return cr
	}
	var v any
	_ = json.Unmarshal(r.Equals, &v) // checked by Config.check
	switch v := v.(type) {
	case string:
		cr.eqKind, cr.eqStr = 's', v
	case float64:
		cr.eqKind, cr.eqNum = 'n', v
	case bool:
		cr.eqKind, cr.eqBool = 'b', v
	}
	return cr
}

func (r *compiledRule) holds(raw string) bool {
	if !present(raw) {
		return false
	}
	switch r.eqKind {
	case 's':
		return isString(raw) && jsonString(raw) == r.eqStr
	case 'n':
		n, ok := numericDate(raw)
		return ok && n == r.eqNum
	case 'b':
		return raw == strconv.FormatBool(r.eqBool)
	}
	switch {
	case isString(raw):
		// Space-separated words, as OAuth 2.0 "scope" (RFC 8693 4.2).
		for w := range strings.FieldsSeq(jsonString(raw)) {
			if w == r.contains {
				return true
			}
		}
	case isArray(raw):
		found := false
		forEachElement(raw, func(e string) bool {
			found = isString(e) && jsonString(e) == r.contains
			return !found
		})
		return found
	}
	return false
}

// claimText renders a claim for a header or a variable: strings as they
// are, numbers and booleans as written, arrays of scalars joined with
// commas, objects as JSON.
func claimText(raw string) string {
	switch {
	case isString(raw):
		return jsonString(raw)
	case isArray(raw):
		var b strings.Builder
		scalar := true
		forEachElement(raw, func(e string) bool {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			switch {
			case isString(e):
				b.WriteString(jsonString(e))
			case e == "true", e == "false", isNumber(e):
				b.WriteString(e)
			default:
				scalar = false
				return false
			}
			return true
		})
		if scalar {
			return b.String()
		}
	}
	return raw
}

// headerSafe reports whether s can be a header value: no control
// characters, which would let a claim split or smuggle headers.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
