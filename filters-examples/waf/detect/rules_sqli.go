package detect

import (
	"regexp"
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
)

// SQL injection. libinjection tokenises the value as SQL in every quoting
// context and recognises injection fingerprints; the patterns below add
// what it leaves to context: schema probing, time and error oracles,
// tautologies and stacked statements, read with comments removed.
var sqliRules = ruleTable{class: SQLi, rules: []ruleSpec{
	{id: "sqli-libinjection", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: append(words("= < > # || && @@ != /* -- ' \" `"), lexiconWords(sqlGateList)...),
		gate:     sqlShaped,
		check:    func(f *forms) bool { ok, _ := libinjection.IsSQLi(f.dec); return ok },
		sample:   `1' OR '1'='1`, lookAlike: `2 < 3`},
	{id: "sqli-union-select", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("union"),
		pattern:  `\bunion\b[\s(]*(?:all\b|distinct\b)?[\s(]*select\b`,
		sample:   `-1 UNION ALL SELECT null,version()`, lookAlike: `the union will select a new leader`},
	{id: "sqli-quote-then-keyword", pl: 1, score: critical, where: tNoPath, view: viewSQL,
		gate:     sqlShaped,
		keywords: words(`' " ` + "`"),
		pattern:  `['"\x60]\s*\)*\s*(?:\b(?:xor|div|union|procedure|into\s+(?:out|dump)file|waitfor|exec(?:ute)?\s+\w|rlike|regexp|sounds\s+like|collate|glob|alter|drop|truncate|shutdown|declare)\b|\|\||&&|(?:;|--|#|/\*)(?:[\s#;-]|$))|['"\x60]\s*\d+\s+(?:or|and|xor)\s+\d|['"][\w.-]*['"]\s*(?:=|!=|<>|<=>|<|>)\s*['"]|['"\x60]\s*(?:[-+*/%^|&<>=!]+|\b(?:mod|div|like|regexp)\b)\s*[\w.]+\s*(?:--|#|/\*)`,
		sample:   `x' waitfor delay '0:0:5'`, lookAlike: `don't drop the ball`},
	{id: "sqli-boolean-compare", pl: 1, score: critical, where: tAll, view: viewSQL,
		gate:     sqlShaped,
		keywords: append(afterBoundary("or and xor"), "||", "&&"),
		pattern:  `(?:^|[\s'"\x60()\d=])(?:or|and|xor|\|\||&&)\s*[\s(]*(?:[\w.@$'"\x60-]+|\(.*\))\s*(?:!=|<>|<=>|==?|[<>]=?|\bis\s+(?:not\s+)?null\b)`,
		sample:   `1 or 2>1`, lookAlike: `black or white`},
	{id: "sqli-stacked-statement", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: followedBy(";", "select insert update delete drop create alter exec execute declare shutdown truncate grant revoke rename handler waitfor call set copy"),
		pattern:  `;\s*(?:select|insert|update|delete|drop|create|alter|exec|execute|declare|shutdown|truncate|grant|revoke|rename|handler|waitfor|call|set\s+@|copy)\b`,
		sample:   `1; DROP TABLE users`, lookAlike: `herbs; selection of the week`},
	{id: "sqli-time-oracle", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("sleep benchmark waitfor randomblob generate_series dbms_lock"),
		pattern:  `\b(?:sleep|pg_sleep)\s*\(\s*\d+(?:\.\d+)?\s*\)|\b(?:benchmark|randomblob|generate_series|dbms_lock\.sleep)\s*\(|\bwaitfor\s+(?:delay|time)\b`,
		sample:   `1 AND SLEEP(5)`, lookAlike: `sleep (8 hours)`},
	{id: "sqli-dangerous-function", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: append(words("extractvalue updatexml load_file outfile dumpfile xp_ sp_ utl_ dbms_ sys_eval sys_exec name_const pg_read lo_import exp(~ geometrycollection multipoint polygon linestring json_keys gtid_subset openrowset opendatasource"), "into @"),
		pattern:  `\b(?:extractvalue|updatexml|load_file|name_const|pg_read_(?:binary_)?file|pg_ls_dir|lo_import|lo_get|sys_eval|sys_exec|gtid_subset|json_keys|geometrycollection|multipoint|multilinestring|multipolygon|polygon|linestring|openrowset|opendatasource|utl_(?:http|inaddr|file)\.\w+|dbms_\w+\.\w+)\s*\(|\binto\s+(?:out|dump)file\b|\b(?:xp_cmdshell|xp_regread|xp_dirtree|xp_fileexist|sp_executesql|sp_oacreate|sp_makewebtask|sp_addsrvrolemember|sp_password)\b|\bexp\s*\(\s*~|\binto\s+@\w+`,
		sample:   `1 AND extractvalue(1,concat(0x7e,version()))`, lookAlike: `see the load_file docs`},
	{id: "sqli-schema-probe", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("schema_name utl_http utl_inaddr msdasql sqloledb openquery information_schema sysobjects syscolumns systables sysusers msysobjects msysaccessobjects mysql.user mysql.db pg_catalog pg_shadow pg_user pg_database sqlite_master sqlite_schema sqlite_temp_master all_tables user_tables user_tab_columns dba_users sys.tables sys.objects sys.columns sys.databases master..sys msdb tempdb rdb$ performance_schema @@version @@datadir @@hostname @@basedir @@servername"),
		sample:   `1 union select table_name from information_schema.tables`, lookAlike: `information schema`,
	},
	{id: "sqli-select-expression", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("select"),
		pattern:  `\bselect\b\s*(?:\*|@@?\w+|top\s+\d|distinct\b|count\s*\(|concat|group_concat|char\s*\(|null\b|version\s*\(|user\s*\(|database\s*\(|schema\s*\(|current_user|sys\.|\(|0x[0-9a-f]+|[\w.]+\s*,\s*[\w.]+|[\w.\x60"\[\]]+\s+from\s+[\w.\x60"\[\]]|\d+\s*(?:,|$|from\b|--|#|\)))`,
		sample:   `select * from users`, lookAlike: `select your size`},
	{id: "sqli-data-statement", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: []string{"insert into", "insert ignore", "delete from", "drop ", "alter ", "create ", "truncate table", "replace into", "merge into", " set "},
		pattern:  `\binsert\s+(?:ignore\s+)?into\s+[\w.\x60"\[\]]+\s*(?:\(|values\b|select\b|set\b)|\bdelete\s+from\s+[\w.\x60"\[\]]+|\bdrop\s+(?:table|database|schema|view|function|procedure|user|index|trigger)\b|\bupdate\s+[\w.\x60"\[\]]+\s+set\s+[\w.\x60"]+\s*=|\b(?:alter|create)\s+(?:or\s+replace\s+)?(?:table|database|schema|user|login|function|procedure|trigger|view|index)\s+[\w.\x60"]|\btruncate\s+table\b|\breplace\s+into\b|\bmerge\s+into\b`,
		sample:   `insert into users values (1,'x')`, lookAlike: `drop me a line`},
	{id: "sqli-column-enumeration", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: []string{"order by", "group by", "having", "procedure analyse"},
		pattern:  `\b(?:order|group)\s+by\s+\d+\s*(?:--|#|/\*|;|$|,|\))|\border\s+by\s+(?:if|case|sleep|\()|\bhaving\s+\S+\s*(?:[=<>]|like)|\bprocedure\s+analyse\b`,
		sample:   `1 order by 3--`, lookAlike: `sort in order by date`},
	{id: "sqli-system-value", pl: 1, score: major, where: tAll, view: viewSQL,
		keywords: append(calls("version user database schema current_user session_user system_user db_name host_name suser_sname current_database current_schema"), "@@", "current_user"),
		pattern:  `\b(?:version|user|database|schema|current_user|session_user|system_user|db_name|host_name|suser_sname|current_database|current_schema)\s*\(\s*\)|@@[a-z_]{3,}|\bcurrent_user\b`,
		sample:   `@@version`, lookAlike: `version (2)`},
	{id: "sqli-conditional-oracle", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("case if( iif( elt( decode( nullif ifnull coalesce"),
		pattern:  `\bcase\s+when\b.{0,80}\bthen\b|\b(?:if|iif|elt|nullif|ifnull|coalesce)\s*\(.{0,80}(?:select|sleep|benchmark|\d\s*[=<>]|[=<>]\s*\d|substr|ascii|length)`,
		sample:   `case when 1=1 then 1 else 0 end`, lookAlike: `in case of rain, then stay`},
	{id: "sqli-string-function-probe", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("ascii ord( substr mid( left( right( length( char( chr( concat hex( unhex conv( cast( convert( bin( instr locate position"),
		pattern:  `\b(?:ascii|ord|substr|substring|mid|left|right|length|len|char_length|hex|unhex|conv|bin|instr|locate|position|reverse)\s*\(.{0,100}\)\s*(?:[=<>!]|\blike\b|\bbetween\b)|\b(?:char|chr|nchar)\s*\(\s*\d+\s*(?:,\s*\d+\s*)*\)|\bconcat(?:_ws)?\s*\(.{0,100}(?:0x[0-9a-f]+|select|@@|char\s*\(|chr\s*\()|\bcast\s*\(.{0,60}\bas\s+\w+|\bconvert\s*\(\s*\w+\s*,`,
		sample:   `ascii(substr(user(),1,1))>64`, lookAlike: `left(me) alone`},
	{id: "sqli-comment-obfuscation", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("/*"),
		pattern:  `\w/\*.*?\*/\w|/\*!\d*|['"\x60)]\s*/\*`,
		sample:   `1/**/union/**/select`, lookAlike: `see /* note */ here`},
	{id: "sqli-hex-literal", pl: 2, score: warning, where: tArgs, view: viewSQL,
		keywords: words("0x"),
		pattern:  `(?:^|[\s(,=])0x[0-9a-f]{6,}\b`,
		sample:   `0x61646d696e`, lookAlike: `0x41`},
	{id: "sqli-json-operator", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("json jsonb ::text ::int ->> #> @> <@"),
		pattern:  `'\s*::\s*jsonb?\b|\bjson(?:b)?_\w+\s*\(|::\s*(?:jsonb?|text|int|integer|regclass|varchar)\b.{0,40}[=<>@?-]|(?:->>|#>>?|@>|<@)\s*'`,
		sample:   `1 and data->>'role'='admin'`, lookAlike: `json file`},
	{id: "sqli-function-call", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("("),
		check: func(f *forms) bool {
			return hasCall(f.sqlText(), sqlFunctions, gapSpace) || hasCallGap(f.sqlText(), sqlWordFunctions, gapNone, never)
		},
		sample: `concat(user,pass)`, lookAlike: `sleep (well)`},
	{id: "sqli-alias-from", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: []string{" as ", ")as ", "'as ", "\"as "},
		gate:     hasFrom,
		pattern:  `(?:^|[)'"\x60\d!])\s*as\b\s*['"\x60]?[\w ]+['"\x60]?\s+from\b`,
		sample:   `1 as x from users`, lookAlike: `such as apples from spain`},
	{id: "sqli-numeric-tautology", pl: 1, score: critical, where: tArgs, view: viewSQL,
		gate:     sqlShaped,
		keywords: words("= <>"),
		check:    numericTautology,
		sample:   `1 or 1=1`, lookAlike: `x 2=3`},
	{id: "sqli-procedural", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: append([]string{"declare @", "set @", "exec immediate", "execute immediate", "values", " then"}, followedBy("exec", " master. sp_ xp_ ( @ (")...),
		pattern:  `\b(?:declare|set)\s+@\w|\bexec(?:ute)?\s+(?:immediate\b|master\.|sp_|xp_|\(|@)|\bvalues\s*\(\s*['"\d@(]|\bwhen\s+[\w'"().=<>-]+\s+then\b`,
		sample:   `declare @x int`, lookAlike: `values (honesty, courage)`},
	{id: "sqli-postgres-cast", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("::"),
		pattern:  `[\w)'"\]]::(?:int\d?|integer|text|varchar|bigint|numeric|regclass|oid|bytea|jsonb?|bool(?:ean)?|char|date|float\d?)\b`,
		sample:   `1::int`, lookAlike: `std::vector`},
	{id: "sqli-nosql-operator", pl: 1, score: critical, where: TArgName | TArgValue | TBody, view: viewLow,
		keywords: followedBy("$", "ne eq gt gte lt lte in nin regex where exists not or and nor expr text elemmatch size all type mod function accumulator lookup"),
		pattern:  `(?:^|\[)\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|or|and|nor|expr|text|elemmatch|size|all|type|mod|function|accumulator|lookup)\]?$|\{\s*['"]?\$(?:ne|gt|gte|lt|lte|in|nin|regex|where|exists|expr|function)['"]?\s*:`,
		sample:   `[$ne]`, lookAlike: `$new`},
	{id: "sqli-json-literal-operator", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: words("'{ '["),
		pattern:  `'\s*[\[{].*[\]}]\s*'\s*(?:->>?|#>>?|@>|<@|\?[|&]?|[<>=]|::)`,
		sample:   `'{"role":"admin"}'::jsonb`, lookAlike: `'{"a":1}' is json`},
	{id: "sqli-clause-chain", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: []string{" where ", "group by", "order by", "limit ", " join ", " union"},
		gate:     hasFrom,
		pattern:  `\bfrom\s+[\w.\x60"\[\]]+\s+(?:where\s+\w+\s*[=<>!]|group\s+by|order\s+by\s+\w+\s*(?:asc|desc|,|--|#|;|$)|limit\s+\d|(?:inner\s+|left\s+|right\s+|cross\s+)?join\s+\w+\s+on\b|union\b)`,
		sample:   `1 from users where id=1`, lookAlike: `from paris where we met`},
	// Weak signals: SQL fragments that honest text rarely holds but
	// that are not injections on their own. They block only in company
	// (another weak match, or an undeclared body).
	{id: "sqli-operator-fragment", pl: 1, score: warning, where: tArgs, view: viewSQL,
		keywords: []string{"||", "&&", "<<", ">>", "<>", "<=", ">=", "!=", "->", "is null", "is not", "like null", "like '", "like \"", "notnull", "in (", "in(", "regexp", "rlike", "glob"},
		pattern:  `^\W{0,3}(?:\|\||&&|<<|>>|<>|<=|>=|!=|->>?|<=>|\bis\s+(?:not\s+)?null\b|\blike\s+(?:null|'|")|\bnotnull\b|\bin\s*\(\s*[-\d\s,]+\)|\b(?:r?like|regexp|glob)\s*$)`,
		sample:   `|| 1`, lookAlike: `a || b`},
	{id: "sqli-function-fragment", pl: 1, score: warning, where: tArgs, view: viewSQL,
		keywords: words("("),
		check: func(f *forms) bool {
			return endsWithCallFragment(f.sqlText(), sqlFunctions) || endsWithCallFragment(f.sqlText(), sqlWordFunctions)
		},
		sample: `1 and ascii(`, lookAlike: `ascii(65)`},
	{id: "sqli-keyword-fragment", pl: 1, score: warning, where: tArgs, view: viewSQL,
		keywords: []string{"order by", "group by", "select ", "having "},
		pattern:  `^\W*(?:order|group)\s+by\W*$|^\W*(?:select|having)\s+\w+\W*$`,
		sample:   `order by`, lookAlike: `order by date`},
	{id: "sqli-type-fragment", pl: 1, score: warning, where: tArgs, view: viewSQL,
		keywords: []string{"execute ", "varchar", "northwind"},
		pattern:  `\bexecute\s+\w+$|\bn?varchar\b|\bnorthwind\b`,
		sample:   `nvarchar`, lookAlike: `execute the plan`},
	{id: "sqli-dangling-boolean", pl: 1, score: warning, where: tArgs, view: viewSQL,
		keywords: afterBoundary("or and xor"),
		check:    danglingBoolean,
		sample:   `1 or`, lookAlike: `black or white`},
	{id: "sqli-quote-fragment", pl: 1, score: warning, where: tArgs, view: viewSQL,
		gate:     sqlShaped,
		keywords: words(`' " ` + "`"),
		pattern:  `^\s*['"\x60]+\s*(?:[*?#,]|\d+\s*[,/*]|\x60)|['"\x60]\s*,\s*['"\x60]?\s*\d*\s*['"\x60]?\s*,`,
		sample:   `' 1,2`, lookAlike: `'quoted', he said`},
	{id: "sqli-quote-boolean", pl: 1, score: critical, where: tAll, view: viewSQL,
		gate:     sqlShaped,
		keywords: append(afterQuote("or and xor is not like glob div"), afterBoundary("or and xor")...),
		pattern:  `[\w\\]['"\x60](?:or|and|xor|is|not|like|glob|div)\b[^'"\x60]*(?:--|#|;|\(|['"\x60]|\d)|['"\x60]\s+(?:or|and|xor|is|not|like|glob|rlike|regexp)\b[^'"\x60]*(?:--|#|;)|['"\x60]\s*(?:or|and|xor)\s+(?:true|false|null|not\b|\d)|['"\x60]\s*(?:or|and|xor)\s*\(|['"\x60]\s*(?:or|and|xor)\s+[\w.]+\s*(?:[-+*/%(]|\d)|[\d)]\s*(?:or|and|xor)\s+(?:true|false|not|null)\b`,
		sample:   `x' or 1=1`, lookAlike: `'rock' or 'roll'`},
}}

