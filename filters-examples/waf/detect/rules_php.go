package detect

import "strings"

// PHP injection: code openers, wrappers, configuration directives,
// dangerous functions called in any spelling PHP accepts (comments and
// whitespace before the parenthesis, quoted or variable function names),
// serialized objects, and uploads of executable file types.

// phpFunctions are functions that execute code or commands, touch files
// or leak the environment: the ones an injected call reaches for.
var phpFunctions = newLexicon(`system exec shell_exec passthru popen proc_open pcntl_exec eval assert create_function
	call_user_func call_user_func_array preg_replace preg_replace_callback include include_once
	require require_once base64_decode gzinflate gzuncompress gzdecode str_rot13 convert_uudecode
	hex2bin file_get_contents file_put_contents fopen fwrite fputs file readfile fpassthru
	highlight_file show_source unlink rename copy mkdir rmdir chmod chown chgrp symlink link touch
	tempnam tmpfile move_uploaded_file parse_ini_file glob scandir opendir readdir dir filegroup
	fileowner fileperms fileinode filesize filetype is_writable is_readable stat lstat
	disk_free_space phpinfo phpversion getenv putenv ini_set ini_get ini_restore get_cfg_var
	get_current_user getmypid getmyuid posix_* apache_* dl mail header setcookie fsockopen
	pfsockopen stream_socket_client curl_exec curl_init socket_create extract parse_str unserialize
	serialize var_dump print_r var_export debug_zval_dump array_map array_filter array_walk usort
	uasort uksort register_shutdown_function register_tick_function set_error_handler
	set_exception_handler ob_start chr ord substr pack unpack checkdate range assert_options strrev
	str_replace implode join sprintf printf vsprintf escapeshellarg escapeshellcmd get_defined_vars
	get_defined_functions get_defined_constants func_get_args constant define tidy_parse_string
	tidy_repair_string mb_ereg_replace mb_eregi_replace iptcembed ftp_connect ftp_get ftp_put
	imap_open mysql_query mysqli_query pg_query sqlite_query simplexml_load_string
	simplexml_load_file xml_parse libxml_disable_entity_loader bzopen gzopen zip_open readlink
	realpath basename dirname pathinfo fread fgets fgetc fgetss fscanf file_exists is_file is_dir
	ftok shmop_open proc_nice proc_terminate proc_get_status proc_close pclose openlog syslog
	error_log yaml_parse eio_* runkit_* uopz_*`,
	// Extension families: every function of these prefixes.
	`array_* ldap_* odbc_* sodium_* mysql_* mysqli_* pg_* sqlite_* curl_* ftp_* imap_* xml_* xmlrpc_*
	json_* str_* mb_* preg_* posix_* pcntl_* stream_* socket_* ob_* openssl_* gz_* bz_* zip_* hash_*
	mcrypt_* iconv_* exif_* finfo_* apache_* proc_* php_* var_* func_* call_* get_* ini_* assert_*
	session_* filter_* spl_* class_* method_* property_* function_* settype_* gettype_* is_*`)

// phpDistinctFunctions are dangerous functions whose names alone, with
// no call, are no ordinary text.
const phpDistinctFunctions = "base64_decode call_user_func create_function escapeshellarg escapeshellcmd file_get_contents file_put_contents fsockopen gzinflate gzuncompress gzdecode pcntl_exec phpinfo proc_open shell_exec str_rot13 convert_uudecode move_uploaded_file get_defined_vars posix_getpwuid posix_setuid posix_kill ini_get_all stream_socket_client register_shutdown_function set_error_handler highlight_file show_source php_uname getmypid getmyuid"

