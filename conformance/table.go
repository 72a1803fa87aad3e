package conformance

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gojinn/gojinn/hostabi"
)

// Table runs every case with every guest on h and writes, per function,
// the number of cases and how many passed and failed in each guest's
// language, then the failures. It returns the number of failures.
func Table(w io.Writer, h Host, gs []Guest) int {
	type tally struct{ cases, pass, fail map[string]int }
	byFunc := map[string]*tally{}
	var failures []Result
	cases := Cases()
	for _, c := range cases {
		t := byFunc[c.Func]
		if t == nil {
			t = &tally{cases: map[string]int{}, pass: map[string]int{}, fail: map[string]int{}}
			byFunc[c.Func] = t
		}
		for _, g := range gs {
			t.cases[g.Name]++
			if r := RunCase(h, g, c); r.Failure != "" {
				t.fail[g.Name]++
				failures = append(failures, r)
			} else {
				t.pass[g.Name]++
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "function\tcases\t"
	for _, g := range gs {
		header += g.Name + " pass\t" + g.Name + " fail\t"
	}
	fmt.Fprintln(tw, header)
	total := tally{cases: map[string]int{}, pass: map[string]int{}, fail: map[string]int{}}
	funcs := hostabi.HostFuncs()
	for _, f := range funcs {
		t := byFunc[f.Name]
		if t == nil {
			t = &tally{cases: map[string]int{}, pass: map[string]int{}, fail: map[string]int{}}
		}
		row := fmt.Sprintf("%s\t%d\t", f.Name, t.cases[gs[0].Name])
		for _, g := range gs {
			row += fmt.Sprintf("%d\t%d\t", t.pass[g.Name], t.fail[g.Name])
			total.pass[g.Name] += t.pass[g.Name]
			total.fail[g.Name] += t.fail[g.Name]
		}
		fmt.Fprintln(tw, row)
	}
	row := fmt.Sprintf("total (%d functions)\t%d\t", len(funcs), len(cases))
	for _, g := range gs {
		row += fmt.Sprintf("%d\t%d\t", total.pass[g.Name], total.fail[g.Name])
	}
	fmt.Fprintln(tw, row)
	_ = tw.Flush()
	if funcs, stray := Uncovered(cases); len(funcs) > 0 || len(stray) > 0 {
		fmt.Fprintf(w, "\nnot covered: %v; cases not calling their function: %v\n", funcs, stray)
	}
	for _, r := range failures {
		fmt.Fprintf(w, "\nFAIL %s %s/%s: %s\n", r.Guest, r.Case.Func, r.Case.Name, r.Failure)
	}
	return len(failures)
}
