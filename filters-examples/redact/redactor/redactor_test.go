package redactor

import (
	"bytes"
	"encoding/json"
	"testing"
)

var defaults = Options{Emails: true, Cards: true, Replacement: DefaultReplacement}

// withCheck appends the Luhn check digit to the digits of prefix.
func withCheck(prefix string) string {
	for d := byte('0'); d <= '9'; d++ {
		if luhn([]byte(prefix + string(d))) {
			return prefix + string(d)
		}
	}
	panic("unreachable")
}

func TestLuhn(t *testing.T) {
	valid := []string{"4111111111111111", "378282246310005", "5555555555554444", "6011111111111117",
		"30569309025904", "3530111333300000", "4222222222222", "2223003122003222", "79927398713"}
	for _, v := range valid {
		if !luhn([]byte(v)) {
			t.Errorf("luhn(%s) = false", v)
		}
	}
	for _, v := range []string{"4111111111111112", "79927398710", "1234567812345678"} {
		if luhn([]byte(v)) {
			t.Errorf("luhn(%s) = true", v)
		}
	}
}

func TestText(t *testing.T) {
	ms := withCheck("173250000000") // a Luhn-valid millisecond timestamp
	us := withCheck("173250000000000")
	long19 := withCheck("622202000000000000")
	tests := []struct {
		name, in, want string
		n              int
	}{
		// E-mail addresses.
		{"plain", "mail alice@example.com now", "mail [redacted] now", 1},
		{"plus addressing", "alice+news@example.com", "[redacted]", 1},
		{"subdomains", "to: first.last@mail.eu.example.co.uk.", "to: [redacted].", 1},
		{"apostrophe, underscore, percent", "o'brien_x%y@example.ie", "[redacted]", 1},
		{"angle brackets", "Alice <alice@example.com>", "Alice <[redacted]>", 1},
		{"mailto", "mailto:bob@example.org?subject=hi", "mailto:[redacted]?subject=hi", 1},
		{"two", "a@example.com,b@example.net", "[redacted],[redacted]", 2},
		{"idn tld", "x@example.xn--p1ai", "[redacted]", 1},
		{"punycode label", "x@xn--80ak6aa92e.com", "[redacted]", 1},
		{"leading dot kept", ".alice@example.com", ".[redacted]", 1},
		{"hyphen label", "x@my-host.example.com", "[redacted]", 1},
		{"trailing hyphen", "x@example.co-", "[redacted]-", 1},
		{"numeric tld dropped", "x@example.com.123", "[redacted].123", 1},
		{"upper case", "ALICE@EXAMPLE.COM", "[redacted]", 1},
		{"a@b", "a@b", "a@b", 0},
		{"localhost", "user@localhost", "user@localhost", 0},
		{"one-letter tld", "x@y.z", "x@y.z", 0},
		{"numeric", "1.5@2.0", "1.5@2.0", 0},
		{"no local", "@example.com", "@example.com", 0},
		{"no domain", "alice@", "alice@", 0},
		{"leading hyphen label", "alice@-bad.com", "alice@-bad.com", 0},
		{"double at", "a@@example.com", "a@@example.com", 0},
		{"handle", "@alice on the forum", "@alice on the forum", 0},
		{"ip literal", "x@127.0.0.1", "x@127.0.0.1", 0},

		// Card numbers.
		{"visa", "card 4111111111111111 ok", "card [redacted] ok", 1},
		{"visa spaces", "4111 1111 1111 1111", "[redacted]", 1},
		{"visa dashes", "4111-1111-1111-1111", "[redacted]", 1},
		{"amex 4-6-5", "3782 822463 10005", "[redacted]", 1},
		{"diners 14", "(30569309025904)", "([redacted])", 1},
		{"diners 4-4-4-2", "3056 9309 0259 04", "[redacted]", 1},
		{"visa 13", "4222222222222.", "[redacted].", 1},
		{"mastercard", "5555555555554444", "[redacted]", 1},
		{"mastercard 2-series", "2223003122003222", "[redacted]", 1},
		{"discover", "6011111111111117", "[redacted]", 1},
		{"jcb", "3530111333300000", "[redacted]", 1},
		{"19 digits", long19, "[redacted]", 1},
		{"after a date", "2024-01-15 4111 1111 1111 1111", "2024-01-15 [redacted]", 1},
		{"luhn invalid", "order 4111111111111112", "order 4111111111111112", 0},
		{"ms timestamp", ms, ms, 0},
		{"us timestamp", us, us, 0},
		{"bad 2-series", withCheck("200000000000000"), withCheck("200000000000000"), 0},
		{"12 digits", withCheck("41111111111"), withCheck("41111111111"), 0},
		{"20 digits", withCheck("4111111111111111111"), withCheck("4111111111111111111"), 0},
		{"inside longer number", "0000" + "4111111111111111", "00004111111111111111", 0},
		{"inside longer number 2", "94111111111111111119", "94111111111111111119", 0},
		{"prefix letter", "id4111111111111111", "id4111111111111111", 0},
		{"suffix letter", "4111111111111111x", "4111111111111111x", 0},
		{"underscore", "n_4111111111111111", "n_4111111111111111", 0},
		{"hyphenated id", "ref-4111111111111111", "ref-4111111111111111", 0},
		{"hyphenated id after", "4111111111111111-v2", "4111111111111111-v2", 0},
		{"decimal", "0.4111111111111111", "0.4111111111111111", 0},
		{"decimal after", "4111111111111111.5", "4111111111111111.5", 0},
		{"mixed separators", "4111-1111 1111-1111", "4111-1111 1111-1111", 0},
		{"double spaces", "4111  1111  1111  1111", "4111  1111  1111  1111", 0},
		{"one-digit groups", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", 0},
		{"short first group", "41 1111 1111 1111 11", "41 1111 1111 1111 11", 0},
		{"trailing group", "4111 1111 1111 1111 5", "4111 1111 1111 1111 5", 0},
		{"uuid", "41111111-1111-1111-1111-111111111111", "41111111-1111-1111-1111-111111111111", 0},
		{"uuid head", "4111-1111-1111-1111-abcd", "4111-1111-1111-1111-abcd", 0},
		{"card as local part", "4111111111111111@example.com", "[redacted]", 1},
		{"card and email", "4111111111111111 alice@example.com", "[redacted] [redacted]", 2},

		{"empty", "", "", 0},
		{"nothing", "hello, world 12345", "hello, world 12345", 0},
	}
	r := New(defaults)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := r.Text([]byte(tt.in))
			if string(got) != tt.want || n != tt.n {
				t.Errorf("Text(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
			}
		})
	}
}

