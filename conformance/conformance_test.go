package conformance

import (
	"testing"
)

func TestEveryFunctionIsCovered(t *testing.T) {
	funcs, stray := Uncovered(Cases())
	if len(funcs) > 0 {
		t.Errorf("no case defines %v", funcs)
	}
	if len(stray) > 0 {
		t.Errorf("cases that do not call the function they name: %v", stray)
	}
}

func TestCaseNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Cases() {
		id := c.Func + "/" + c.Name
		if seen[id] {
			t.Errorf("two cases are named %s", id)
		}
		seen[id] = true
	}
}

func TestGuests(t *testing.T) {
	for _, g := range runners(t) {
		t.Run(g.Name, func(t *testing.T) { Run(t, gojinnHost(t), g) })
	}
}
