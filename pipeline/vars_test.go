package pipeline

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// TestExchangeVars runs the variable store on both sides of linearVars,
// and across reset, where names are kept for reuse but no value may
// be seen by the next request.
func TestExchangeVars(t *testing.T) {
	for _, n := range []int{1, linearVars, linearVars + 1, linearVars + 5, hostabi.MaxVars} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := &Exchange{req: httptest.NewRequest("GET", "/", nil)}
			name := func(i int) []byte { return fmt.Appendf(nil, "filter.var-%d", i) }
			for round := range 3 {
				for i := range n {
					if _, ok := e.Var(name(i)); ok {
						t.Fatalf("round %d: var %d seen before it was set", round, i)
					}
					if err := e.SetVar(name(i), fmt.Appendf(nil, "%d/%d", round, i)); err != nil {
						t.Fatalf("round %d: set %d: %v", round, i, err)
					}
				}
				// Overwrite one, with the same and with a new value.
				last := name(n - 1)
				if err := e.SetVar(last, fmt.Appendf(nil, "%d/%d", round, n-1)); err != nil {
					t.Fatal(err)
				}
				if err := e.SetVar(last, []byte("changed")); err != nil {
					t.Fatal(err)
				}
				var order []string
				e.Vars(func(k, v string) { order = append(order, k+"="+v) })
				if len(order) != n {
					t.Fatalf("round %d: %d variables, want %d", round, len(order), n)
				}
				for i := range n {
					want := fmt.Sprintf("%d/%d", round, i)
					if i == n-1 {
						want = "changed"
					}
					if got, ok := e.Var(name(i)); !ok || got != want {
						t.Fatalf("round %d: var %d = %q %v, want %q", round, i, got, ok, want)
					}
					if order[i] != string(name(i))+"="+want {
						t.Fatalf("round %d: Vars[%d] = %q, want first-set order", round, i, order[i])
					}
				}
				if n == hostabi.MaxVars {
					if err := e.SetVar([]byte("one.more"), []byte("x")); !errors.Is(err, host.ErrTooManyVars) {
						t.Fatalf("over MaxVars: %v", err)
					}
				}
				// The next request, on the same Exchange as the pool would
				// give it, sets the same names in another order.
				e.reset()
				e.req = httptest.NewRequest("GET", "/", nil)
				if round == 1 {
					name = func(i int) []byte { return fmt.Appendf(nil, "filter.var-%d", n-1-i) }
				}
			}
		})
	}
}
