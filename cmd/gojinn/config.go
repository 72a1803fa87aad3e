package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// guestConfig is the --config flag's value: the bytes the guest's
// configure reads, either written out (a value that starts with { or [,
// which must be valid JSON) or the path of a file, whose bytes are
// handed over as they are, as Caddy's config_file does.
func guestConfig(value string) ([]byte, error) {
	if value == "" {
		return nil, nil
	}
	if s := strings.TrimSpace(value); strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("--config %s: not valid JSON (a value that starts with { or [ is taken as JSON, any other as a file)", value)
		}
		return []byte(s), nil
	}
	b, err := os.ReadFile(value)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	return b, nil
}
