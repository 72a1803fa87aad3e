package detect

// Session fixation: a session identifier handed to the victim in the
// URL or a form (the attacker picked it), or a cookie planted through
// injected script or headers.
var sessionRules = ruleTable{class: Session, rules: []ruleSpec{
	{id: "session-id-in-argument", pl: 1, score: critical, where: TArgName, view: viewLow,
		keywords: words("sess sid cakephp login_token shiny-token cfid cftoken"),
		pattern:  `(?:^|[._:-]|^(?:php|j|asp|cf|jw|jserv|weblogic|zend|koa|express))(?:sess|session)(?:_?id|-token|_token)?$|(?:^|[._:-])sid$|^[a-z]{0,4}sid$|^cakephp$|^cfid$|^cftoken$|login_token$|^shiny-token$`,
		sample:   `PHPSESSID`, lookAlike: `session_length`},
	{id: "session-cookie-planting", pl: 1, score: critical, where: tArgs | THeader | TReferer, view: viewLow,
		keywords: words("cookie expires="),
		pattern:  `\.cookie\s*[=;]|;\s*expires\s*=|\bset-cookie\s*:|http-equiv\s*=\s*['"]?set-cookie`,
		sample:   `document.cookie="sid=1"`, lookAlike: `cookie recipes`},
}}
