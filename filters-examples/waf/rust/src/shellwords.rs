//! The port of detect/shellwords.go: commands as a shell finds them,
//! after a separator or at the start of a value, behind launcher words
//! (sudo, nohup, env...) and a directory.

use crate::lexicon::is_ident_byte;
use crate::rules_table::{Lexicon, LAUNCHERS, RECON_COMMANDS};

fn is_command_byte(c: u8) -> bool {
    is_ident_byte(c) || c == b'.' || c == b'-' || c == b'+'
}

/// `commandAt` reads the command at s[i..], past blanks, launchers and a
/// directory, and returns where its name (its last path element) starts
/// and where it ends: the name is s[start..end].
pub fn command_at(s: &[u8], mut i: usize) -> (usize, usize) {
    loop {
        while i < s.len() && s[i] == b' ' {
            i += 1;
        }
        // A directory: /usr/bin/, ./, /b?n/.
        let mut j = i;
        while j < s.len() && (is_command_byte(s[j]) || matches!(s[j], b'/' | b'?' | b'*')) {
            j += 1;
        }
        let start = match s[i..j].iter().rposition(|&c| c == b'/') {
            Some(k) => i + k + 1,
            None => i,
        };
        let word = &s[start..j];
        if word.is_empty()
            || !LAUNCHERS.has(word)
            || j >= s.len()
            || s[j] != b' '
            || s[j..].starts_with(b" -")
        {
            // A launcher with options of its own ("env --version") is
            // the command.
            return (start, j);
        }
        i = j;
        if word == b"timeout" {
            while i < s.len() && (s[i] == b' ' || s[i].is_ascii_digit()) {
                i += 1;
            }
        }
    }
}

/// `commandEnds`: after a command name comes the end, a separator or,
/// past a blank, its arguments.
pub fn command_ends(s: &[u8], j: usize) -> bool {
    j >= s.len() || b";&|`)<> ".contains(&s[j])
}

/// `shellArgument`: what follows a command is unmistakably shell: an
/// option, a path, a variable, a redirection or another separator.
pub fn shell_argument(s: &[u8], mut j: usize) -> bool {
    while j < s.len() && s[j] == b' ' {
        j += 1;
    }
    j < s.len() && b"-/.$~*;&|`<>".contains(&s[j])
}

const SEP_ALONE: u8 = 1;
const SEP_BEFORE_PAREN: u8 = 2;

/// `separator` classifies the bytes command_after_separator stops at.
static SEPARATOR: [u8; 256] = separators();

const fn separators() -> [u8; 256] {
    let mut t = [0u8; 256];
    let alone = b";&|`{\n";
    let mut i = 0;
    while i < alone.len() {
        t[alone[i] as usize] = SEP_ALONE;
        i += 1;
    }
    let paren = b"$<>";
    i = 0;
    while i < paren.len() {
        t[paren[i] as usize] = SEP_BEFORE_PAREN;
        i += 1;
    }
    t
}

/// `commandAfterSeparator` finds a command right after a shell separator
/// or the opening of a substitution. Distinct command names count with
/// any ending; everyday words count when glued to the separator or
/// followed by a shell argument.
pub fn command_after_separator(s: &[u8], all: &Lexicon, distinct: &Lexicon) -> bool {
    let mut i = 0;
    while i < s.len() {
        match SEPARATOR[s[i] as usize] {
            SEP_ALONE => {}
            SEP_BEFORE_PAREN => {
                if i + 1 >= s.len() || s[i + 1] != b'(' {
                    i += 1;
                    continue;
                }
                i += 1;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        let (start, j) = command_at(s, i + 1);
        let word = &s[start..j];
        if word.is_empty() || !command_ends(s, j) {
        } else if distinct.has(word) {
            return true;
        } else if all.has(word) && ((i + 1 < s.len() && s[i + 1] != b' ') || shell_argument(s, j)) {
            return true;
        }
        i += 1;
    }
    false
}

/// `commandAtStart` finds a distinct command at the start of the value
/// or of an embedded assignment (a=cmd), with shell-looking arguments
/// after it, or alone when it is a reconnaissance command.
pub fn command_at_start(s: &[u8], distinct: &Lexicon) -> bool {
    command_at_start_if(s, distinct, |rest, word| {
        rest.iter().any(|c| b"-/$|<>;&`~*=".contains(c))
            || (rest.is_empty() && RECON_COMMANDS.has(word))
            || starts_with_command(rest, distinct)
    })
}

/// `startsWithCommand`: the first argument is itself a command, as in
/// "strace ifconfig" or "sudo -u x id".
pub fn starts_with_command(rest: &[u8], lex: &Lexicon) -> bool {
    let (start, j) = command_at(rest, 0);
    let word = &rest[start..j];
    !word.is_empty() && lex.has(word) && command_ends(rest, j)
}

/// `optionOrPath`: the first argument is an option (-x, --long) or an
/// absolute or home path: what a command takes and prose does not.
pub fn option_or_path(rest: &[u8]) -> bool {
    let skip = rest.iter().take_while(|&&c| c == b' ').count();
    let rest = &rest[skip..];
    if rest.starts_with(b"--") && rest.len() > 2 && rest[2].is_ascii_lowercase() {
        return true;
    }
    if rest.starts_with(b"-") {
        // Short options: one to three letters ("-o", "-la", "-rf"), not
        // a hyphenated word ("-lapse").
        let mut n = 1;
        while n < rest.len() && n <= 4 && rest[n].is_ascii_lowercase() {
            n += 1;
        }
        return n > 1 && n <= 4 && (n == rest.len() || rest[n] == b' ');
    }
    rest.starts_with(b"/") || rest.starts_with(b"~/")
}

/// `commandAtStartIf` is command_at_start with the test on what follows
/// the command (`args(rest, word)`) given by the caller.
pub fn command_at_start_if(
    s: &[u8],
    distinct: &Lexicon,
    args: impl Fn(&[u8], &[u8]) -> bool,
) -> bool {
    // i is Go's loop index plus one, which starts at -1.
    for i in 0..=s.len() {
        if i > 0 && s[i - 1] != b'=' {
            continue;
        }
        let (start, j) = command_at(s, i);
        let word = &s[start..j];
        if word.is_empty() || !distinct.has(word) || !command_ends(s, j) {
            continue;
        }
        if args(&s[j..], word) {
            return true;
        }
    }
    false
}