func TestTextOptions(t *testing.T) {
	full := withCheck("411111111111123")
	card := "4111-1111-1111-" + full[12:]
	in := "alice@example.com paid with " + card + " and 4111111111111111"
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"defaults", defaults, "[redacted] paid with [redacted] and [redacted]"},
		{"keep last 4", Options{Emails: true, Cards: true, Replacement: "X", CardKeepLast4: true},
			"X paid with ****-****-****-" + full[12:] + " and ************1111"},
		{"emails only", Options{Emails: true, Replacement: "X"}, "X paid with " + card + " and 4111111111111111"},
		{"cards only", Options{Cards: true, Replacement: "X"}, "alice@example.com paid with X and X"},
		{"empty replacement", Options{Emails: true, Cards: true}, " paid with  and "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := New(tt.opts).Text([]byte(in))
			if string(got) != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNoMatchReturnsInput(t *testing.T) {
	in := []byte(`{"id": 4111111111111112, "ts": 1732500000000, "msg": "nothing here"}`)
	r := New(defaults)
	for _, f := range []func([]byte) ([]byte, int){r.Text, r.JSON} {
		out, n := f(in)
		if n != 0 || &out[0] != &in[0] {
			t.Errorf("got a copy (n=%d), want the input itself", n)
		}
	}
	if a := testing.AllocsPerRun(100, func() { r.JSON(in) }); a != 0 {
		t.Errorf("JSON without a match allocates %v times", a)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		n              int
		opts           *Options
	}{
		{"string value", `{"email":"alice@example.com","n":1}`, `{"email":"[redacted]","n":1}`, 1, nil},
		{"inside text", `["write to alice@example.com or bob@example.org!"]`,
			`["write to [redacted] or [redacted]!"]`, 2, nil},
		{"member name", `{"alice@example.com":{"role":"admin"}}`, `{"[redacted]":{"role":"admin"}}`, 1, nil},
		{"card string", `{"pan":"4111 1111 1111 1111"}`, `{"pan":"[redacted]"}`, 1, nil},
		{"card number", `{"pan":4111111111111111}`, `{"pan":"[redacted]"}`, 1, nil},
		{"card number keep4", `{"pan": 4111111111111111 }`, `{"pan": "************1111" }`, 1,
			&Options{Cards: true, CardKeepLast4: true}},
		{"card string keep4", `{"pan":"4111-1111-1111-1111"}`, `{"pan":"****-****-****-1111"}`, 1,
			&Options{Cards: true, CardKeepLast4: true}},
		{"card number in array", `[4111111111111111,5555555555554444]`, `["[redacted]","[redacted]"]`, 2, nil},
		{"negative number", `[-4111111111111111]`, `[-4111111111111111]`, 0, nil},
		{"fraction", `[4111111111111111.0]`, `[4111111111111111.0]`, 0, nil},
		{"exponent", `[4111111111111111e0]`, `[4111111111111111e0]`, 0, nil},
		{"invalid luhn number", `{"order":4111111111111112}`, `{"order":4111111111111112}`, 0, nil},
		{"timestamp", `{"ts":` + withCheck("173250000000") + `}`, `{"ts":` + withCheck("173250000000") + `}`, 0, nil},
		{"escaped at", `{"e":"alice\u0040example.com"}`, `{"e":"[redacted]"}`, 1, nil},
		{"escaped local", `{"e":"\u0061lice@example.com"}`, `{"e":"[redacted]"}`, 1, nil},
		{"escaped quotes kept", `{"e":"\"Alice\" <alice@example.com>\n\t\/\b\f\u0001"}`,
			`{"e":"\"Alice\" <[redacted]>\n\t/\b\f\u0001"}`, 1, nil},
		{"escaped, no match, untouched", `{"e":"\"hi\" \u00e9\/"}`, `{"e":"\"hi\" \u00e9\/"}`, 0, nil},
		{"surrogate pair", `{"e":"\ud83d\ude00 alice@example.com"}`, `{"e":"😀 [redacted]"}`, 1, nil},
		{"lone surrogate", `{"e":"\ud83d alice@example.com"}`, "{\"e\":\"\uFFFD [redacted]\"}", 1, nil},
		{"quote in replacement", `{"e":"alice@example.com"}`, `{"e":"\"x\\"}`, 1,
			&Options{Emails: true, Replacement: `"x\`}},
		{"quote in replacement, number", `[4111111111111111]`, `["\"x\\"]`, 1,
			&Options{Cards: true, Replacement: `"x\`}},
		{"quote in replacement, escaped", `["\u0061lice@example.com"]`, `["\"x\\"]`, 1,
			&Options{Emails: true, Replacement: `"x\`}},
		{"backslash before @", `["alice\\@example.com"]`, `["alice\\@example.com"]`, 0, nil},
		{"backslash before local", `["x\\alice@example.com"]`, `["x\\[redacted]"]`, 1, nil},
		{"literals", `[true,false,null,{"a":"b@example.com"}]`, `[true,false,null,{"a":"[redacted]"}]`, 1, nil},
		{"ndjson", "{\"e\":\"a@example.com\"}\n{\"e\":\"b@example.com\"}\n",
			"{\"e\":\"[redacted]\"}\n{\"e\":\"[redacted]\"}\n", 2, nil},
		{"not JSON: text fallback", `alice@example.com`, `[redacted]`, 1, nil},
		{"unterminated: text fallback", `{"e":"alice@example.com`, `{"e":"[redacted]`, 1, nil},
		{"bad escape: text fallback", `{"e":"\x alice@example.com"}`, `{"e":"\x [redacted]"}`, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaults
			if tt.opts != nil {
				opts = *tt.opts
			}
			got, n := New(opts).JSON([]byte(tt.in))
			if string(got) != tt.want || n != tt.n {
				t.Errorf("JSON(%s)\n got  %s, %d\n want %s, %d", tt.in, got, n, tt.want, tt.n)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

// TestJSONDocument redacts a document encoding/json wrote and checks that
// it decodes, with every address and card gone and the rest intact.
func TestJSONDocument(t *testing.T) {
	doc := sampleDoc(200)
	for _, opts := range []Options{defaults, {Emails: true, Cards: true, Replacement: "<\"\\\n>"},
		{Emails: true, Cards: true, CardKeepLast4: true, Replacement: "x"}} {
		out, n := New(opts).JSON(doc)
		if n == 0 {
			t.Fatal("nothing redacted")
		}
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v: %s", err, out[:200])
		}
		for _, secret := range [][]byte{[]byte("@example."), []byte("4111111111111111"), []byte("5555 5555 5555 4444")} {
			if bytes.Contains(out, secret) {
				t.Errorf("%q survived", secret)
			}
		}
		if !bytes.Contains(out, []byte(`"order":4111111111111112`)) || !bytes.Contains(out, []byte(`"created":1732500000123`)) {
			t.Error("a non-card number was changed")
		}
		if len(v) != 200 || v[7]["name"] != "user 7" {
			t.Errorf("structure changed: %d records, %v", len(v), v[7])
		}
	}
}

// sampleDoc is a JSON array of records with addresses and cards, as an
// API would send it, about 80 bytes a record.
func sampleDoc(records int) []byte {
	type rec struct {
		ID      int    `json:"id"`
		Name    string `json:"name"`
		Email   string `json:"email"`
		Created int64  `json:"created"`
		Order   int64  `json:"order"`
		Note    string `json:"note"`
		Card    any    `json:"card,omitempty"`
	}
	var rs []rec
	for i := 0; i < records; i++ {
		r := rec{ID: i, Name: "user " + itoa(i), Email: "user." + itoa(i) + "+tag@mail.example.com",
			Created: 1732500000123, Order: 4111111111111112,
			Note: "Delivered to the front desk; \"contact\" <ops@example.org> if late. Ref 2024-11-25."}
		switch i % 4 {
		case 0:
			r.Card = "5555 5555 5555 4444"
		case 1:
			r.Card = int64(4111111111111111)
		}
		rs = append(rs, r)
	}
	b, err := json.Marshal(rs)
	if err != nil {
		panic(err)
	}
	return b
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
