package conformance

import (
	"net/http"

	"github.com/gojinn/gojinn/hostabi"
)

// The injection checks: libinjection's verdicts over the guest's bytes
// and the messages the host holds.
func injectionCases() []Case {
	const tautology = "1%27%20OR%20%271%27=%271" // 1' OR '1'='1, fingerprint s&sos
	body := withServerBody(`x' UNION SELECT password FROM users--`)
	header := func(r *http.Request) { r.Header["X-Html"] = []string{"plain", "<img src=x onerror=alert(1)>"} }
	return []Case{
		{Func: hostabi.FuncSQLiCheck, Name: "bytes, tautology", Script: "sqli_check 0 0 " + tautology + " 8", Want: Data("s&sos")},
		{Func: hostabi.FuncSQLiCheck, Name: "bytes, prose", Script: "sqli_check 0 0 the%20union%20will%20select%20a%20leader 8", Want: "0"},
		{Func: hostabi.FuncSQLiCheck, Name: "too small, then retried", Script: Script("sqli_check 0 0 "+tautology+" 4", "sqli_check 0 0 "+tautology+" 5"),
			Want: Report("5", Data("s&sos"))},
		{Func: hostabi.FuncSQLiCheck, Name: "zero limit", Script: "sqli_check 0 0 " + tautology + " 0", Want: "5"},
		{Func: hostabi.FuncSQLiCheck, Name: "request body", Script: "sqli_check 1 0 '' 8", Request: body, Want: Data("sUEnk")},
		{Func: hostabi.FuncSQLiCheck, Name: "missing header", Script: "sqli_check 2 0 X-None 8", Want: "-1"},
		{Func: hostabi.FuncSQLiCheck, Name: "URI of the response", Script: "sqli_check 3 1 '' 8", Want: "-2"},
		{Func: hostabi.FuncSQLiCheck, Name: "unknown target", Script: "sqli_check 4 0 '' 8", Want: "-2"},
		{Func: hostabi.FuncSQLiCheck, Name: "bytes in configure", Script: "configure sqli_check 0 0 " + tautology + " 8", Want: Data("s&sos")},
		{Func: hostabi.FuncSQLiCheck, Name: "message in configure", Script: "configure sqli_check 1 0 '' 8", Want: "-4"},
		{Func: hostabi.FuncSQLiCheck, Name: "largest input", Script: "sqli_check 0 0 a*1048576 8", Want: "0"},
		{Func: hostabi.FuncSQLiCheck, Name: "over the input bound", Script: "sqli_check 0 0 a*1048577 8", Want: "-3"},

		{Func: hostabi.FuncXSSCheck, Name: "bytes, script", Script: "xss_check 0 0 %3Cscript%3Ealert(1)%3C/script%3E", Want: "1"},
		{Func: hostabi.FuncXSSCheck, Name: "bytes, a comparison", Script: "xss_check 0 0 2%20%3C%203", Want: "0"},
		{Func: hostabi.FuncXSSCheck, Name: "header, values NUL-separated", Script: "xss_check 2 0 x-html", Request: header, Want: "1"},
		{Func: hostabi.FuncXSSCheck, Name: "response body", Script: Script("body_write 1 %3Cb%3Ehi%3C/b%3E%3Cscript%3Ex%3C/script%3E", "xss_check 1 1 ''"),
			Want: Report("0", "1")},
		{Func: hostabi.FuncXSSCheck, Name: "unknown kind", Script: "xss_check 1 2 ''", Want: "-2"},
		{Func: hostabi.FuncXSSCheck, Name: "message in configure", Script: "configure xss_check 3 0 ''", Want: "-4"},
		{Func: hostabi.FuncXSSCheck, Name: "over the input bound", Script: "xss_check 0 0 a*1048577", Want: "-3"},
	}
}
