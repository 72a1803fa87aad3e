package detect

// Remote file inclusion and server-side request forgery through URL
// parameters: URLs to raw IP addresses, URLs ending in '?' (to cut off an
// appended suffix), and schemes a web form has no reason to carry.
var rfiRules = ruleTable{class: RFI, rules: []ruleSpec{
	{id: "rfi-ip-url", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("://"),
		pattern:  `^\w+://(?:[^/@?#]*@)?(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-f]{0,4}:[0-9a-f:.]+\]?)(?:[:/?#]|$)`,
		sample:   `http://10.0.0.1/shell.txt`, lookAlike: `http://example.com/a`},
	{id: "rfi-trailing-question-mark", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("http ftp file"),
		pattern:  `^(?:https?|ftps?|file)(?::.*)?\?+$`,
		sample:   `http://evil.example/shell.txt?`, lookAlike: `http://example.com/?q=1`},
	{id: "rfi-remote-script", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("://"),
		pattern:  `^(?:https?|ftps?)://[^?#\s]+\.(?:php\d?|phtml|txt|inc|asp|aspx|jsp|pl|cgi|sh|py|exe|gif|png|jpg)\?*$`,
		sample:   `http://evil.example/shell.php`, lookAlike: `http://example.com/shell.php?id=1`},
	{id: "rfi-unusual-scheme", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("file: ftp: ftps: gopher: ldap: ldaps: dict: tftp: jar: netdoc: expect: ssh2: rar: ogg: phar: zip: glob: smb: sftp: url: local_file: mailto: telnet:"),
		pattern:  `(?:^|[^\w])(?:file|ftps?|gopher|ldaps?|dict|tftp|jar|netdoc|expect|ssh2(?:\.\w+)?|rar|ogg|phar|zip|glob|smb|sftp|local_file|telnet)\s*:(?://|[\w/\\.%])|^url\s*:\s*\w+:`,
		sample:   `gopher://127.0.0.1:6379/_`, lookAlike: `file: report.pdf`},
	{id: "rfi-userinfo-trick", pl: 1, score: critical, where: tArgs, view: viewLow,
		keywords: words("://"),
		pattern:  `^[a-z][\w+.-]*://[^@\s]*/[^@\s]*@[\w.-]+`,
		sample:   `http://example.com/@evil.example`, lookAlike: `https://user@example.com/`},
}}
