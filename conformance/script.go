package conformance

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// The case runners (testdata/goguest, cguest, rustguest and cxxguest) are
// configured with a script, one step a line, and run it: the steps that start with
// "configure" in gojinn_configure, those that start with "response" in
// gojinn_on_response, the others in gojinn_on_request. Each step reports
// one entry; entries are joined with ';'. A script with response steps
// makes the runner declare the response phase after its configure steps,
// with the flags of the last configure features_set step that succeeded,
// or else with the response body (features 3).
//
// A step is a host function's name and its arguments, in ABI order, with
// every (pointer, length) pair written as one string and every output
// buffer as its limit:
//
//	header_get 0 X-Multi 16     -> "3 1%002"
//	header_set 1 X-Answer yes   -> "0"
//
// Integers are decimal or 0x hex, negative ones as two's complement.
// Strings are parts joined by '+', each percent-decoded and repeated when
// it ends in *N ("/+a*8191" is a slash and 8191 a's); '' is empty.
//
// A data function reports its result, then, when the data fitted, the
// data: escaped (bytes outside '!'..'~', '%' and ';' as %XX) up to 128
// bytes, its FNV-1a digest ("#" and 8 hex digits) beyond. The runner fills
// the buffer and 16 bytes past its limit with 0xAA beforehand and adds
// " clobbered" when the host wrote anything it should not have: past the
// data, or anything at all when the data did not fit. log reports "-".
//
// Other steps:
//
//	raw <function> <int>...  call a host function with integers only
//	fill_vars N              var_set v0..v{N-1}; reports "<ok> <first error>"
//	count                    how many count steps this instance ran
//	fault                    run the request's X-Fault header as a step
//	continue                 header_add the report as X-Report, return 0
//	return N                 return N from the phase
//	refuse                   (configure) log an error, refuse the config
//	trap, loop, recurse, grow  trap, spin, overflow the stack, exhaust memory
//
// When the request phase runs to its end, the runner answers with the
// report (the configure steps' entries first) as the response body. When
// the response phase runs to its end, the runner adds its report to the
// response as X-Response-Report and continues.

// Escape is the runners' escaping of data in a report.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '%' || c == ';' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Data is the report entry of a data function that returned s in full.
func Data(s string) string {
	switch {
	case len(s) == 0:
		return "0"
	case len(s) > 128:
		h := fnv.New32a()
		h.Write([]byte(s))
		return fmt.Sprintf("%d #%08x", len(s), h.Sum32())
	}
	return fmt.Sprintf("%d %s", len(s), Escape(s))
}

// Script joins steps into a runner's config.
func Script(steps ...string) string { return strings.Join(steps, "\n") }

// Report joins report entries as the runners do.
func Report(entries ...string) string { return strings.Join(entries, ";") }
