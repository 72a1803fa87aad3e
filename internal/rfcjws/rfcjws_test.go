package rfcjws

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestVectors(t *testing.T) {
	vs := Vectors()
	if len(vs) != 4 {
		t.Fatalf("%d vectors, want the 4 published ones", len(vs))
	}
	for _, v := range vs {
		if !strings.HasPrefix(v.Name, "RFC ") || strings.Count(v.Token, ".") != 2 || !json.Valid(v.JWK) {
			t.Errorf("vector %+v is incomplete", v)
		}
	}
}