// sqlFunctions are function names that only SQL spells: a call counts
// with blanks before the parenthesis.
var sqlFunctions = newLexicon(`coalesce ifnull isnull nvl nvl2 nullif concat concat_ws group_concat string_agg listagg xmltype
	xmlagg extractvalue updatexml uncompress make_set export_set elt find_in_set substring_index
	sysdate systimestamp getdate utc_timestamp current_timestamp unix_timestamp from_unixtime
	schema_name db_name object_id object_name col_name type_name current_user session_user
	system_user suser_sname user_name has_dbaccess is_srvrolemember is_member last_insert_id
	row_count found_rows connection_id benchmark pg_sleep md5 sha1 sha2 crc32 aes_encrypt
	aes_decrypt des_encrypt unhex ascii nchar chr ord lpad rpad ltrim rtrim substr substring instr
	strcmp soundex char_length octet_length bit_length acos asin atan atan2 cot log2 log10 sqrt
	lo_get lo_import lo_export pg_read_file pg_ls_dir dblink json_extract json_object json_array
	json_value json_query json_keys jsonb_* array_agg unnest generate_series regexp_replace
	regexp_substr regexp_like dbms_* utl_* sys_context to_char to_number to_date iif`)

// sqlWordFunctions are SQL functions named like English words; they
// count only written as a call, with no space before the parenthesis.
var sqlWordFunctions = newLexicon(`user version date year month day hour minute time left right length len position replace reverse
	repeat space format round abs max min avg sum count if case values schema current_date now lower
	upper pi local log compress field database sleep encode decode hex bin oct conv char mid locate
	rand random floor ceil ceiling cos sin tan exp ln pow power sign truncate radians degrees div
	mod cast convert choose`)