var phpRules = ruleTable{class: PHP, rules: []ruleSpec{
	{id: "php-open-tag", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("<? php] php} <%"),
		pattern:  `<\?(?:php\b|=|\s|[a-wyz_$]|x[a-ln-z]|$)|[\[{]/?php[\]}]|<script[^>]*\blanguage\s*=\s*['"]?php|<%(?:=|\s)`,
		sample:   `<?php system('id'); ?>`, lookAlike: `<?xml version="1.0"?>`},
	{id: "php-upload-filename", pl: 1, score: critical, where: TFilename, view: viewLow,
		pattern: `\.\s*(?:php\d*|pht|phtml|phar|phps|pgif|inc|hphp|ctp|module|htaccess|htpasswd|user\.ini|shtml|cgi|pl|sh|asp|aspx|jsp|jspx)[\s.]*$|\.\s*(?:php\d*|phtml|phar|pht)\s*\.|(?:^|[/\\])sess_[\w-]+$`,
		sample:  `shell.php`, lookAlike: `photo.png`},
	{id: "php-config-directive", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("extension_dir opcache. mbstring. session. zend. xdebug. pcre. phar. apc. assert. mysqli. pdo_mysql. allow_url_include allow_url_fopen auto_prepend_file auto_append_file disable_functions open_basedir safe_mode register_globals display_errors file_uploads enable_dl suhosin. magic_quotes"),
		pattern:  `\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|safe_mode|register_globals|display_errors|file_uploads|enable_dl|magic_quotes_gpc|suhosin\.\w+|extension_dir|(?:opcache|mbstring|session|zend|xdebug|pcre|phar|apc|assert|mysqli|pdo_mysql)\.\w+)\s*=`,
		sample:   `allow_url_include=1`, lookAlike: `session.timeout is 30`},
	{id: "php-superglobal", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("$_ $globals http_raw_post_data $http_"),
		pattern:  `\$_(?:get|post|cookie|request|server|env|files|session)\b|\$globals\b|\$http_\w+_vars\b|\bhttp_raw_post_data\b`,
		sample:   `$_GET['cmd']`, lookAlike: `$_getter`},
	{id: "php-wrapper", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("php: phar: zlib: bzip2: expect: glob: data: ogg: rar: zip: ssh2."),
		pattern:  `\b(?:php|phar|compress\.zlib|compress\.bzip2|zlib|bzip2|zip|glob|expect|ogg|rar|ssh2\.\w+)://|\bdata://|\bphp://(?:input|filter|memory|temp|fd|stdin|stdout|stderr)`,
		sample:   `php://filter/convert.base64-encode/resource=index.php`, lookAlike: `php: the manual`},
	{id: "php-distinct-function", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words(phpDistinctFunctions),
		sample:   `base64_decode`, lookAlike: `base64 decode`},
	{id: "php-function-call", pl: 1, score: critical, where: tAll, view: viewDec,
		keywords: words("("),
		check:    phpCall,
		sample:   `system('id')`, lookAlike: `solar system (planets)`},
	{id: "php-quoted-function-call", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words(`' "`),
		needs:    cCallPunct, // a parenthesis or a concatenation dot
		pattern:  `\(\s*\[?\s*['"][\w'". ]+['"]\s*\]?\s*\)\s*(?:\[\s*\d+\s*\]\s*)?\(|['"]\s*\.\s*['"]\s*\w*['"]?\s*\)\s*[;(]|['"]\w+['"]\s*\.\s*['"]\w+['"]`,
		sample:   `("sys"."tem")("id")`, lookAlike: `("quoted") text`},
	{id: "php-variable-function-call", pl: 1, score: critical, where: tAll, view: viewDec,
		keywords: dollarNames(),
		pattern:  `(?i)\$\s*\{[^}]*\}\s*\(|\$\s*\{\s*['"$@]|\$+[\w{}]+(?:\s+|\[[^\]]*\]|\{[^}]*\}|/\*.*?\*/|#[^\n]*\n|//[^\n]*\n)*\(|\$\w+\s*=\s*['"]\w*['"]\s*\.\s*['"]`,
		sample:   `$f('id')`, lookAlike: `costs $x, (plus tax)`},
	{id: "php-serialized-object", pl: 1, score: critical, where: tAll, view: viewDec,
		keywords: words(":{"),
		pattern:  `\b[OoCc]:\+?\d+:"[\w\\]+":\d+:\{|\ba:\d+:\{[sidbaO]:`,
		sample:   `O:8:"stdClass":0:{}`, lookAlike: `a:1:{b}`},
	{id: "php-backtick-exec", pl: 1, score: major, where: tAll, view: viewLow,
		keywords: words("`"),
		pattern:  "`[^`]*\\b(?:ls|id|cat|whoami|uname|pwd|dir)\\b[^`]*`",
		sample:   "`ls -la`", lookAlike: "`lsof`"},
	{id: "php-callable-expression", pl: 1, score: critical, where: tAll, view: viewSQL,
		keywords: []string{")(", ") (", "](", "] (", "}(", "} (", "'(", "\"(", "' (", "\" ("},
		pattern:  `\(\s*\[?\s*['"]?[a-z_]\w*['"]?\s*\]?\s*(?:\[\s*\d+\s*\]\s*)?\)\s*(?:\{[^}]*\}\s*)?\(|\[\s*['"]?[a-z_]\w*['"]?\s*\]\s*\[\s*\d+\s*\]\s*\(|['"][a-z_]\w*['"]\s*\(`,
		sample:   `(system)('id')`, lookAlike: `(see above) (page 2)`},
}}

// phpCall finds a call of a PHP function, with comments allowed before
// its parenthesis; a value without "/*", "//" or '#' holds no comment,
// and its gaps are only blanks.
func phpCall(f *forms) bool {
	kind := gapSpace
	if f.comment || f.cls&cHash != 0 || f.cls&cSlash != 0 && hasDouble(f.dec, '/') {
		kind = gapCode
	}
	return hasCallGap(f.dec, phpFunctions, kind, phpGapOK)
}

// phpGapOK says which names are no English words (those with an
// underscore, and a few more): only they count as calls with blanks or
// comments before the parenthesis, or a lone word in it.
func phpGapOK(name string) bool {
	return strings.IndexByte(name, '_') >= 0 || phpOddNames.has(name)
}

var phpOddNames = newLexicon(`passthru popen fopen fwrite fputs fgets fread readfile symlink chmod chown chgrp
	unlink rmdir mkdir tempnam tmpfile phpinfo phpversion getenv putenv fsockopen pfsockopen unserialize
	strrev chr ord checkdate filegroup fileowner fileperms fileinode filesize filetype lstat substr`)
