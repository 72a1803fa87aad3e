package gojinn

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		name, config string
		want         []string // in the error
		secret       string   // never in it
	}{
		{"trailing comma", `{"api_key": "s3cret",}`, []string{"line 1, column 22", `api_key`}, "s3cret"},
		{"second line", "{\n  \"token\": \"hunter2\" \"more\": 1\n}", []string{"line 2, column 22", "token"}, "hunter2"},
		{"cut short", `{"hmac": "c2VjcmV0`, []string{"line 1", "unexpected end"}, "c2VjcmV0"},
		{"escaped quote", `{"k": "a\"b-secret" oops}`, []string{"line 1"}, "b-secret"},
		{"long line", `{"pad": "` + strings.Repeat("x", 200) + `", "key": "topsecret" !}`, []string{"key"}, "topsecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkJSON([]byte(tt.config))
			if err == nil {
				t.Fatal("invalid JSON accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q quotes the secret", err)
			}
		})
	}
	if err := checkJSON([]byte(`{"a": [1, "two", {"b": null}]}`)); err != nil {
		t.Errorf("valid JSON refused: %v", err)
	}
}

// FuzzCheckJSON: no input panics, the verdict is encoding/json's, and
// the error quotes at most a short excerpt.
func FuzzCheckJSON(f *testing.F) {
	f.Add([]byte(`{"api_key": "s3cret",}`))
	f.Add([]byte("{\n\"a\": \"\\\"\n"))
	f.Fuzz(func(t *testing.T, config []byte) {
		err := checkJSON(config)
		if (err == nil) != json.Valid(config) {
			t.Fatalf("checkJSON %v, json.Valid %v", err, json.Valid(config))
		}
		if err != nil && len(err.Error()) > 400 {
			t.Fatalf("error of %d bytes: it must not quote the config", len(err.Error()))
		}
	})
}
