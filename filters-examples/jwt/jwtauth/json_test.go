package jwtauth

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestForEachMember(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want string // "key=raw;" per member
	}{
		{`{}`, true, ""},
		{` { "a" : 1 , "b":[1,{"c":null}] ,"d":"x\"y"} `, true, `a=1;b=[1,{"c":null}];d="x\"y";`},
		{`{"a\u0062":true,"c\/d":false}`, true, `ab=true;c/d=false;`},
		{`{"n":-0.5e+10,"m":0,"o":1E3}`, true, `n=-0.5e+10;m=0;o=1E3;`},
		{`{"a":1,}`, false, ""},
		{`{"a":01}`, false, ""},
		{`{"a":1.}`, false, ""},
		{`{"a":.5}`, false, ""},
		{`{"a":-}`, false, ""},
		{`{"a":1e}`, false, ""},
		{`{"a":tru}`, false, ""},
		{`{"a":"\x"}`, false, ""},
		{`{"a":"\u12g4"}`, false, ""},
		{"{\"a\":\"\x01\"}", false, ""},
		{`{"a" 1}`, false, ""},
		{`{a:1}`, false, ""},
		{`{"a":1}x`, false, ""},
		{`[1]`, false, ""},
		{`"a"`, false, ""},
		{``, false, ""},
		{`{"a":[1,]}`, false, ""},
		{`{"a":{"b":1,}}`, false, ""},
		{"{\"a\":\"\xff\"}", false, ""},
		{`{"é":"✓"}`, true, `é="✓";`},
		{strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70), false, ""},
	}
	for _, c := range cases {
		var b strings.Builder
		ok := forEachMember(c.in, func(k, raw string) bool {
			b.WriteString(k + "=" + raw + ";")
			return true
		})
		if ok != c.ok || (ok && b.String() != c.want) {
			t.Errorf("forEachMember(%q) = %v %q, want %v %q", c.in, ok, b.String(), c.ok, c.want)
		}
	}
}

// FuzzForEachMember checks the scanner against encoding/json: the same
// verdict on every input, and the same members.
func FuzzForEachMember(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":"c"}],"d":-1.5e3}`, `{"a\u00e9":"\ud83d\ude00"}`, `{"a":1,"a":2}`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var keys []string
		ok := forEachMember(s, func(k, raw string) bool {
			if !json.Valid([]byte(raw)) {
				t.Fatalf("member %q has invalid raw %q", k, raw)
			}
			keys = append(keys, k)
			return true
		})
		var obj map[string]json.RawMessage
		err := json.Unmarshal([]byte(s), &obj)
		// Stricter than encoding/json on purpose: deep nesting and
		// invalid UTF-8 are refused.
		strict := strings.Count(s, "{")+strings.Count(s, "[") > maxDepth || !utf8.ValidString(s)
		if ok != (err == nil) && !(strict && !ok) {
			t.Fatalf("forEachMember = %v, encoding/json: %v", ok, err)
		}
		if ok {
			for _, k := range keys {
				if _, found := obj[k]; !found {
					t.Fatalf("member %q not seen by encoding/json", k)
				}
			}
		}
	})
}

// isPlain is plain8's definition, a byte at a time.
func isPlain(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }

// TestSpecial8 puts every byte value at every position of a word of
// plain bytes, and of words whose other bytes sit at the edges of the
// plain range, where a borrow could leak into a neighbour; and two
// special bytes, where the first must be the one reported.
func TestSpecial8(t *testing.T) {
	for _, fill := range []byte{'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f} {
		for pos := range 8 {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				first := 8
				if !isPlain(byte(c)) {
					first = pos
				}
				if pos < 7 {
					b[7] = '"'
					first = min(first, 7)
				}
				m := special8(binary.LittleEndian.Uint64(b[:]))
				got := 8
				if m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != first {
					t.Fatalf("%q: first special byte %d, want %d", b, got, first)
				}
				if le64(string(b[:]), 0) != binary.LittleEndian.Uint64(b[:]) {
					t.Fatalf("le64(%q) wrong", b)
				}
			}
		}
	}
}

func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"https://idp.example/realms/x"`, `"alice@example.com" `, `"a\"b\\c\u00e9d"x`, "\"caf\xc3\xa9 au lait, s'il vous pla\xc3\xaet\"", `"unterminated`, "\"\x01\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.HasPrefix(s, `"`) {
			s = `"` + s
		}
		if got, want := scanString(s, 0), scanStringWords(s, 0, false); got != want {
			t.Fatalf("scanString(%q) = %d, want %d", s, got, want)
		}
	})
}
