package detect

import "strings"

// Commands as a shell finds them: after a separator or at the start of a
// value, behind launcher words (sudo, nohup, env...) and a directory.

// launchers run the command that follows them.
var launchers = newLexicon("sudo nohup time env exec command builtin xargs nice stdbuf doas busybox timeout")

func isCommandByte(c byte) bool {
	return isIdentByte(c) || c == '.' || c == '-' || c == '+'
}

// commandAt reads the command at s[i:], past blanks, launchers and a
// directory, and returns its name (its last path element) and where
// it ends.
func commandAt(s string, i int) (string, int) {
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		// A directory: /usr/bin/, ./, /b?n/.
		j := i
		for j < len(s) && (isCommandByte(s[j]) || s[j] == '/' || s[j] == '?' || s[j] == '*') {
			j++
		}
		word := s[i:j]
		if k := strings.LastIndexByte(word, '/'); k >= 0 {
			word = word[k+1:]
		}
		if word == "" || !launchers.has(word) || j >= len(s) || s[j] != ' ' || strings.HasPrefix(s[j:], " -") {
			// A launcher with options of its own ("env --version") is
			// the command.
			return word, j
		}
		i = j
		if word == "timeout" {
			for i < len(s) && (s[i] == ' ' || '0' <= s[i] && s[i] <= '9') {
				i++
			}
		}
	}
}

// commandEnds: after a command name comes the end, a separator or,
// past a blank, its arguments.
func commandEnds(s string, j int) bool {
	return j >= len(s) || strings.IndexByte(";&|`)<> ", s[j]) >= 0
}

// shellArgument: what follows a command is unmistakably shell: an
// option, a path, a variable, a redirection or another separator. Used
// where the command name is also an English word and prose is likely
// ("copy & paste", "it works; more later").
func shellArgument(s string, j int) bool {
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j < len(s) && strings.IndexByte("-/.$~*;&|`<>", s[j]) >= 0
}

// commandAfterSeparator finds a command right after a shell separator or
// the opening of a substitution. Distinct command names count with any
// ending; everyday words ("more", "paste", "find") count when glued to
// the separator (";more") or followed by a shell argument.
func commandAfterSeparator(s string, all, distinct *lexicon) bool {
	for i := 0; i < len(s); i++ {
		switch separator[s[i]] {
		case sepAlone:
		case sepBeforeParen:
			if i+1 >= len(s) || s[i+1] != '(' {
				continue
			}
			i++
		default:
			continue
		}
		word, j := commandAt(s, i+1)
		switch {
		case word == "" || !commandEnds(s, j):
		case distinct.has(word):
			return true
		case all.has(word) && (i+1 < len(s) && s[i+1] != ' ' || shellArgument(s, j)):
			return true
		}
	}
	return false
}

// separator classifies the bytes commandAfterSeparator stops at: a
// table, as the loop runs on every byte of many values.
var separator = func() (t [256]uint8) {
	for _, c := range []byte(";&|`{\n") {
		t[c] = sepAlone
	}
	for _, c := range []byte("$<>") {
		t[c] = sepBeforeParen
	}
	return t
}()

const (
	sepAlone       = 1 + iota // a separator by itself
	sepBeforeParen            // a separator before '(': $( <( >(
)

// commandAtStart finds a distinct command at the start of the value or
// of an embedded assignment (a=cmd), where injected text lands when the
// application hands the whole value to a shell. Searches start with
// "python tutorial" or "curl examples" too, so the command counts only
// with shell-looking arguments after it, or alone when it is one of the
// reconnaissance commands nobody searches for by name.
func commandAtStart(s string, distinct *lexicon) bool {
	return commandAtStartIf(s, distinct, func(rest, word string) bool {
		return strings.ContainsAny(rest, "-/$|<>;&`~*=") || (rest == "" && reconCommands.has(word)) || startsWithCommand(rest, distinct)
	})
}

// startsWithCommand: the first argument is itself a command, as in
// "strace ifconfig" or "sudo -u x id".
func startsWithCommand(rest string, lex *lexicon) bool {
	word, j := commandAt(rest, 0)
	return word != "" && lex.has(word) && commandEnds(rest, j)
}

// optionOrPath: the first argument is an option (-x, --long) or an
// absolute or home path: what a command takes and prose does not.
func optionOrPath(rest string) bool {
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(rest, "--") && len(rest) > 2 && 'a' <= rest[2] && rest[2] <= 'z':
		return true
	case strings.HasPrefix(rest, "-"):
		// Short options: one to three letters ("-o", "-la", "-rf"),
		// not a hyphenated word ("-lapse").
		n := 1
		for n < len(rest) && n <= 4 && 'a' <= rest[n] && rest[n] <= 'z' {
			n++
		}
		return n > 1 && n <= 4 && (n == len(rest) || rest[n] == ' ')
	}
	return strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "~/")
}

// commandAtStartIf is commandAtStart with the test on what follows the
// command given by the caller.
func commandAtStartIf(s string, distinct *lexicon, args func(rest, word string) bool) bool {
	for i := -1; i < len(s); i++ {
		if i >= 0 && s[i] != '=' {
			continue
		}
		word, j := commandAt(s, i+1)
		if word == "" || !distinct.has(word) || !commandEnds(s, j) {
			continue
		}
		if args(s[j:], word) {
			return true
		}
	}
	return false
}

// reconCommands are what a probe runs first to see whether injection
// works.
var reconCommands = newLexicon("whoami ifconfig uname netstat id hostname printenv getent lastlog")
