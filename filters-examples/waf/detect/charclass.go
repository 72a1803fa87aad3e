package detect

// charClass is a set of byte classes. A value's classes are the union of
// its bytes' classes, computed in one pass when the value is built (see
// forms.build): the lazy views, the gates and the base64 search test it
// before they read the value, so that a benign value ("red running
// shoes", a session id) is read by the keyword scan and little else.
// Byte searches are dear inside wasm, where Go's strings package loops a
// byte at a time and each loop iteration pays the interrupt check.
type charClass uint32

const (
	// cDecode: '%', '&', '\\' and non-ASCII bytes, which decodeOnce
	// acts on in any value.
	cDecode charClass = 1 << iota
	cPlus             // '+', a space in the form encoding
	cNUL
	cSlash // '/' and '*' together may open an SQL comment
	cStar
	cShell // the bytes the shell view changes on
	cQuote // ' " `
	cBreak // CR, LF
	// cCtlSpace: blanks other than ' ' (the low view makes them ' ').
	cCtlSpace
	cSpace
	cUpper
	cLower
	cEquals
	// cSQLPunct: the bytes sqlPunctuation starts a match on.
	cSQLPunct
	// cCallPunct: '(', ')' and '.', a call's parenthesis or a
	// concatenation dot.
	cCallPunct
	cHash     // '#', which opens a comment in PHP, shells and MySQL
	cBacktick // '`' and '(' start the empty substitutions
	cParen
	// cLong is no byte class: it says the value is long enough to hold
	// a base64 run worth decoding (minBase64Run bytes).
	cLong
)

var byteClasses = func() (t [256]charClass) {
	set := func(c charClass, bytes string) {
		for i := 0; i < len(bytes); i++ {
			t[bytes[i]] |= c
		}
	}
	set(cDecode, "%&\\")
	for c := 0x80; c < 0x100; c++ {
		t[c] |= cDecode
	}
	set(cPlus, "+")
	set(cNUL, "\x00")
	set(cSlash, "/")
	set(cStar, "*")
	set(cShell, "'\"\\^$`<>")
	set(cQuote, "'\"`")
	set(cBreak, "\r\n")
	set(cCtlSpace, "\t\n\r\v\f")
	set(cSpace, " ")
	set(cUpper, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	set(cLower, "abcdefghijklmnopqrstuvwxyz")
	set(cEquals, "=")
	set(cSQLPunct, "=<>#|&@-!/")
	set(cCallPunct, "().")
	set(cHash, "#")
	set(cBacktick, "`")
	set(cParen, "(")
	return t
}()

// classesOf returns the union of the classes of the bytes of s.
func classesOf(s string) charClass {
	var m charClass
	for i := 0; i < len(s); i++ {
		m |= byteClasses[s[i]]
	}
	return m
}

// has says whether m holds every class of want.
func (m charClass) has(want charClass) bool { return m&want == want }
