package redactor

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzRedact checks, for several option sets, that redaction never
// panics, that JSON in gives JSON out, that nothing matched means the
// input comes back as it is, and that the output is never longer than
// the input plus the replacements (re-encoding a decoded string never
// makes it longer than it was).
func FuzzRedact(f *testing.F) {
	seeds := []string{
		`{"email":"alice@example.com","pan":4111111111111111,"s":"4111 1111 1111 1111"}`,
		`["\u0061lice@example.com","\ud83d\ude00","\ud83d x@example.org",-4111111111111111]`,
		`{"a\"b@example.com":[1.5e10,true,null,"x@y.z"]}`,
		"alice+tag@mail.example.co.uk 3782 822463 10005 2024-01-15 4111-1111-1111-1111",
		`{"e":"\b\f\n\r\t\/\\\"\u0000 a@example.com"}`,
		"4111111111111111@example.com.123",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	redactors := []*Redactor{
		New(defaults),
		New(Options{Emails: true, Cards: true, CardKeepLast4: true, Replacement: "x"}),
		New(Options{Emails: true, Cards: true, Replacement: "\"\\\x01é"}),
		New(Options{Cards: true}),
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		valid := json.Valid(in)
		for _, r := range redactors {
			for mode, fn := range []func([]byte) ([]byte, int){r.Text, r.JSON} {
				out, n := fn(in)
				if !bytes.Equal(in, orig) {
					t.Fatal("the input was modified")
				}
				if n == 0 && !bytes.Equal(out, in) {
					t.Fatalf("no match, yet the output differs: %q -> %q", in, out)
				}
				if max := len(in) + n*(len(r.replJSON)+2); len(out) > max {
					t.Fatalf("output %d bytes, at most %d expected (%d matches): %q -> %q", len(out), max, n, in, out)
				}
				if mode == 1 && valid && !json.Valid(out) {
					t.Fatalf("valid JSON in, invalid out: %q -> %q", in, out)
				}
			}
		}
	})
}
