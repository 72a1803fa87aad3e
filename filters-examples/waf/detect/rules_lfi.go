package detect

import (
	"regexp"
	"strings"
)

// Path traversal and local file inclusion: dot-dot sequences in any
// spelling, and the files and directories an attacker reads first.
var lfiRules = ruleTable{class: LFI, rules: []ruleSpec{
	{id: "lfi-traversal", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words(".. 0x2e %2e %c0%ae"),
		check:    traversal,
		sample:   `../../etc/passwd`, lookAlike: `../images/logo.png`},
	{id: "lfi-encoded-separator", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("0x2e 0x2f 0x5c"),
		pattern:  `(?:0x2e|\.){1,2}(?:%00)?(?:0x2f|0x5c)|(?:0x2f|0x5c)(?:0x2e|\.){1,2}`,
		sample:   `..0x2fetc`, lookAlike: `0x2e is a dot`},
	{id: "lfi-system-file", pl: 1, score: critical, where: tNoPath, view: viewLow,
		keywords: words("sys/ dev/ boot/ root/ etc/ passwd shadow win.ini boot.ini system.ini system32 proc/ .ssh .aws .kube .docker .git .svn .env .htaccess .htpasswd web.config wp-config id_rsa id_dsa id_ecdsa id_ed25519 authorized_keys known_hosts bash_history .npmrc .pgpass .netrc .my.cnf credentials apache2 httpd.conf nginx.conf php.ini /var/log /root/ c:/ c:\\"),
		pattern:  `(?:^|[/\\\s'"=:])(?:etc[/\\](?:passwd|shadow|master\.passwd|group|hosts|issue|motd|crontab|sudoers|(?:apache2|httpd|nginx|mysql|php\d*)[/\\]|ssh[/\\]|security[/\\]|fstab|resolv\.conf)|(?:windows|winnt)[/\\](?:win\.ini|system\.ini|system32)|boot\.ini|win\.ini|proc[/\\](?:self|\d+|net|version|cmdline|environ|mounts|interrupts|cpuinfo)|sys[/\\](?:class|kernel|devices)|root[/\\]\.|var[/\\]log[/\\]|(?:etc|proc|sys|dev|boot|root)[/\\][a-z]|\.(?:ssh|aws|kube|docker|gnupg|git|svn|hg|config)[/\\]|\.(?:env|htaccess|htpasswd|bash_history|zsh_history|npmrc|pgpass|netrc|my\.cnf|git-credentials)\b|id_(?:rsa|dsa|ecdsa|ed25519)\b|authorized_keys\b|web\.config\b|wp-config\.php\b|(?:php|my)\.ini\b)`,
		sample:   `/etc/passwd`, lookAlike: `forgot my passwd`},
	{id: "lfi-restricted-path", pl: 1, score: critical, where: TPath, view: viewLow,
		keywords: words("/."),
		check:    dotSegment,
		sample:   `/.git/config`, lookAlike: `/.well-known/security.txt`},
	{id: "lfi-system-path", pl: 1, score: critical, where: TPath, view: viewLow,
		keywords: words("/proc/ /sys/ /etc/ .log .bak .old .swp .sql .conf .cfg .ini ~ .orig .save .db .dump backup"),
		pattern:  `/(?:proc|sys|etc)/|\.(?:log|bak|backup|old|orig|save|swp|sql|sqlite|db|dump|conf|cfg|ini)(?:\.(?:gz|zip|tar|tgz|bz2|7z|rar))?$|(?:backup|dump|database|db|www|site|htdocs|sql)[\w.-]*\.(?:tar|tgz|gz|zip|7z|rar)$|~$`,
		sample:   `/backup.sql`, lookAlike: `/blog/backup-tips`},
	{id: "lfi-backup-file-arg", pl: 1, score: critical, where: TArgValue | TFilename, view: viewLow,
		keywords: words(".sql .bak .dump .backup .old .swp"),
		pattern:  `^[\w./\\-]*\.(?:sql|bak|backup|dump|old|swp)(?:\.(?:gz|zip|tar|tgz|bz2|7z|rar))?$`,
		sample:   `dump.sql`, lookAlike: `dump.sql.txt`},
	{id: "lfi-null-byte", pl: 1, score: major, where: tNoPath, view: viewLow,
		keywords: words("%00 \\0"),
		pattern:  `\.\w{1,5}(?:%00|\\0)`,
		sample:   `config.php\0`, lookAlike: `path\0file`},
	{id: "lfi-filename-traversal", pl: 1, score: critical, where: TFilename, view: viewLow,
		keywords: words(".."),
		pattern:  `\.\.[/\\]`,
		sample:   `../shell.php`, lookAlike: `my..file.txt`},
}}

// dotSegment reports a path segment that starts with a dot (a hidden
// file or directory: .git, .env, tool configs), other than the public
// /.well-known/.
func dotSegment(f *forms) bool {
	s := f.lowered()
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '/' || s[i+1] != '.' {
			continue
		}
		rest := s[i+1:]
		if len(rest) >= 2 && (rest[1] == '/' || rest[1] == '.') {
			continue // "./" and "../" are traversal's business
		}
		if len(rest) == 1 || hasPrefixFold(rest, ".well-known/") {
			continue
		}
		return true
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// traversal finds dot-dot path steps in any spelling. One plain "../" is
// how relative links are written; two in a row, an encoded or dotted-out
// spelling, or a step at the end of the value climb out on purpose.
func traversal(f *forms) bool {
	for _, m := range traversalStep.FindAllString(f.lowered(), -1) {
		if len(m) > 4 || strings.Contains(m, "0x") || strings.Contains(m, "%") || strings.HasPrefix(strings.TrimLeft(m, "/\\=:'\" "), "...") {
			return true
		}
	}
	return len(traversalStep.FindAllStringIndex(f.lowered(), 2)) > 1 || multiStep.MatchString(f.lowered())
}

var (
	// traversalStep is one climb: two or more dots, then a separator
	// or the end, in plain, encoded or literal-hex spelling.
	traversalStep = regexp.MustCompile(`(?:^|[/\\=\s:'"])(?:\.|0x2e|%2e|%c0%ae){2,}(?:[/\\]|0x2f|0x5c|%2f|%5c|%c0%af|$)`)
	// multiStep is "../../" and the like with anything but letters
	// between the steps ("..\\./..").
	// So are a step into a hidden file ("../.env") and Tomcat's "..;".
	multiStep = regexp.MustCompile(`\.\.[/\\;]+\.*[/\\;]*\.\.|[/\\]\.\.$|\.\.[/\\]\.\w|\.\.;`)
)