// sqlGateWords are the SQL words an injection without quotes, comments
// or operators still needs. Words prose is full of (or, and, is, in,
// from) are left to the quote and operator tests: without either they
// cannot break out of a query.
var sqlGateWords = newLexicon(sqlGateList)

const sqlGateList = `union select insert update delete drop alter create exec execute
	declare having waitfor sleep benchmark procedure xor`

// sqlShaped is the gate of the SQL rules: a value can only inject SQL if
// it holds a quote in an SQL-like context, a comment marker, an
// operator, or an SQL word. Prose mostly has none, and skipping it
// matters: these rules are the costliest.
func sqlShaped(f *forms) bool {
	if f.sqlShape == 0 {
		f.sqlShape = 1
		// The sql view holds no byte that dec lacks but blanks and
		// lower-case letters, so dec's classes rule the searches out.
		if f.cls&cSQLPunct != 0 && sqlPunctuation(f.sqlText()) ||
			f.cls&cQuote != 0 && quoteShaped(f.sqlText()) ||
			f.sqlWords != sqlWordsAbsent && hasWord(f.sqlText(), sqlGateWords) {
			f.sqlShape = 2
		}
	}
	return f.sqlShape == 2
}

// sqlPunctuation: comparison operators, comment markers and the
// doubled operators (||, &&, @@, !=) SQL uses.
func sqlPunctuation(s string) bool {
	for i := 0; i < len(s); i++ {
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		switch c := s[i]; c {
		case '=', '<', '>', '#':
			return true
		case '|', '&', '@', '-':
			if next == c {
				return true
			}
		case '!':
			if next == '=' {
				return true
			}
		case '/':
			if next == '*' {
				return true
			}
		}
	}
	return false
}

