package detect

// Known attack tools announce themselves in User-Agent. Ordinary HTTP
// clients (curl, python-requests, Go's net/http, okhttp) do not count:
// they are how honest scripts talk to APIs.
var scannerRules = ruleTable{class: Scanner, rules: []ruleSpec{
	{id: "scanner-user-agent", pl: 1, score: critical, where: TUserAgent, view: viewLow,
		keywords: words("nikto sqlmap nmap masscan zgrab acunetix nessus openvas w3af dirbuster gobuster dirb/ wfuzz ffuf feroxbuster wpscan joomscan nuclei havij arachni whatweb fimap jaeles zmeu morfeus netsparker appscan webinspect commix xsstrike paros skipfish grabber brutus hydra medusa sqlninja bsqlbf pangolin webshag nsauditor owasp-zap zaproxy burpcollaborator qualys detectify"),
		sample:   `sqlmap/1.7.2#stable (https://sqlmap.org)`, lookAlike: `curl/8.5.0`,
	},
}}
