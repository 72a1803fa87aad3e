package guest

import (
	"reflect"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

func TestSplitValues(t *testing.T) {
	tests := []struct {
		in    string
		want  []string
		first string
	}{
		{"", nil, ""},
		{"a", []string{"a"}, "a"},
		{"a\x00b", []string{"a", "b"}, "a"},
		{"\x00", []string{"", ""}, ""},
		{"a\x00\x00c", []string{"a", "", "c"}, "a"},
	}
	for _, tt := range tests {
		if got := splitValues(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitValues(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := tt.in[:firstLen([]byte(tt.in))]; got != tt.first {
			t.Errorf("first value of %q = %q, want %q", tt.in, got, tt.first)
		}
	}
}

func TestResultError(t *testing.T) {
	tests := []struct {
		code int32
		want error
	}{
		{0, nil},
		{42, nil},
		{hostabi.ErrNotFound, ErrNotFound},
		{hostabi.ErrInvalid, ErrInvalid},
		{hostabi.ErrTooLarge, ErrTooLarge},
		{hostabi.ErrPhase, ErrPhase},
		{hostabi.ErrSignature, ErrSignature},
		{hostabi.ErrUnavailable, ErrUnavailable},
	}
	for _, tt := range tests {
		if got := resultError(tt.code); got != tt.want {
			t.Errorf("resultError(%d) = %v, want %v", tt.code, got, tt.want)
		}
	}
	if resultError(-99) == nil {
		t.Error("resultError(-99) = nil, want an error")
	}
}