// quoteShaped: a quote that an injection would close. It is followed,
// past blanks and parentheses, by an operator, a digit, a comment or a
// keyword of SQL's; the apostrophes of prose (it's, O'Brien) are
// followed by letters that make no SQL word.
func quoteShaped(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\'' && c != '"' && c != '`' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == ')' || s[j] == '(') {
			j++
		}
		if j == len(s) {
			return true // a dangling quote ends the value
		}
		if !isIdentByte(s[j]) || ('0' <= s[j] && s[j] <= '9') {
			return true
		}
		k := j
		for k < len(s) && isIdentByte(s[k]) {
			k++
		}
		if quoteFollowers.has(s[j:k]) {
			return true
		}
	}
	return false
}

// quoteFollowers are the words that follow the quote an injection
// closes.
var quoteFollowers = newLexicon(`or and xor not is like rlike regexp glob div mod union select having
	where limit order group procedure into waitfor exec execute alter drop create insert update
	delete declare between in sounds collate as from`)

// numericTautology finds a comparison of two numbers that is always true
// (1=1, 2<>3) and ends the value or the query: the classic probe. A
// false one (1 + 1 = 3) is arithmetic, not a probe.
func numericTautology(f *forms) bool {
	for _, m := range numericComparison.FindAllStringSubmatch(f.sqlText(), -1) {
		if (m[2] == "=" || m[2] == "<=>") == (m[1] == m[3]) {
			return true
		}
	}
	return false
}

