package conformance

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// The pattern sets, compiled in configure and scanned on request by an
// instance restored from the configured one's snapshot.
func patternCases() []Case {
	// Set 0 folds case; set 1 does not.
	compile := Script("configure patterns_compile union%00select%00sleep( 1", "configure patterns_compile Admin%00adm 0")
	with := func(steps ...string) string { return Script(append([]string{compile}, steps...)...) }
	want := func(entries ...string) string { return Report(append([]string{"0", "1"}, entries...)...) }
	body := withServerBody(`{"q":"1 UNION SELECT sleep(5)"}`)
	header := func(r *http.Request) { r.Header["X-Role"] = []string{"user", "Admin"} }
	return []Case{
		{Func: hostabi.FuncPatternsCompile, Name: "normal", Script: compile, Want: Report("0", "1")},
		{Func: hostabi.FuncPatternsCompile, Name: "empty literal", Script: "configure patterns_compile a%00%00b 0", Want: "-2"},
		{Func: hostabi.FuncPatternsCompile, Name: "empty list", Script: "configure patterns_compile '' 0", Want: "-2"},
		{Func: hostabi.FuncPatternsCompile, Name: "unknown flag", Script: "configure patterns_compile a 2", Want: "-2"},
		{Func: hostabi.FuncPatternsCompile, Name: "maximum literal length", Script: "configure patterns_compile a*1024 0", Want: "0"},
		{Func: hostabi.FuncPatternsCompile, Name: "over maximum literal length", Script: "configure patterns_compile a*1025 0", Want: "-3"},
		{Func: hostabi.FuncPatternsCompile, Name: "over maximum literals", Script: "configure patterns_compile a%00*65536+a 0", Want: "-3"},
		{Func: hostabi.FuncPatternsCompile, Name: "over maximum sets",
			Script: Script(strings.Repeat("configure patterns_compile a 0\n", hostabi.MaxPatternSets), "configure patterns_compile a 0"),
			Want:   Report(append(countTo(hostabi.MaxPatternSets), "-3")...)},
		{Func: hostabi.FuncPatternsCompile, Name: "request phase", Script: "patterns_compile a 0", Want: "-4"},

		{Func: hostabi.FuncPatternsScan, Name: "bytes, in the order found, folded", Script: with("patterns_scan 0 0 0 SeLeCt%201%20UNION 16"),
			Want: want(Data(u32s(1, 0)))},
		{Func: hostabi.FuncPatternsScan, Name: "each once", Script: with("patterns_scan 0 0 0 union%20union 16"), Want: want(Data(u32s(0)))},
		{Func: hostabi.FuncPatternsScan, Name: "none", Script: with("patterns_scan 0 0 0 nothing 16"), Want: want("0")},
		{Func: hostabi.FuncPatternsScan, Name: "nested literals", Script: with("patterns_scan 1 0 0 xAdmin 16"), Want: want(Data(u32s(0)))},
		{Func: hostabi.FuncPatternsScan, Name: "case kept without folding", Script: with("patterns_scan 1 0 0 admin 16"), Want: want(Data(u32s(1)))},
		{Func: hostabi.FuncPatternsScan, Name: "too small, then retried", Script: with("patterns_scan 0 1 0 '' 8", "patterns_scan 0 1 0 '' 12"),
			Request: body, Want: want("12", Data(u32s(0, 1, 2)))},
		{Func: hostabi.FuncPatternsScan, Name: "header", Script: with("patterns_scan 1 2 0 x-role 16"), Request: header, Want: want(Data(u32s(0)))},
		{Func: hostabi.FuncPatternsScan, Name: "URI", Script: with("uri_set /a?q=sleep(1)", "patterns_scan 0 3 0 '' 16"), Want: want("0", Data(u32s(2)))},
		{Func: hostabi.FuncPatternsScan, Name: "missing header", Script: with("patterns_scan 0 2 0 X-None 16"), Want: want("-1")},
		{Func: hostabi.FuncPatternsScan, Name: "unknown target", Script: with("patterns_scan 0 4 0 '' 16"), Want: want("-2")},
		{Func: hostabi.FuncPatternsScan, Name: "unknown handle", Script: with("patterns_scan 2 0 0 a 16"), Want: want("-1")},
		{Func: hostabi.FuncPatternsScan, Name: "negative handle", Script: "patterns_scan -1 0 0 a 16", Want: "-1"},
		{Func: hostabi.FuncPatternsScan, Name: "message in configure", Script: Script("configure patterns_compile a 0", "configure patterns_scan 0 1 0 '' 16"),
			Want: Report("0", "-4")},
		{Func: hostabi.FuncPatternsScan, Name: "at most 1024 ids",
			Script: Script("configure patterns_compile "+strings.Join(manyLiterals, "%00")+" 0", "patterns_scan 0 0 0 "+strings.Join(manyLiterals, "")+" 8192"),
			Want:   Report("0", Data(maxIDs()))},
	}
}

// manyLiterals are more literals than a scan reports, none found inside
// another's occurrence when they are written one after the other.
var manyLiterals = func() []string {
	out := make([]string, hostabi.MaxPatternMatches+100)
	for i := range out {
		out[i] = fmt.Sprintf("w%04d", i)
	}
	return out
}()

// maxIDs is what a scan of manyLiterals, written in order, reports: the
// first 1024 ids.
func maxIDs() string {
	ids := make([]uint32, hostabi.MaxPatternMatches)
	for i := range ids {
		ids[i] = uint32(i)
	}
	return u32s(ids...)
}
