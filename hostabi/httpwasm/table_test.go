package httpwasm

import "testing"

func TestHandlersMatchTable(t *testing.T) {
	if len(handlers) != len(funcs) {
		t.Fatalf("%d handlers for %d functions", len(handlers), len(funcs))
	}
	for _, f := range funcs {
		if _, ok := handlers[f.Name]; !ok {
			t.Errorf("%s has no handler", f.Name)
		}
		if g, ok := Lookup(f.Name); !ok || g.Name != f.Name {
			t.Errorf("Lookup(%s) = %v, %v", f.Name, g, ok)
		}
	}
	if _, ok := Lookup("handle_request"); ok {
		t.Error("Lookup found a guest export")
	}
}
