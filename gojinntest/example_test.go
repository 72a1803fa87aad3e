package gojinntest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gojinn/gojinn/gojinntest"
)

// A filter's own test: the cases file gojinn test reads, each case a
// subtest.
func TestHello(t *testing.T) {
	gojinntest.RunFile(t, "hello.wasm", "cases.json")
}

// The same cases as Go values, checked one by one: what Check returns
// is every unmet expectation, then the request's logs.
func Example() {
	ctx := context.Background()
	m, err := gojinntest.Load(ctx, "hello.wasm", gojinntest.Options{Config: []byte(`{"greeting": "hi"}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close(ctx)
	want := "hi, ada"
	for _, c := range []gojinntest.Case{
		{
			Name:    "greets",
			Request: gojinntest.Request{Headers: map[string]string{"X-Name": "ada"}},
			Expect: gojinntest.Expect{
				Decision:       gojinntest.Continue,
				RequestHeaders: map[string]*string{"X-Hello": &want},
				Variables:      map[string]*string{"hello.message": &want},
			},
		},
		{
			Name:    "admin is open (wrong)",
			Request: gojinntest.Request{URL: "http://localhost/admin"},
			Expect:  gojinntest.Expect{Decision: gojinntest.Continue, Status: 200},
		},
	} {
		problems, err := m.Check(c)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d problems\n", c.Name, len(problems))
		for _, p := range problems {
			fmt.Println("  " + p)
		}
	}
	// Output:
	// greets: 0 problems
	// admin is open (wrong): 2 problems
	//   decision answer, want continue
	//   status 403, want 200
}
