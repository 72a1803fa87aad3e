package redactor

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConfigDefaults(t *testing.T) {
	for _, in := range []string{"", "  ", "{}"} {
		s, err := ParseConfig([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := &Settings{
			Options:     Options{Emails: true, Cards: true, Replacement: "[redacted]"},
			Types:       []string{"application/json", "application/*+json", "text/*"},
			CountHeader: "X-Redacted",
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%q: got %+v, want %+v", in, s, want)
		}
	}
}

func TestParseConfig(t *testing.T) {
	s, err := ParseConfig([]byte(`{"replacement":"***","card_keep_last4":true,"emails":false,
		"content_types":["Application/JSON"," text/plain "],"count_header":""}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Settings{
		Options: Options{Cards: true, Replacement: "***", CardKeepLast4: true},
		Types:   []string{"application/json", "text/plain"},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"replacment":"x"}`, "unknown field"},
		{`[]`, "cannot unmarshal"},
		{`{} {}`, "after the JSON object"},
		{`{"emails":false,"cards":false}`, "nothing to redact"},
		{`{"content_types":[]}`, "nothing would be redacted"},
		{`{"content_types":["json"]}`, "bad media type"},
		{`{"content_types":["*/json"]}`, "bad media type"},
		{`{"content_types":["text/pl*n"]}`, "bad media type"},
		{`{"count_header":"X Redacted"}`, "not a valid header name"},
		{`{"emails":"yes"}`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestModeFor(t *testing.T) {
	s, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ct   string
		want Mode
	}{
		{"application/json", ModeJSON},
		{"application/json; charset=utf-8", ModeJSON},
		{"Application/JSON", ModeJSON},
		{"application/problem+json", ModeJSON},
		{"application/vnd.api+json;v=2", ModeJSON},
		{"text/plain; charset=utf-8", ModeText},
		{"text/html", ModeText},
		{"text/csv", ModeText},
		{"text/json", ModeJSON},
		{"application/x-ndjson", Skip}, // not in the default list
		{"application/+json", Skip},
		{"application/xml", Skip},
		{"image/png", Skip},
		{"application/octet-stream", Skip},
		{"", Skip},
		{"json", Skip},
		{"text/", Skip},
	}
	for _, tt := range tests {
		if got := s.ModeFor(tt.ct); got != tt.want {
			t.Errorf("ModeFor(%q) = %v, want %v", tt.ct, got, tt.want)
		}
	}
	s, _ = ParseConfig([]byte(`{"content_types":["application/x-ndjson","*/*"]}`))
	if s.ModeFor("application/x-ndjson") != ModeJSON || s.ModeFor("image/svg+xml") != ModeText {
		t.Error("custom content types not honoured")
	}
}