var numericComparison = regexp.MustCompile(`(?:^|[\s,(])(\d+)\s*(!=|<>|<=>|=)\s*(\d+)\s*(?:$|--|#|;|\))`)

// never: no name of the list is distinct enough to skip the prose test.
func never(string) bool { return false }

// danglingBoolean: a value that ends in OR/AND/XOR, or starts with one
// followed by punctuation, is the half of a condition a probe leaves for
// the query to complete.
func danglingBoolean(f *forms) bool {
	s := strings.TrimRight(f.sqlText(), " ")
	for _, w := range [...]string{"or", "and", "xor"} {
		if strings.HasSuffix(s, w) && (len(s) == len(w) || !isIdentByte(s[len(s)-len(w)-1])) {
			return true
		}
		if rest, ok := strings.CutPrefix(strings.TrimLeft(s, " "), w+" "); ok && rest != "" && !isIdentByte(rest[0]) {
			return true
		}
	}
	return false
}

// sqlBoundaries are what stands before an SQL operator word in an
// injection: a blank (or the start of the value, which the keyword scan
// reads as a blank), a quote, a parenthesis, '=' or a digit.
const sqlBoundaries = " '\"`()=0123456789"

// afterBoundary builds keywords for the words of list as whole words
// after an SQL boundary, so that "sort" and "for" do not count as OR.
func afterBoundary(list string) []string {
	var out []string
	for _, w := range strings.Fields(list) {
		for i := 0; i < len(sqlBoundaries); i++ {
			out = append(out, sqlBoundaries[i:i+1]+w)
		}
	}
	return out
}

// afterQuote builds keywords for the words of list right after a quote,
// with or without a blank.
func afterQuote(list string) []string {
	var out []string
	for _, q := range []string{"'", "\"", "`"} {
		out = append(out, followedBy(q, list)...)
	}
	return out
}
