package host

import (
	"testing"

	"github.com/gojinn/gojinn/hostabi"
)

// TestHandlersMatchTable: every function of the ABI table has a handler,
// and no handler serves a function the table does not have.
func TestHandlersMatchTable(t *testing.T) {
	inTable := map[string]bool{}
	for _, f := range hostabi.HostFuncs() {
		inTable[f.Name] = true
		if handlers[f.Name] == nil {
			t.Errorf("%s has no handler", f.Name)
		}
	}
	for name := range handlers {
		if !inTable[name] {
			t.Errorf("handler %s serves no function of the table", name)
		}
	}
}
