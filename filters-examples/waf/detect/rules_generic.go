package detect

// Generic attacks on application runtimes: Node.js and JavaScript code
// injection, prototype pollution, server-side template injection, Perl,
// Ruby and Python code injection, and server-side request forgery to
// loopback and cloud metadata addresses.
var genericRules = ruleTable{class: Generic, rules: []ruleSpec{
	{id: "generic-nodejs-injection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: []string{"console.", "console .", "process[", "process.", "process .", "require", "child_process", "_$$nd_func$$_", "__js_function", "function", "=>", "this.constructor", "global.", "module.constructor", "_load("},
		pattern:  `\brequire\s*\(\s*['"\x60](?:child_process|fs|net|os|vm|http|https|dgram|cluster|worker_threads)['"\x60]\s*\)|\bchild_process\b|\bprocess\s*\.\s*(?:mainmodule|binding|env\b|kill|exit|dlopen)|__js_function|\bfunction\s*\w*\s*\([^)]*\)\s*\{|\bnew\s+function\s*\(|\([\w\s,]*\)\s*=>\s*\{|\bthis\.constructor\.constructor|\bglobal\s*\.\s*process|\bmodule\.constructor\._load\s*\(|\bconsole\s*\.\s*\w+\s*[.(]|\bprocess\s*\[|\brequire\s*\.\s*main\b|_\$\$nd_func\$\$_`,
		sample:   `require('child_process').exec('id')`, lookAlike: `required field`},
	{id: "generic-prototype-pollution", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("__proto__ prototype"),
		pattern:  `__proto__|\bconstructor\W{1,4}prototype\b|\bprototype\s*[.\[]\s*['"]?\s*\w+['"]?\s*\]?\s*=`,
		sample:   `__proto__[admin]=1`, lookAlike: `prototype design`},
	{id: "generic-javascript-dos", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("while for("),
		pattern:  `\bwhile\s*\(+\s*(?:!+\s*)?[+-]?(?:true|false|[01]|infinity|this|undefined|null|\{\}|\[\])\s*\)+|\bfor\s*\(\s*;\s*;\s*\)`,
		sample:   `while(true){}`, lookAlike: `while (we wait)`},
	{id: "generic-template-injection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("{{ {% <% ${ #{ *{ @("),
		pattern:  `\{\{.*?(?:\d\s*[*+/-]\s*\d|__\w+__|\bconfig\b|\bself\b|\brequest\b|\blipsum\b|\bcycler\b|\bjoiner\b|\bnamespace\b|\brange\s*\(|\|\s*attr|\bpopen\b|\bsystem\b|\[).*?\}\}|\{%.*?(?:import|include|set|for|if|exec|system|popen).*?%\}|<%=?.*?%>|[$#*]\{\s*\d+\s*[*+/-]\s*\d+\s*\}|\$\{\s*(?:t\(|new\s+|\w+\.getclass)`,
		sample:   `{{7*7}}`, lookAlike: `{{name}}`},
	{id: "generic-perl-injection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("@{ qx"),
		pattern:  `@\{\s*\[|\bqx\s*[{(/|]`,
		sample:   `@{[system "id"]}`, lookAlike: `qx model`},
	{id: "generic-ruby-injection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("%x kernel. io.popen instance_eval class_eval send(: process.spawn"),
		pattern:  `%x[{(\[|]|\bkernel\s*\.\s*(?:exec|system|spawn|open)|\bio\s*\.\s*popen|\bprocess\s*\.\s*spawn\s*\(|\.(?:instance_eval|class_eval|send)\s*\(\s*:?\s*['"]?(?:system|exec|eval)`,
		sample:   `Kernel.exec("id")`, lookAlike: `kernel.org`},
	{id: "generic-python-injection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("__import__ __globals__ __builtins__ __subclasses__ __class__ __mro__ __base__ os.system os.popen subprocess. exec( eval( compile( pickle"),
		pattern:  `__(?:import|globals|builtins|subclasses|class|mro|bases?|init|getattribute|reduce)__|\bos\s*\.\s*(?:system|popen|exec\w*|spawn\w*)\s*\(|\bsubprocess\s*\.\s*\w+|\b(?:exec|eval|compile)\s*\(\s*['"\x60]|\bpickle\s*\.\s*loads?`,
		sample:   `__import__('os').system('id')`, lookAlike: `os.system is a function`},
	{id: "generic-ssrf-metadata", pl: 1, score: critical, where: tArgs | THeader, view: viewLow,
		keywords: words("169.254. metadata. 100.100.100.200 fd00:ec2::254 instance-data"),
		pattern:  `169\.254\.\d+\.\d+|\bmetadata\.(?:google\.internal|packet\.net|platformequinix\.com|tencentyun\.com|azure\.com)|\binstance-data\b|100\.100\.100\.200|fd00:ec2::254|metadata\.azure`,
		sample:   `http://169.254.169.254/latest/meta-data/`, lookAlike: `metadata.json`},
	{id: "generic-ssrf-loopback", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("localhost 127. 0.0.0.0 [::] [::1] 0x7f ://0 .internal lvh.me localtest.me"),
		pattern:  `^[a-z][\w+.-]*:/{0,2}\S*@(?:` + loopbackNames + `|` + loopbackAddresses + `|169\.254\.)|^(?:[a-z][\w+.-]*:/{0,2}(?:[^/@\s]*@)?(?:` + loopbackNames + `|` + loopbackAddresses + `)(?:[:/?#]|$)|(?:` + loopbackNames + `)(?:[:/]|$)|(?:` + loopbackAddresses + `)[:/])`,
		sample:   `http://localhost:8080/admin`, lookAlike: `127.5`},
	{id: "generic-ssrf-obfuscated-ip", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words(":"),
		pattern:  `^[a-z][\w+.-]*:/{0,2}(?:[^/@\s]*@)?(?:0x[0-9a-f]{1,8}(?:\.0x[0-9a-f]{1,2}){0,3}|\d{8,10}|0\d{7,}|0\d{1,3}(?:\.0?\d{1,3}){1,3}|\[fe80:[^\]]*\]|\d{1,3}\.\d{5,8}|\d{1,3}\.\d{1,3}\.\d{4,6}|\d{1,3}(?:\.\d{1,3}){0,2}\.0x[0-9a-f]+)(?:[:/?#]|$)`,
		sample:   `http://0x7f000001/`, lookAlike: `http://example.com/`},
	{id: "generic-orm-lookup", pl: 2, score: critical, where: TArgName, view: viewLow,
		keywords: words("__"),
		pattern:  `\w__(?:i?(?:exact|contains|startswith|endswith|regex)|gte?|lte?|in|isnull|range|search)$`,
		sample:   `email__iendswith`, lookAlike: `my__field`},
	{id: "generic-base64-payload", pl: 1, score: critical, where: tArgs | THeader | TFilename, view: viewDec,
		needs:  cUpper | cLower | cLong, // see base64Kind
		check:  base64HidesPayload,
		sample: `cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=`, lookAlike: `eyJ1c2VyIjoiYWRhIiwicm9sZSI6InJlYWRlciJ9`},
	{id: "generic-data-url", pl: 1, score: critical, where: TArgValue | TCookieValue, view: viewLow,
		keywords: words("data:"),
		pattern:  `^data:(?:text|application)/[\w.+-]*\s*[;,]?`,
		sample:   `data:text/html,<script>alert(1)</script>`, lookAlike: `data:image/png;base64,AAAA`},
}}

// scriptBase64Words are code fragments a base64 value has no business
// decoding to.
var scriptBase64Words = byteWords("require( child_process _$$nd_func$$_ while(true) while(1) eval( function( process.mainmodule constructor( __proto__ <script <?php system( exec(")

// base64HidesPayload looks in base64 runs for script and code injection
// fragments.
func base64HidesPayload(f *forms) bool {
	_, low := f.base64Plains()
	for _, p := range low {
		if containsAny(p, scriptBase64Words) {
			return true
		}
	}
	return false
}

// Loopback and container-host names, and loopback addresses in the
// spellings resolvers accept. A bare address needs a port or a path
// after it to count: "127.5" is a number.
const (
	loopbackNames     = `(?:ipv6-|ip6-)?localhost\d?(?:\.localdomain)?|[\w.-]+\.(?:docker|containers)\.internal|[\w.-]*\.?(?:lvh\.me|localtest\.me)|[\w-]+\.localhost`
	loopbackAddresses = `127(?:\.\d+){0,3}|0\.0\.0\.0|0x7f[0-9a-f.x]*|0+|\[(?:0*:)*:?0*1?\]|\[::\]`
)
